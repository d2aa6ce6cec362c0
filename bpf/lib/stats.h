/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Packet and byte counters, per CPU (plain increments, no atomics: each CPU
 * owns its slot; userspace sums over the possible CPUs).
 *
 * Every ICMP packet whose type was read moves its (family, type, action)
 * counter; every packet passed or dropped also moves its (family, reason)
 * counter. A reply moves only the first, a refused frame only the second.
 */
#ifndef ICMPGUARD_BPF_STATS_H
#define ICMPGUARD_BPF_STATS_H

#include <bpf/bpf_helpers.h>

#include "icmpguard/abi.h"
#include "lib/maps.h"

static __always_inline void ig_counter_add(struct ig_counter *c, __u32 bytes)
{
	if (!c)
		return;
	c->packets++;
	c->bytes += bytes;
}

static __always_inline void ig_count_type(__u8 family, __u8 type, __u8 action, __u32 bytes)
{
	__u32 idx = ig_counter_index(family & 1, type, action & (IG_ACTION_SLOTS - 1));

	ig_counter_add(bpf_map_lookup_elem(&counters, &idx), bytes);
}

static __always_inline void ig_count_reason(__u8 family, __u32 reason, __u32 bytes)
{
	__u32 idx = ig_reason_index(family < IG_FAMILY_COUNT ? family : IG_FAMILY_L2,
				    reason & (IG_REASON_SLOTS - 1));

	ig_counter_add(bpf_map_lookup_elem(&reasons, &idx), bytes);
}

#endif /* ICMPGUARD_BPF_STATS_H */
