/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The flood generator's XDP program (bench/gen, `icmpguard_gen send`). It is
 * run by BPF_PROG_TEST_RUN in live-frames mode: each run gets one frame and
 * returns XDP_TX, which live mode turns into a redirect out of the
 * ingress_ifindex the caller gave (BENCH-NOTES §3).
 *
 * Live mode recycles its pages with their content and resets only the data
 * pointers. A frame that the DUT turned into a reply, and that came back to
 * the sink, would go out again as a reply. So every run rewrites the whole
 * header (Ethernet, IP, ICMP) from the template in the gen_cfg map; the
 * payload is never changed by an echo responder and is left alone.
 *
 * Random-source mode writes a new source per frame, derived from a per-CPU
 * frame counter, and patches the one checksum that covers it (IPv4 header,
 * ICMPv6 via its pseudo-header) incrementally, RFC 1624.
 * Bench-only: never shipped.
 */
#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "gen_abi.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gen_cfg);
} gen_cfg SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GEN_CTR_MAX);
	__type(key, __u32);
	__type(value, __u64);
} gen_counters SEC(".maps");

/* Odd multipliers: x -> x * K is a bijection modulo every power of two, so
 * the low k bits of the source stay distinct for 2^k consecutive frames. */
#define GEN_K1 0x9e3779b97f4a7c15ULL
#define GEN_K2 0xbf58476d1ce4e5b9ULL

static __always_inline void count(__u32 slot)
{
	__u64 *n = bpf_map_lookup_elem(&gen_counters, &slot);

	if (n)
		*n += 1;
}

static __always_inline __u16 fold_not(__u32 s)
{
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* One source word: the prefix's bits, then the frame's host bits. */
static __always_inline __u32 src_word(const struct gen_cfg *c, int i, __u32 host_bits)
{
	return c->rnd_net[i] | (bpf_htonl(host_bits) & c->rnd_mask[i]);
}

static __always_inline __u32 add_halves(__u32 sum, __u32 w)
{
	return sum + (w & 0xffff) + (w >> 16);
}

SEC("xdp")
int gen_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 zero = 0, idx_slot = GEN_CTR_FRAMES;
	struct gen_cfg *c;
	__u64 *ctr, i, x;

	c = bpf_map_lookup_elem(&gen_cfg, &zero);
	ctr = bpf_map_lookup_elem(&gen_counters, &idx_slot);
	if (!c || !ctr)
		return XDP_ABORTED;
	i = (*ctr)++; /* this CPU's frame index, and the frames-ran count */

	if (c->family == 6) {
		if (data + GEN_HDR6_LEN > data_end)
			goto short_frame;
		/* Stores go through word pointers: a byte-wise memcpy would be
		 * 62 loads and stores. */
		((__u64 *)data)[0] = c->hdr[0];
		((__u64 *)data)[1] = c->hdr[1];
		((__u64 *)data)[2] = c->hdr[2];
		((__u64 *)data)[3] = c->hdr[3];
		((__u64 *)data)[4] = c->hdr[4];
		((__u64 *)data)[5] = c->hdr[5];
		((__u64 *)data)[6] = c->hdr[6];
		*(__u32 *)(data + 56) = ((__u32 *)c->hdr)[14];
		*(__u16 *)(data + 60) = ((__u16 *)c->hdr)[30];
	} else {
		if (data + GEN_HDR4_LEN > data_end)
			goto short_frame;
		((__u64 *)data)[0] = c->hdr[0];
		((__u64 *)data)[1] = c->hdr[1];
		((__u64 *)data)[2] = c->hdr[2];
		((__u64 *)data)[3] = c->hdr[3];
		((__u64 *)data)[4] = c->hdr[4];
		*(__u16 *)(data + 40) = ((__u16 *)c->hdr)[20];
	}

	if (!c->random)
		return XDP_TX;
	if (c->legit_every && i % c->legit_every == 0) {
		count(GEN_CTR_LEGIT);
		return XDP_TX; /* the template's fixed source */
	}

	/* Per-CPU streams start 2^28 frames apart, so two CPUs do not repeat
	 * each other's sources (the sender is normally pinned to one CPU). */
	x = (i + ((__u64)bpf_get_smp_processor_id() << 28)) * GEN_K1 + c->seed;

	if (c->family == 6) {
		/* Bits 0..63 (the /64) from x, the interface ID from a second
		 * bijection of x: a per-/64 limiter sees a new source per frame. */
		__u64 lo = x * GEN_K2;
		__u32 w0 = src_word(c, 0, x >> 32), w1 = src_word(c, 1, x);
		__u32 w2 = src_word(c, 2, lo >> 32), w3 = src_word(c, 3, lo);
		__u32 sum = c->csum_base;

		/* Checked again: without it the verifier rejects the stores
		 * below (the first check's range does not reach here). */
		if (data + GEN_HDR6_LEN > data_end)
			goto short_frame;
		*(__u32 *)(data + GEN_OFF6_SRC) = w0;
		*(__u32 *)(data + GEN_OFF6_SRC + 4) = w1;
		*(__u32 *)(data + GEN_OFF6_SRC + 8) = w2;
		*(__u32 *)(data + GEN_OFF6_SRC + 12) = w3;
		sum = add_halves(sum, w0);
		sum = add_halves(sum, w1);
		sum = add_halves(sum, w2);
		sum = add_halves(sum, w3);
		*(__u16 *)(data + GEN_OFF6_CSUM) = fold_not(sum);
	} else {
		__u32 w = src_word(c, 0, x);

		if (data + GEN_HDR4_LEN > data_end) /* as above */
			goto short_frame;
		*(__u32 *)(data + GEN_OFF4_SRC) = w;
		*(__u16 *)(data + GEN_OFF4_CSUM) = fold_not(add_halves(c->csum_base, w));
	}
	return XDP_TX;

short_frame:
	count(GEN_CTR_SHORT);
	return XDP_ABORTED;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
