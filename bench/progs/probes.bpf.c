/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Technique probes: single fragments of the production data path, compiled
 * from the production headers (bpf/lib, not copies), each alone in an
 * otherwise empty XDP program. Measured like the paths (full - empty), they
 * say what one piece of a path costs on this machine, which is what the
 * commentary in docs/benchmarks.md needs to say where a path's time goes.
 *
 * Every probe runs on the canonical IPv4 echo request of the bench (Ethernet
 * without tags, IPv4 IHL 5, 64 bytes of ICMP) and returns XDP_PASS only when
 * the fragment computed the expected answer, so the runner can prove that
 * the work was done. Bench-only: never shipped, never attached.
 *
 * The maps of bpf/lib/maps.h come along with the headers; the runner fills
 * this object's local_addrs with the lab addresses.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "icmpguard/abi.h"
#include "lib/addr.h"
#include "lib/csum_pkt.h"
#include "lib/parse.h"
#include "lib/stats.h"

#define PROBE_L3 14 /* IPv4 header */
#define PROBE_L4 34 /* ICMP header */

/* One local_addrs lookup that hits (the echo path's destination check). */
SEC("xdp")
int probe_addr_hit(struct xdp_md *ctx)
{
	struct iphdr *iph = ig_ptr(ctx, PROBE_L3, sizeof(*iph));
	__be32 daddr;

	if (!iph)
		return XDP_ABORTED;
	daddr = iph->daddr;
	return ig_addr_kind(IG_FAMILY_IPV4, &daddr, 4) == IG_ADDR_KIND_UNICAST ? XDP_PASS : XDP_DROP;
}

/* Both lookups of ig_echo_check4: destination (hit), then source (miss). */
SEC("xdp")
int probe_addr_hit_miss(struct xdp_md *ctx)
{
	struct iphdr *iph = ig_ptr(ctx, PROBE_L3, sizeof(*iph));
	__be32 saddr, daddr;

	if (!iph)
		return XDP_ABORTED;
	saddr = iph->saddr;
	daddr = iph->daddr;
	if (ig_addr_kind(IG_FAMILY_IPV4, &daddr, 4) != IG_ADDR_KIND_UNICAST)
		return XDP_DROP;
	return ig_addr_kind(IG_FAMILY_IPV4, &saddr, 4) == IG_ADDR_KIND_NONE ? XDP_PASS : XDP_DROP;
}

/* The checksum walk over the whole 64-byte ICMP message: one bpf_csum_diff call. */
SEC("xdp")
int probe_icmp_csum(struct xdp_md *ctx)
{
	return ig_csum_fold(ig_csum_to_end(ctx, PROBE_L4)) == 0xffff ? XDP_PASS : XDP_DROP;
}

/*
 * The ICMP checksum check exactly as the echo path calls it
 * (ig_icmp_csum_ok), whatever its current shape: since b81d503 it sums the
 * first 4 bytes apart and walks the 60 bytes after them, i.e. blocks of 32,
 * 16, 8 and 4 (four helper calls) instead of one block of 64.
 */
SEC("xdp")
int probe_icmp_csum_ok(struct xdp_md *ctx)
{
	struct ig_pkt pkt;

	__builtin_memset(&pkt, 0, sizeof(pkt));
	pkt.frame_len = ctx->data_end - ctx->data;
	pkt.family = IG_FAMILY_IPV4;
	pkt.l3_off = PROBE_L3;
	pkt.l4_off = PROBE_L4;
	pkt.ip_end = pkt.frame_len;
	return ig_icmp_csum_ok(ctx, &pkt) ? XDP_PASS : XDP_DROP;
}

/* The IPv4 header checksum loop of the parser (IHL 5, a bounds check per word). */
SEC("xdp")
int probe_ip4_hdr_csum(struct xdp_md *ctx)
{
	return ig_ip4_hdr_csum_ok(ctx, PROBE_L3, 5) ? XDP_PASS : XDP_DROP;
}

/* The two per-CPU counter updates every decided ICMP packet makes. */
SEC("xdp")
int probe_counters(struct xdp_md *ctx)
{
	__u32 len = ctx->data_end - ctx->data;

	ig_count_type(IG_FAMILY_IPV4, 8, IG_ACTION_DROP, len);
	ig_count_reason(IG_FAMILY_IPV4, IG_REASON_ICMP_BAD_CSUM, len);
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
