/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Token-bucket arithmetic for the rate limiters (RFC-NOTES §5.3), in GCRA
 * form ("virtual scheduling", ITU-T I.371): a bucket is one u64, its
 * theoretical arrival time (TAT). A packet conforms when TAT <= now +
 * tolerance; admitting it moves TAT to max(TAT, now) + credits * interval.
 * That is exactly a token bucket of rate 1/interval and depth burst, where
 * tolerance = (burst - 1) * interval, but with one word of state, so shared
 * buckets can be updated with a single compare-and-swap, and a zeroed state
 * (TAT in the past) is a full bucket with no special case.
 *
 * Plain C with no BPF helpers: the XDP program and the unit tests compile
 * this same code.
 *
 * 64-bit and overflow-free for every rate ig_rl_rate_from_pps() accepts:
 * interval <= IG_RL_INTERVAL_MAX (1e9), tolerance <= IG_RL_TOLERANCE_MAX
 * (2^61), credits <= 2 and now < 2^62 (146 years of uptime in ns), so
 * now + tolerance + 2 * interval + 1 s and TAT + credits * interval stay
 * below 2^63. An idle
 * bucket never accumulates more than its burst: TAT is clamped to now.
 */
#ifndef ICMPGUARD_BPF_TOKEN_BUCKET_H
#define ICMPGUARD_BPF_TOKEN_BUCKET_H

#include <linux/types.h>

#include "icmpguard/abi.h"

#ifdef __bpf__
#define IG_TB_INLINE static __always_inline
#else
#define IG_TB_INLINE static inline
#endif

/*
 * A TAT further ahead than the current rate can produce (tolerance plus the
 * most one admission adds) was run up under an older, slower rate: a
 * reload that raised a limit. Treat that bucket as just drained under the
 * new rate, so a raised limit never locks it out for the old debt (up to
 * the old burst / old rate). Not stored by a refusal, so it must conform
 * as it stands: the edge, now + tolerance, admits one packet. The slack
 * keeps a clock read a moment earlier on another CPU (or a lagging coarse
 * tick) from ever looking like old debt: only debt a second beyond what the
 * rate can produce is forgiven.
 */
#define IG_TB_CLAMP_SLACK_NS 1000000000ULL
IG_TB_INLINE __u64 ig_tb_clamp(__u64 tat, __u64 now, const struct ig_rl_rate *rate)
{
	__u64 edge = now + rate->tolerance_ns;

	return tat > edge + 2 * rate->interval_ns + IG_TB_CLAMP_SLACK_NS ? edge : tat;
}

/* Does a packet at `now` conform to a bucket whose TAT is `tat`? */
IG_TB_INLINE int ig_tb_conforms(__u64 tat, __u64 now, const struct ig_rl_rate *rate)
{
	return tat <= now + rate->tolerance_ns;
}

/* The TAT after admitting a packet that spends `credits` packets' worth. */
IG_TB_INLINE __u64 ig_tb_advance(__u64 tat, __u64 now, const struct ig_rl_rate *rate, __u32 credits)
{
	__u64 base = tat > now ? tat : now;

	return base + (__u64)credits * rate->interval_ns;
}

/*
 * Check and spend one packet from a bucket one CPU owns (or may race on:
 * a lost update only makes the limit looser by that packet, BENCH-NOTES
 * §5). Returns 1 if the packet may go; a refused packet spends nothing.
 */
IG_TB_INLINE int ig_tb_take(__u64 *tat, __u64 now, const struct ig_rl_rate *rate)
{
	__u64 t;

	if (!rate->interval_ns)
		return 1;
	t = ig_tb_clamp(*tat, now, rate);
	if (!ig_tb_conforms(t, now, rate))
		return 0;
	*tat = ig_tb_advance(t, now, rate, 1);
	return 1;
}

/*
 * A rate of `pps` packets per second with `burst` packets at once, or 0 if
 * the pair is out of range (pps 1..1e9, burst 1..IG_RL_TOLERANCE_MAX /
 * interval + 1). pps == 0 means "no limit": interval 0.
 */
IG_TB_INLINE int ig_rl_rate_from_pps(__u64 pps, __u64 burst, struct ig_rl_rate *out)
{
	__u64 interval;

	out->interval_ns = 0;
	out->tolerance_ns = 0;
	if (pps == 0)
		return 1;
	if (pps > 1000000000ULL || burst == 0)
		return 0;
	/* rounded to nearest: the error is under 0.5 ns a packet */
	interval = (1000000000ULL + pps / 2) / pps;
	if (interval > IG_RL_INTERVAL_MAX || burst - 1 > IG_RL_TOLERANCE_MAX / interval)
		return 0;
	out->interval_ns = interval;
	out->tolerance_ns = (burst - 1) * interval;
	return 1;
}

#endif /* ICMPGUARD_BPF_TOKEN_BUCKET_H */
