/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Drop capture: copies of dropped or refused packets into a ring buffer for
 * `icmpguard capture`, which writes them to a pcap file.
 *
 * Off by default: the cost then is one inlined array lookup on the drop path
 * only. When on, 1 in sample_every matching drops per CPU is copied (at most
 * snaplen bytes), so a flood cannot turn into a copy per packet; when the
 * ring is full the reserve fails and the packet is simply not captured.
 */
#ifndef ICMPGUARD_BPF_CAPTURE_H
#define ICMPGUARD_BPF_CAPTURE_H

#include <bpf/bpf_helpers.h>

#include "icmpguard/abi.h"
#include "lib/maps.h"
#include "lib/parse.h"

static __always_inline __u32 ig_capture_class(__u8 action, __u32 reason)
{
	if (action == IG_ACTION_RATE_LIMITED)
		return IG_CAPTURE_RATE_LIMITED;
	return reason == IG_REASON_POLICY_DROP ? IG_CAPTURE_DROP : IG_CAPTURE_INVALID;
}

/* Copy this dropped packet out if a capture asks for it. */
static __always_inline void ig_capture(struct xdp_md *ctx, const struct ig_pkt *pkt, __u8 action,
				       __u32 reason)
{
	__u32 zero = 0, len;
	struct ig_capture_config *cfg = bpf_map_lookup_elem(&capture_config, &zero);
	struct ig_capture_record *rec;
	__u64 *seen;

	if (!cfg || !(cfg->classes & ig_capture_class(action, reason)))
		return;
	seen = bpf_map_lookup_elem(&capture_seen, &zero);
	if (!seen)
		return;
	/* a countdown per CPU: 1 in sample_every, without a division per packet */
	if (*seen) {
		(*seen)--;
		return;
	}
	*seen = cfg->sample_every > 1 ? cfg->sample_every - 1 : 0;

	rec = bpf_ringbuf_reserve(&capture_ring, sizeof(*rec), 0);
	if (!rec)
		return; /* ring full: the reader is behind; drop the copy, not the packet */
	/* the frame now, not as received: the echo path may have cut link padding */
	len = ctx->data_end - ctx->data;
	if (len > cfg->snaplen)
		len = cfg->snaplen;
	if (len > IG_CAPTURE_SNAPLEN_MAX)
		len = IG_CAPTURE_SNAPLEN_MAX;
	if (len < 1 || bpf_xdp_load_bytes(ctx, 0, rec->data, len)) {
		bpf_ringbuf_discard(rec, BPF_RB_NO_WAKEUP);
		return;
	}
	rec->ktime_ns = bpf_ktime_get_ns();
	rec->frame_len = pkt->frame_len; /* the original length, as pcap's "len" */
	rec->cap_len = len;
	rec->family = pkt->family;
	rec->action = action;
	rec->reason = reason;
	rec->icmp_type = pkt->type;
	rec->type_known = pkt->type_known;
	/* no wakeup: the reader polls every 10 ms, and a wakeup per record is an
	 * irq_work on this CPU in the middle of a flood */
	bpf_ringbuf_submit(rec, BPF_RB_NO_WAKEUP);
}

#endif /* ICMPGUARD_BPF_CAPTURE_H */
