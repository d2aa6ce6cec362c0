/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * icmpguard XDP entry point: parse -> check -> classify -> act -> count.
 *
 * Every frame ends in exactly one verdict. Frames decided by a check count
 * their reason; ICMP packets whose type was read also count
 * (family, type, action). Non-ICMP traffic leaves after the first parse
 * with XDP_PASS and one reason counter (not_icmp / l2_not_ip).
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
#include "lib/stats.h"

/* libxdp dispatcher: run early, and let later programs see what we pass. */
struct {
	__uint(priority, 10);
	__uint(XDP_PASS, 1);
} XDP_RUN_CONFIG(icmpguard_xdp);

/*
 * Count a pass/drop decided by reason and return its verdict. In shadow
 * mode a drop is counted as would_drop (with its reason) and passed.
 */
static __always_inline int ig_finish(struct xdp_md *ctx, const struct ig_pkt *pkt, __u32 reason)
{
	int pass = (IG_REASON_PASS_MASK >> (reason & 63)) & 1;
	__u8 action = pass ? IG_ACTION_PASS : pkt->shadow ? IG_ACTION_WOULD_DROP : IG_ACTION_DROP;

	if (pkt->type_known)
		ig_count_type(pkt->family, pkt->type, action, pkt->frame_len);
	ig_count_reason(pkt->family, reason, pkt->frame_len);
	if (action == IG_ACTION_DROP)
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

	reason = ig_echo_eligible(ctx, &pkt);
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
