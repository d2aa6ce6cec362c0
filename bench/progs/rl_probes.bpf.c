/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Rate-limiter probes: pieces of bpf/lib/ratelimit.h (the production header,
 * not a copy) alone in an XDP program, measured like the probes of
 * probes.bpf.c, to say where the rate-limited path's time goes.
 *
 * Every probe runs on the bench's IPv4 echo request from 198.51.100.1. The
 * runner writes the default limits into rl_params[0] and pre-sets that
 * source's echo bucket empty in rl_sources, as the rate-limited rows do;
 * rl_params[1] holds limits that admit everything in class "other" (1e9 pps
 * per source and in total), so the same source is admitted there. Each
 * probe returns XDP_PASS only when the piece gave the expected answer.
 * Bench-only: never shipped, never attached.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "icmpguard/abi.h"
#include "lib/ratelimit.h"

#define PROBE_L3 14 /* IPv4 header */

static __always_inline int probe_key(struct xdp_md *ctx, struct ig_rl_key *key)
{
	__u32 side = 0;
	const struct ig_rl_params *p = bpf_map_lookup_elem(&rl_params, &side);

	int dst_ours = 1; /* as on the echo path: the destination was checked */

	return p ? ig_rl_read_addrs(ctx, PROBE_L3, IG_FAMILY_IPV4, p, key, &dst_ours) : -1;
}

/* The limiter's clock: one helper call. */
SEC("xdp")
int probe_rl_clock(struct xdp_md *ctx)
{
	return bpf_ktime_get_coarse_ns() ? XDP_PASS : XDP_DROP;
}

/* rl_params, the /32 key (and the destination check), and the rl_sources lookup of a known source (a hit). */
SEC("xdp")
int probe_rl_lookup_hit(struct xdp_md *ctx)
{
	struct ig_rl_key key;

	if (probe_key(ctx, &key))
		return XDP_ABORTED;
	return bpf_map_lookup_elem(&rl_sources, &key) ? XDP_PASS : XDP_DROP;
}

/* The same for a source not in the LRU (a miss: every packet of a random flood). */
SEC("xdp")
int probe_rl_lookup_miss(struct xdp_md *ctx)
{
	struct ig_rl_key key;

	if (probe_key(ctx, &key))
		return XDP_ABORTED;
	key.addr[0] ^= 0x80; /* 70.51.100.1: never inserted */
	return bpf_map_lookup_elem(&rl_sources, &key) ? XDP_DROP : XDP_PASS;
}

/* The whole limiter, as the program calls it, on the refused source. */
SEC("xdp")
int probe_rl_refused(struct xdp_md *ctx)
{
	return ig_rate_limit(ctx, PROBE_L3, IG_RL_DESC(IG_FAMILY_IPV4, 8, 0, IG_RL_ECHO) | IG_RL_DST_OURS) == IG_REASON_RL_SOURCE
		       ? XDP_PASS
		       : XDP_DROP;
}

/*
 * The whole limiter on an admitted source: its own bucket (a write), then
 * random credit (bpf_get_prandom_u32) spent from the class total by
 * compare-and-swap. Never refuses: the total admits 1e9 pps with a 1e9 burst.
 */
SEC("xdp")
int probe_rl_admitted(struct xdp_md *ctx)
{
	return ig_rate_limit(ctx, PROBE_L3, IG_RL_DESC(IG_FAMILY_IPV4, 8, 1, IG_RL_OTHER) | IG_RL_DST_OURS) == IG_REASON_NONE
		       ? XDP_PASS
		       : XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
