/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Token-bucket arithmetic for the rate limiters (RFC-NOTES §5.3), as a plain
 * C function with no BPF helpers: the XDP program and the unit tests compile
 * the same code, so refill, cap and overflow behaviour are tested on what
 * ships. The clock is whatever the caller passes (jiffies, ns); rate is in
 * token units per clock unit, one packet costs `cost` units (fixed point:
 * cost = 1 packet, e.g. 10^6 units, so fractional rates per tick work).
 *
 * 64-bit throughout. Overflow cannot happen when the parameters satisfy
 * ig_bucket_params_ok(): the elapsed time is clamped to what refills an
 * empty bucket (so a long idle period gives exactly `cap`), and
 * tokens + elapsed * rate stays below 2^64.
 *
 * Concurrency: callers update buckets without atomics; a racing update on
 * another CPU can be lost, which only makes the limit slightly loose (at
 * most about one packet per CPU), never stuck (BENCH-NOTES §5).
 */
#ifndef ICMPGUARD_BPF_TOKEN_BUCKET_H
#define ICMPGUARD_BPF_TOKEN_BUCKET_H

#include <linux/types.h>

#ifdef __bpf__
#define IG_TB_INLINE static __always_inline
#else
#define IG_TB_INLINE static inline
#endif

struct ig_bucket {
	__u64 tokens; /* token units available, <= cap */
	__u64 last; /* clock value of the last refill */
};

/* Largest value either of cap and rate may take: their sum stays < 2^63. */
#define IG_BUCKET_PARAM_MAX (1ULL << 62)

/* Parameters the arithmetic is defined for (config validation uses this). */
IG_TB_INLINE int ig_bucket_params_ok(__u64 rate, __u64 cap, __u64 cost)
{
	return rate > 0 && rate <= IG_BUCKET_PARAM_MAX && cap <= IG_BUCKET_PARAM_MAX && cost > 0 &&
	       cost <= cap;
}

/*
 * Refill b to `now`, then take `cost` units if available. Returns 1 if the
 * packet may go, 0 if it is over the limit (nothing is taken then). A clock
 * that went backwards (another CPU's jiffies read a moment earlier) refills
 * nothing.
 */
IG_TB_INLINE int ig_bucket_take(struct ig_bucket *b, __u64 now, __u64 rate, __u64 cap, __u64 cost)
{
	__u64 elapsed = now > b->last ? now - b->last : 0;
	/* time to fill an empty bucket, rounded up: more can never add anything */
	__u64 fill = cap / rate + 1;
	__u64 tokens;

	if (elapsed > fill)
		elapsed = fill;
	tokens = b->tokens + elapsed * rate; /* <= cap + (cap/rate + 1) * rate < 2^64 */
	if (tokens > cap)
		tokens = cap;
	if (now > b->last)
		b->last = now;
	if (tokens < cost) {
		b->tokens = tokens;
		return 0;
	}
	b->tokens = tokens - cost;
	return 1;
}

#endif /* ICMPGUARD_BPF_TOKEN_BUCKET_H */
