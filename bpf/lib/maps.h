/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Map definitions, nothing else. Keys and values come from the shared ABI;
 * each map has exactly one writer, named beside it.
 *
 * No pinning attribute here: the loader sets pin paths per interface, so a
 * test that loads the object never pins anything by accident.
 */
#ifndef ICMPGUARD_BPF_MAPS_H
#define ICMPGUARD_BPF_MAPS_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "icmpguard/abi.h"

/* Writer: BPF. Packets and bytes per (family, ICMP type, action). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IG_COUNTER_ENTRIES);
	__type(key, __u32);
	__type(value, struct ig_counter);
} counters SEC(".maps");

/* Writer: BPF. Packets and bytes per (family, reason) for every pass/drop. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IG_REASON_ENTRIES);
	__type(key, __u32);
	__type(value, struct ig_counter);
} reasons SEC(".maps");

/* Writer: MapWriter. Two complete policy tables, see ig_policy_index(). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_POLICY_ENTRIES);
	__type(key, __u32);
	__type(value, struct ig_policy_row);
} policy SEC(".maps");

/* Writer: MapWriter. Which policy side is live, and its generation. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_policy_state);
} policy_state SEC(".maps");

/* Writer: AddressSync. This host's addresses as seen on this interface. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, IG_LOCAL_ADDR_ENTRIES);
	__type(key, struct ig_addr_key);
	__type(value, struct ig_addr_info);
} local_addrs SEC(".maps");

/* Writer: AddressWriter. Direct-mapped view of local_addrs (abi.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_ADDR_SLOTS);
	__type(key, __u32);
	__type(value, struct ig_addr_slot);
} addr_slots SEC(".maps");

/* Writer: `icmpguard capture`. Which drops to copy out, and how often. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_capture_config);
} capture_config SEC(".maps");

/* Writer: BPF. Sampling countdown per CPU for the capture. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} capture_seen SEC(".maps");

/* Writer: BPF; reader: `icmpguard capture`. Copies of dropped packets. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, IG_CAPTURE_RING_BYTES);
} capture_ring SEC(".maps");

/* Writer: the loader, at attach. The interface's own MAC. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_iface);
} iface SEC(".maps");

/* Writer: PolicyWriter. Rate-limit parameters, one per policy side. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_POLICY_SIDES);
	__type(key, __u32);
	__type(value, struct ig_rl_params);
} rl_params SEC(".maps");

/* Writer: PolicyWriter. Per-type ceilings, indexed like policy. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_RL_TYPE_RATE_ENTRIES);
	__type(key, __u32);
	__type(value, struct ig_rl_rate);
} rl_type_rates SEC(".maps");

/* Writer: BPF (compare-and-swap). Shared bucket states (TATs). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, IG_RL_SHARED_ENTRIES);
	__type(key, __u32);
	__type(value, __u64);
} rl_shared SEC(".maps");

/* Writer: BPF. Per-source buckets; the loader sets max_entries (`sources`). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, IG_RL_SOURCES_DEFAULT);
	__type(key, struct ig_rl_key);
	__type(value, struct ig_rl_source);
} rl_sources SEC(".maps");

/* Writer: BPF. Each CPU's budget for adding sources to rl_sources. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_rl_cpu);
} rl_new_sources SEC(".maps");

/* Writer: BPF. The "maybe a known source" bitmaps and their clock. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct ig_rl_filter);
} rl_filter SEC(".maps");

#endif /* ICMPGUARD_BPF_MAPS_H */
