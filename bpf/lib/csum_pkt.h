/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Checksums over packet bytes: the sum of everything from an offset to the
 * end of the frame, with bpf_csum_diff() for the bulk and the odd tail by
 * hand. The caller trims link padding first, so "end of the frame" is the
 * end of the IP datagram.
 *
 * bpf_csum_diff() wants sizes that are multiples of 4 and at most 512 bytes,
 * and its packet pointer must be proven in bounds for the full size: hence
 * fixed 256-byte chunks, then one call per power of two of the remainder,
 * then 2- and 1-byte tails. Its result is folded to 16 bits on newer kernels
 * and not on older ones; both fold to the same checksum, so it is only ever
 * added to a 64-bit accumulator and folded once at the end.
 */
#ifndef ICMPGUARD_BPF_CSUM_PKT_H
#define ICMPGUARD_BPF_CSUM_PKT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "lib/csum.h"
#include "lib/parse.h"

#define IG_CSUM_CHUNK 256
#define IG_CSUM_MAX_CHUNKS 16
/*
 * The longest message ig_csum_to_end() sums completely: 16 chunks, then a
 * remainder below 256 bytes. Native XDP frames fit in a page; generic (skb)
 * XDP can see a whole jumbo frame, so longer echoes are passed to the kernel
 * (echo_too_long) rather than verified in part.
 */
#define IG_CSUM_MAX_BYTES (IG_CSUM_MAX_CHUNKS * IG_CSUM_CHUNK + IG_CSUM_CHUNK - 1)

/*
 * One's-complement sum (unfolded) of the bytes from off to the frame's end.
 * Whole 256-byte chunks go through bpf_csum_diff(); the remainder (all of a
 * typical ping) is summed here with 8-byte loads, which is cheaper than one
 * helper call per power of two. A global function: the verifier checks its
 * loops once, on their own, rather than again on every path that reaches it.
 */
__attribute__((noinline)) __u64 ig_csum_to_end(struct xdp_md *ctx, __u32 off)
{
	__u64 sum = 0;
	__u32 *d;
	__u16 *w;
	__u8 *b;

	for (int i = 0; i < IG_CSUM_MAX_CHUNKS; i++) {
		void *p = ig_ptr(ctx, off, IG_CSUM_CHUNK);

		if (!p)
			break;
		sum += (__u32)bpf_csum_diff(NULL, 0, p, IG_CSUM_CHUNK, 0);
		off += IG_CSUM_CHUNK;
	}
	/* the remainder is < 256 bytes: 32-byte blocks, one bounds check each */
	for (int i = 0; i < IG_CSUM_CHUNK / 32; i++) {
		__u64 *q = ig_ptr(ctx, off, 32);

		if (!q)
			break;
		/* 32-bit halves: eight terms < 2^32 cannot overflow 64 bits */
		sum += (q[0] & 0xffffffff) + (q[0] >> 32) + (q[1] & 0xffffffff) + (q[1] >> 32) +
		       (q[2] & 0xffffffff) + (q[2] >> 32) + (q[3] & 0xffffffff) + (q[3] >> 32);
		off += 32;
	}
	for (int i = 0; i < 3; i++) { /* then at most three 8-byte words */
		__u64 *q = ig_ptr(ctx, off, 8);

		if (!q)
			break;
		sum += (*q & 0xffffffff) + (*q >> 32);
		off += 8;
	}
	d = ig_ptr(ctx, off, 4);
	if (d) {
		sum += *d;
		off += 4;
	}
	w = ig_ptr(ctx, off, 2);
	if (w) {
		sum += *w;
		off += 2;
	}
	b = ig_ptr(ctx, off, 1);
	if (b)
		sum += ig_csum_odd_byte(*b);
	return sum;
}

/*
 * ICMPv4 checksum (RFC 792) or ICMPv6 checksum with its pseudo-header
 * (RFC 4443 §2.3, RFC 8200 §8.1) over the whole message, which must end at
 * the end of the frame. Valid iff the folded sum is all ones.
 */
static __always_inline int ig_icmp_csum_ok(struct xdp_md *ctx, const struct ig_pkt *pkt)
{
	__u64 sum = ig_csum_to_end(ctx, pkt->l4_off);

	if (pkt->family == IG_FAMILY_IPV6) {
		/* source and destination are the 32 bytes at offset 8 of the IPv6 header */
		__u32 *a = ig_ptr(ctx, pkt->l3_off + 8, 32);

		if (!a)
			return 0;
		sum += (__u64)a[0] + a[1] + a[2] + a[3] + a[4] + a[5] + a[6] + a[7];
		sum += ig_csum_be32(pkt->ip_end - pkt->l4_off); /* upper-layer length */
		sum += ig_csum_be32(IG_IP6_NH_ICMP);
	}
	return ig_csum_fold(sum) == 0xffff;
}

#endif /* ICMPGUARD_BPF_CSUM_PKT_H */
