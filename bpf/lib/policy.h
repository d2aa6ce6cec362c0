/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Generation-aware policy lookup. policy_state is read once per packet
 * (ig_policy_snapshot) and its side is used for the one table lookup, so a packet sees either the
 * whole old policy or the whole new one, never a mix (the writer fills the
 * inactive side completely before flipping).
 */
#ifndef ICMPGUARD_BPF_POLICY_H
#define ICMPGUARD_BPF_POLICY_H

#include <bpf/bpf_helpers.h>

#include "icmpguard/abi.h"
#include "lib/maps.h"
#include "lib/parse.h"

/* Read policy_state once for this packet: which side, and shadow mode. */
static __always_inline void ig_policy_snapshot(struct ig_pkt *pkt)
{
	__u32 zero = 0;
	struct ig_policy_state *state = bpf_map_lookup_elem(&policy_state, &zero);

	if (!state)
		return;
	pkt->policy_side = state->active_side & 1;
	pkt->shadow = (state->flags & IG_POLICY_F_SHADOW) != 0;
}

/*
 * The ig_action for the packet's (family, type, code); unknown values pass.
 * Notes the rule's flags in pkt->rule_flags.
 */
static __always_inline __u8 ig_policy_action(struct ig_pkt *pkt)
{
	__u32 idx = ig_policy_index(pkt->policy_side & 1, pkt->family & 1, pkt->type);
	struct ig_policy_row *row;
	__u8 action;

	row = bpf_map_lookup_elem(&policy, &idx);
	if (!row)
		return IG_ACTION_PASS;
	action = row->code_action[pkt->code];
	pkt->rule_flags = action & ~IG_POLICY_ACTION_MASK;
	action &= IG_POLICY_ACTION_MASK;
	if (action == IG_ACTION_DROP || action == IG_ACTION_REPLY)
		return action;
	return IG_ACTION_PASS;
}

#endif /* ICMPGUARD_BPF_POLICY_H */
