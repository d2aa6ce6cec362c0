/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * icmpguard XDP entry point: parse -> check -> classify -> act -> count.
 *
 * Every frame ends in exactly one verdict. Frames decided by a check count
 * their reason; ICMP packets whose type was read also count
 * (family, type, action). Non-ICMP traffic leaves after the first parse
 * with XDP_PASS and one reason counter (not_icmp / l2_not_ip).
 *
 * The rate limiter sees every echo request XDP would answer (after the
 * address checks, before the checksum) and every ICMP message passed to the
 * kernel for this host; it may turn either into rate_limited.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <xdp/xdp_helpers.h>

#include "icmpguard/abi.h"
#include "lib/capture.h"
#include "lib/classify.h"
#include "lib/echo.h"
#include "lib/parse.h"
#include "lib/policy.h"
#include "lib/ratelimit.h"
#include "lib/stats.h"

/* libxdp dispatcher: run early, and let later programs see what we pass. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(icmpguard_xdp);

/*
 * Passes after which the kernel processes the packet as ICMP for this host:
 * these meet the limiter. Not dst_not_local or l2_other_host (not ours to
 * limit), nor anything passed before the ICMP type was read.
 */
#define IG_BIT(r) (1ULL << (r))
#define IG_RL_PASS_REASONS                                                                   \
	(IG_BIT(IG_REASON_POLICY_PASS) | IG_BIT(IG_REASON_FRAG_PASS) |                        \
	 IG_BIT(IG_REASON_IP4_OPTS_PASS) | IG_BIT(IG_REASON_IP6_EH_PASS) |                    \
	 IG_BIT(IG_REASON_ECHO_CODE_NZ) | IG_BIT(IG_REASON_ECHO_DISABLED) |                   \
	 IG_BIT(IG_REASON_ECHO_TOO_LONG) | IG_BIT(IG_REASON_TRIM_FAILED))

/*
 * Run the limiter once for this packet: echo requests spend the echo
 * budget. dst_ours: the echo checks already found the destination ours;
 * otherwise the limiter looks, and leaves traffic for others alone.
 */
static __always_inline int ig_limit(struct xdp_md *ctx, struct ig_pkt *pkt, __u32 dst_ours)
{
	__u32 cls = ig_is_echo_request(pkt) ? IG_RL_ECHO : IG_RL_OTHER;

	pkt->rl_done = 1;
	if ((pkt->rule_flags & IG_RULE_F_NO_LIMIT) || pkt->l2_other_host)
		return IG_REASON_NONE;
	return ig_rate_limit(ctx, pkt->l3_off,
			     IG_RL_DESC(pkt->family, pkt->type, pkt->policy_side, cls) | dst_ours);
}

/*
 * Count a pass/drop decided by reason and return its verdict. A pass the
 * limiter refuses becomes rate_limited with the limiter's reason. In shadow
 * mode a drop is counted as would_drop (with its reason) and passed.
 */
static __always_inline int ig_finish(struct xdp_md *ctx, struct ig_pkt *pkt, __u32 reason)
{
	int pass, limited;
	__u8 action;

	if (((IG_RL_PASS_REASONS >> (reason & 63)) & 1) && pkt->type_known && !pkt->rl_done) {
		int rl = ig_limit(ctx, pkt, 0);

		if (rl)
			reason = rl;
	}
	pass = (IG_REASON_PASS_MASK >> (reason & 63)) & 1;
	limited = (IG_REASON_RL_MASK >> (reason & 63)) & 1;
	action = pass ? IG_ACTION_PASS
		 : pkt->shadow ? IG_ACTION_WOULD_DROP
		 : limited ? IG_ACTION_RATE_LIMITED
			   : IG_ACTION_DROP;

	if (pkt->type_known)
		ig_count_type(pkt->family, pkt->type, action, pkt->frame_len);
	ig_count_reason(pkt->family, reason, pkt->frame_len);
	if (action == IG_ACTION_DROP || action == IG_ACTION_RATE_LIMITED)
		ig_capture(ctx, pkt, action, reason);
	return pass || pkt->shadow ? XDP_PASS : XDP_DROP;
}

SEC("xdp")
int icmpguard_xdp(struct xdp_md *ctx)
{
	struct ig_pkt pkt;
	__u8 action;
	int reason;

	__builtin_memset(&pkt, 0, sizeof(pkt));
	pkt.frame_len = ctx->data_end - ctx->data;
	ig_policy_snapshot(&pkt);

	reason = ig_parse(ctx, &pkt);
	if (!reason)
		reason = ig_check_l2(ctx, &pkt);
	if (!reason && pkt.family == IG_FAMILY_IPV6)
		reason = ig_check_icmp6(ctx, &pkt);
	if (reason)
		return ig_finish(ctx, &pkt, reason);

	action = ig_policy_action(&pkt);
	if (action == IG_ACTION_DROP)
		return ig_finish(ctx, &pkt, IG_REASON_POLICY_DROP);
	if (action != IG_ACTION_REPLY || !ig_is_echo_request(&pkt))
		return ig_finish(ctx, &pkt, IG_REASON_POLICY_PASS);

	reason = ig_echo_answerable(ctx, &pkt);
	if (reason)
		return ig_finish(ctx, &pkt, reason);
	reason = ig_limit(ctx, &pkt, IG_RL_DST_OURS);
	if (!reason)
		reason = ig_echo_intact(ctx, &pkt);
	if (reason)
		return ig_finish(ctx, &pkt, reason);
	if (pkt.shadow) {
		ig_count_type(pkt.family, pkt.type, IG_ACTION_WOULD_REPLY, pkt.frame_len);
		return XDP_PASS;
	}
	if (ig_build_reply(ctx, &pkt))
		return ig_finish(ctx, &pkt, IG_REASON_TRIM_FAILED);
	ig_count_type(pkt.family, pkt.type, IG_ACTION_REPLY, pkt.frame_len);
	return XDP_TX;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
