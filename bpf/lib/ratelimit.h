/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rate limiter (docs/rate-limiting.md): per-source buckets in an LRU
 * hash, behind a per-CPU budget for new sources, then optional per-type and
 * per-class aggregate ceilings.
 *
 * Order, after Linux's SAD DNS fixes (CVE-2020-25705, CVE-2024-47678):
 * 1. the source's own bucket; a refused packet touches nothing shared;
 * 2. only then the shared ceilings (type, then class total), each spending
 *    a random 0, 1 or 2 packets' worth of credit (1 on average), so the
 *    number of answers one source sees does not tell it how much credit
 *    other sources spent.
 *
 * One global function, verified once however many call sites the program
 * has; it takes the context and scalars only.
 */
#ifndef ICMPGUARD_BPF_RATELIMIT_H
#define ICMPGUARD_BPF_RATELIMIT_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "icmpguard/abi.h"
#include "lib/hdr.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/token_bucket.h"

/* ig_rate_limit()'s second argument: which bucket set a packet meets. */
#define IG_RL_DESC(family, type, side, cls) \
	(((__u32)(family) & 1) | ((__u32)(type) << 8) | (((__u32)(side) & 1) << 16) | (((__u32)(cls) & 1) << 17))

/* The packet's source address masked to the configured prefix. */
static __always_inline int ig_rl_source_key(struct xdp_md *ctx, __u32 l3_off, __u32 family,
					    const struct ig_rl_params *p, struct ig_rl_key *key)
{
	__u32 *w = (__u32 *)key->addr;

	__builtin_memset(key, 0, sizeof(*key));
	key->family = family;
	if (family == IG_FAMILY_IPV4) {
		struct iphdr *iph = ig_ptr(ctx, l3_off, sizeof(*iph));

		if (!iph)
			return -1;
		w[0] = iph->saddr & p->ip4_mask;
	} else {
		struct ipv6hdr *ip6 = ig_ptr(ctx, l3_off, sizeof(*ip6));

		if (!ip6)
			return -1;
		w[0] = ip6->saddr.in6_u.u6_addr32[0] & p->ip6_mask[0];
		w[1] = ip6->saddr.in6_u.u6_addr32[1] & p->ip6_mask[1];
		w[2] = ip6->saddr.in6_u.u6_addr32[2] & p->ip6_mask[2];
		w[3] = ip6->saddr.in6_u.u6_addr32[3] & p->ip6_mask[3];
	}
	return 0;
}

/* Random credit for a shared bucket: 0, 1 or 2 packets, 1 on average. */
static __always_inline __u32 ig_rl_random_credits(void)
{
	return bpf_get_prandom_u32() % 3;
}

/*
 * May this CPU add one more source to rl_sources now? Its budget spends
 * random credit too, so a new source's fate says little about how many
 * others arrived.
 */
static __always_inline int ig_rl_new_source_ok(const struct ig_rl_params *p, __u64 now)
{
	__u32 zero = 0;
	struct ig_rl_cpu *cpu = bpf_map_lookup_elem(&rl_new_sources, &zero);
	const struct ig_rl_rate *rate = &p->new_sources;

	if (!cpu)
		return 1;
	if (rate->interval_ns) {
		if (!ig_tb_conforms(cpu->tat, now, rate)) {
			cpu->refused++;
			return 0;
		}
		cpu->tat = ig_tb_advance(cpu->tat, now, rate, ig_rl_random_credits());
	}
	cpu->inserted++;
	return 1;
}

/*
 * Spend `credits` from a shared bucket, lock-free: compare-and-swap on its
 * TAT. After three lost races in a row the packet goes: the limit is then
 * loose by that packet, which beats spinning in the driver.
 */
static __always_inline int ig_rl_take_shared(__u32 slot, __u64 now, const struct ig_rl_rate *rate,
					     __u32 credits)
{
	__u64 *tat = bpf_map_lookup_elem(&rl_shared, &slot);

	if (!tat)
		return 1;
#pragma unroll
	for (int i = 0; i < 3; i++) {
		__u64 old = *(volatile __u64 *)tat;

		if (!ig_tb_conforms(old, now, rate))
			return 0;
		if (!credits)
			return 1;
		if (__sync_val_compare_and_swap(tat, old, ig_tb_advance(old, now, rate, credits)) == old)
			return 1;
	}
	return 1;
}

/*
 * Note a refusal on the source's entry (what `icmpguard top` ranks by).
 * Plain stores, no locked add: a one-source flood spread over several CPUs
 * would bounce the line on every packet, and an increment lost to a race
 * only makes a ranking count a little low.
 */
static __always_inline int ig_rl_refuse(struct ig_rl_source *src, __u64 now, int reason)
{
	src->limited++;
	if (src->last_limited_ns != now)
		src->last_limited_ns = now;
	return reason;
}

/*
 * Limit one packet. desc = IG_RL_DESC(family, type, policy side, class).
 * Returns IG_REASON_NONE if it may go on, else the rl_* reason.
 */
__noinline int ig_rate_limit(struct xdp_md *ctx, __u32 l3_off, __u32 desc)
{
	__u32 family = desc & 1, type = (desc >> 8) & 0xff, side = (desc >> 16) & 1;
	__u32 cls = (desc >> 17) & 1, idx, credits;
	const struct ig_rl_params *p;
	const struct ig_rl_rate *type_rate, *total;
	struct ig_rl_source *src;
	struct ig_rl_key key;
	__u64 now;

	if (!ctx)
		return IG_REASON_NONE;
	p = bpf_map_lookup_elem(&rl_params, &side);
	if (!p || !(p->flags & IG_RL_F_ENABLED))
		return IG_REASON_NONE;
	if (ig_rl_source_key(ctx, l3_off, family, p, &key))
		return IG_REASON_NONE;
	/* the tick-granular clock: a few ns, and refill by whole ticks is exact enough */
	now = bpf_ktime_get_coarse_ns();

	src = bpf_map_lookup_elem(&rl_sources, &key);
	if (!src) {
		struct ig_rl_source fresh = {}; /* zero TATs: full buckets */

		if (!ig_rl_new_source_ok(p, now))
			return IG_REASON_RL_SOURCE_FLOOD;
		/* a CPU racing us to the same key wins; we use its entry */
		bpf_map_update_elem(&rl_sources, &key, &fresh, BPF_NOEXIST);
		src = bpf_map_lookup_elem(&rl_sources, &key);
		if (!src)
			return IG_REASON_NONE; /* evicted in between: let this one go */
	}
	if (!ig_tb_take(&src->tat[cls], now, &p->per_source[cls]))
		return ig_rl_refuse(src, now, IG_REASON_RL_SOURCE);

	idx = ig_policy_index(side, family, type);
	type_rate = bpf_map_lookup_elem(&rl_type_rates, &idx);
	if (type_rate && !type_rate->interval_ns)
		type_rate = NULL;
	total = &p->total[cls];
	if (!type_rate && !total->interval_ns)
		return IG_REASON_NONE;

	credits = ig_rl_random_credits();
	if (type_rate && !ig_rl_take_shared(ig_rl_type_slot(family, type), now, type_rate, credits))
		return ig_rl_refuse(src, now, IG_REASON_RL_TYPE);
	if (total->interval_ns && !ig_rl_take_shared(IG_RL_SHARED_TOTAL_BASE + cls, now, total, credits))
		return ig_rl_refuse(src, now, IG_REASON_RL_TOTAL);
	return IG_REASON_NONE;
}

#endif /* ICMPGUARD_BPF_RATELIMIT_H */
