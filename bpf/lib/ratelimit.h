/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The rate limiter (docs/rate-limiting.md): per-source buckets in an LRU
 * hash, behind a bitmap of maybe-known sources and a per-CPU budget for new
 * sources, then optional per-type and per-class aggregate ceilings.
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
#include "lib/addr.h"
#include "lib/hdr.h"
#include "lib/maps.h"
#include "lib/parse.h"
#include "lib/token_bucket.h"

/*
 * ig_rate_limit()'s third argument: which bucket set a packet meets, and
 * whether the caller already knows the destination is this host's.
 */
#define IG_RL_DST_OURS (1u << 18)
#define IG_RL_DESC(family, type, side, cls) \
	(((__u32)(family) & 1) | ((__u32)(type) << 8) | (((__u32)(side) & 1) << 16) | (((__u32)(cls) & 1) << 17))

/*
 * Read the source into the key (masked to the configured prefix) and, if
 * *dst_ours is 0 on entry, say whether the destination is this host's: one
 * of its addresses on this interface, or a broadcast / multicast group.
 * -1: not readable.
 */
static __always_inline int ig_rl_read_addrs(struct xdp_md *ctx, __u32 l3_off, __u32 family,
					    const struct ig_rl_params *p, struct ig_rl_key *key,
					    int *dst_ours)
{
	__u32 *w = (__u32 *)key->addr;

	__builtin_memset(key, 0, sizeof(*key));
	key->family = family;
	if (family == IG_FAMILY_IPV4) {
		struct iphdr *iph = ig_ptr(ctx, l3_off, sizeof(*iph));
		__be32 daddr;

		if (!iph)
			return -1;
		w[0] = iph->saddr & p->ip4_mask;
		daddr = iph->daddr;
		if (!*dst_ours)
			*dst_ours = ig_ip4_is_group(daddr) ||
				    ig_addr_kind(IG_FAMILY_IPV4, &daddr, 4) != IG_ADDR_KIND_NONE;
	} else {
		struct ipv6hdr *ip6 = ig_ptr(ctx, l3_off, sizeof(*ip6));
		struct in6_addr daddr;

		if (!ip6)
			return -1;
		w[0] = ip6->saddr.in6_u.u6_addr32[0] & p->ip6_mask[0];
		w[1] = ip6->saddr.in6_u.u6_addr32[1] & p->ip6_mask[1];
		w[2] = ip6->saddr.in6_u.u6_addr32[2] & p->ip6_mask[2];
		w[3] = ip6->saddr.in6_u.u6_addr32[3] & p->ip6_mask[3];
		if (!*dst_ours) {
			daddr = ip6->daddr;
			*dst_ours = ig_ip6_is_multicast(&daddr) ||
				    ig_addr_kind(IG_FAMILY_IPV6, &daddr, 16) != IG_ADDR_KIND_NONE;
		}
	}
	return 0;
}

/* Random credit for a shared bucket: 0, 1 or 2 packets, 1 on average. */
static __always_inline __u32 ig_rl_random_credits(void)
{
	return bpf_get_prandom_u32() % 3;
}

/*
 * May this CPU add one more source of class cls to rl_sources now? Each
 * class has its own budget, so an echo flood from random sources cannot
 * refuse the first error from a router never seen before. It spends random
 * credit too, so a new source's fate says little about how many others
 * arrived.
 */
static __always_inline int ig_rl_new_source_ok(const struct ig_rl_params *p, __u32 cls, __u64 now)
{
	__u32 zero = 0;
	struct ig_rl_cpu *cpu = bpf_map_lookup_elem(&rl_new_sources, &zero);
	const struct ig_rl_rate *rate = &p->new_sources;
	__u64 tat;

	if (!cpu)
		return 1;
	if (rate->interval_ns) {
		tat = ig_tb_clamp(cpu->tat[cls & 1], now, rate);
		if (!ig_tb_conforms(tat, now, rate)) {
			cpu->refused++;
			return 0;
		}
		cpu->tat[cls & 1] = ig_tb_advance(tat, now, rate, ig_rl_random_credits());
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
		__u64 cur = ig_tb_clamp(old, now, rate);

		if (!ig_tb_conforms(cur, now, rate))
			return 0;
		if (!credits)
			return 1;
		if (__sync_val_compare_and_swap(tat, old, ig_tb_advance(cur, now, rate, credits)) == old)
			return 1;
	}
	return 1;
}

/* bpf_loop() callback: clear block `index` (64 words) of generation *gen. */
static long ig_rl_clear_block(__u32 index, void *data)
{
	__u32 zero = 0, gen = *(__u32 *)data & 1;
	struct ig_rl_filter *f = bpf_map_lookup_elem(&rl_filter, &zero);
	__u32 base = (index * 64) & (IG_RL_FILTER_WORDS - 1);

	if (!f)
		return 1;
#pragma unroll
	for (int i = 0; i < 64; i++)
		f->words[gen][(base + i) & (IG_RL_FILTER_WORDS - 1)] = 0;
	return 0;
}

/*
 * The filter, rotated first if its period is over: the first CPU to notice
 * (a compare-and-swap elects it) clears the old generation and makes it the
 * young one, about 30 us on one packet every few seconds.
 */
static __always_inline struct ig_rl_filter *ig_rl_filter_get(const struct ig_rl_params *p, __u64 now)
{
	__u32 zero = 0;
	struct ig_rl_filter *f = bpf_map_lookup_elem(&rl_filter, &zero);
	__u64 last;

	if (!f)
		return NULL;
	last = f->rotated_ns;
	if (now > last + p->filter_period_ns &&
	    __sync_val_compare_and_swap(&f->rotated_ns, last, now) == last) {
		__u32 old = (f->young ^ 1) & 1;

		bpf_loop(IG_RL_FILTER_WORDS / 64, ig_rl_clear_block, &old, 0);
		f->young = old;
	}
	return f;
}

/* May the key be in rl_sources? Its bit in either generation. */
static __always_inline int ig_rl_filter_maybe(const struct ig_rl_filter *f, __u32 bit)
{
	__u32 w = (bit >> 6) & (IG_RL_FILTER_WORDS - 1);

	return ((f->words[0][w] | f->words[1][w]) >> (bit & 63)) & 1;
}

/* The key is in rl_sources: keep its bit in the young generation. */
static __always_inline void ig_rl_filter_mark(struct ig_rl_filter *f, __u32 bit)
{
	__u32 w = (bit >> 6) & (IG_RL_FILTER_WORDS - 1), young = f->young & 1;
	__u64 mask = 1ULL << (bit & 63);

	if (!(f->words[young][w] & mask)) /* read first: most packets find it set */
		__sync_fetch_and_or(&f->words[young][w], mask);
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
 * Limit one packet. desc = IG_RL_DESC(family, type, policy side, class),
 * plus IG_RL_DST_OURS when the caller has checked the destination.
 * Returns IG_REASON_NONE if it may go on, else the rl_* reason.
 */
__noinline int ig_rate_limit(struct xdp_md *ctx, __u32 l3_off, __u32 desc)
{
	__u32 family = desc & 1, type = (desc >> 8) & 0xff, side = (desc >> 16) & 1;
	__u32 cls = (desc >> 17) & 1, idx, credits;
	const struct ig_rl_params *p;
	const struct ig_rl_rate *type_rate, *total;
	struct ig_rl_source fresh = {}, *src = &fresh; /* zero TATs: full buckets */
	struct ig_rl_key key;
	int dst_ours = (desc & IG_RL_DST_OURS) != 0; /* the caller checked it */
	__u64 now;

	if (!ctx)
		return IG_REASON_NONE;
	p = bpf_map_lookup_elem(&rl_params, &side);
	if (!p || !(p->flags & IG_RL_F_ENABLED))
		return IG_REASON_NONE;
	if (ig_rl_read_addrs(ctx, l3_off, family, p, &key, &dst_ours))
		return IG_REASON_NONE;
	/* passing through (a router, a bridge port): not ours to limit */
	if (!dst_ours)
		return IG_REASON_NONE;
	/* the tick-granular clock: refill by whole ticks is exact enough */
	now = bpf_ktime_get_coarse_ns();

	/* per source, unless this class has no per-source limit ("pps = 0") */
	if (p->per_source[cls].interval_ns) {
		struct ig_rl_source *known = NULL;
		struct ig_rl_filter *filter = p->filter_period_ns ? ig_rl_filter_get(p, now) : NULL;
		__u32 bit = ig_rl_filter_bit(&key);

		/* a clear filter bit: certainly unknown, skip the LRU's memory */
		if (!filter || ig_rl_filter_maybe(filter, bit))
			known = bpf_map_lookup_elem(&rl_sources, &key);
		if (!known) {
			if (!ig_rl_new_source_ok(p, cls, now))
				return IG_REASON_RL_SOURCE_FLOOD;
			/* a CPU racing us to the same key wins; we use its entry */
			bpf_map_update_elem(&rl_sources, &key, &fresh, BPF_NOEXIST);
			known = bpf_map_lookup_elem(&rl_sources, &key);
		}
		/* evicted again at once (a tiny LRU): a fresh bucket, the ceilings still apply */
		if (known) {
			src = known;
			if (filter)
				ig_rl_filter_mark(filter, bit);
		}
		if (!ig_tb_take(&src->tat[cls], now, &p->per_source[cls]))
			return ig_rl_refuse(src, now, IG_REASON_RL_SOURCE);
	}

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
