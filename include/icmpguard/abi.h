/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one C definition of every map key and value shared by the XDP program
 * (clang -target bpf) and the control plane (g++ -std=c++20). Plain C,
 * fixed-width types only, padding written out, sizes asserted below.
 *
 * Bump IG_ABI_VERSION whenever a map's key, value, size or meaning changes:
 * it is the vN of the pin directory, so an old `icmpguard stats` never reads
 * a new layout.
 */
#ifndef ICMPGUARD_ABI_H
#define ICMPGUARD_ABI_H

#include <linux/types.h>

#include "icmpguard/lists.h"

#define IG_ABI_VERSION 1

#ifdef __cplusplus
#define IG_STATIC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define IG_STATIC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

#ifdef __bpf__
#define IG_ABI_INLINE static __always_inline
#else
#define IG_ABI_INLINE static inline
#endif

/*
 * Capacities of the counter and policy index spaces. Fixed, not derived from
 * the list lengths, so appending to a list never moves existing indices.
 */
#define IG_ICMP_TYPES 256
#define IG_ICMP_CODES 256
#define IG_ACTION_SLOTS 8
#define IG_REASON_SLOTS 64

IG_STATIC_ASSERT(IG_ACTION_COUNT <= IG_ACTION_SLOTS, "action list outgrew its counter slots");
IG_STATIC_ASSERT(IG_REASON_COUNT <= IG_REASON_SLOTS, "reason list outgrew its counter slots");

/* ---- counters (BPF writes, per CPU; userspace sums over CPUs) ---------- */

/* Value of both counter maps. */
struct ig_counter {
	__u64 packets;
	__u64 bytes; /* whole frame as received, VLAN tags and padding included */
};
IG_STATIC_ASSERT(sizeof(struct ig_counter) == 16, "ig_counter layout");

/* counters: PERCPU_ARRAY indexed by (family, ICMP type, action). */
#define IG_COUNTER_ENTRIES (IG_ICMP_FAMILIES * IG_ICMP_TYPES * IG_ACTION_SLOTS)
IG_ABI_INLINE __u32 ig_counter_index(__u32 family, __u32 type, __u32 action)
{
	return (family * IG_ICMP_TYPES + type) * IG_ACTION_SLOTS + action;
}

/* reasons: PERCPU_ARRAY indexed by (family incl. l2, reason). */
#define IG_REASON_ENTRIES (IG_FAMILY_COUNT * IG_REASON_SLOTS)
IG_ABI_INLINE __u32 ig_reason_index(__u32 family, __u32 reason)
{
	return family * IG_REASON_SLOTS + reason;
}

/* ---- policy (MapWriter writes; BPF reads) ------------------------------ */

/*
 * policy: ARRAY of two complete tables ("sides"). Entry (side, family, type)
 * holds the action for every code of that type. Each byte is an ig_action in
 * the low nibble; the high nibble is reserved for per-rule flags.
 * A zeroed table means "pass everything": an empty policy fails open to the
 * kernel, never closed.
 */
#define IG_POLICY_SIDES 2
#define IG_POLICY_ACTION_MASK 0x0f
struct ig_policy_row {
	__u8 code_action[IG_ICMP_CODES];
};
IG_STATIC_ASSERT(sizeof(struct ig_policy_row) == 256, "ig_policy_row layout");

#define IG_POLICY_ENTRIES (IG_POLICY_SIDES * IG_ICMP_FAMILIES * IG_ICMP_TYPES)
IG_ABI_INLINE __u32 ig_policy_index(__u32 side, __u32 family, __u32 type)
{
	return (side * IG_ICMP_FAMILIES + family) * IG_ICMP_TYPES + type;
}

/*
 * policy_state: ARRAY of one. The program reads it once per packet and uses
 * that side and those flags throughout; the writer fills the other side
 * completely, then flips active_side (with the new flags) in one update and
 * bumps generation.
 */
struct ig_policy_state {
	__u32 active_side; /* 0 or 1 */
	__u32 flags; /* IG_POLICY_F_* */
	__u64 generation; /* 0 = never written; +1 per flip */
};

/* Shadow mode: decide and count everything, but pass every packet. */
#define IG_POLICY_F_SHADOW 0x1

/*
 * Per-rule flags in the high nibble of a policy row byte.
 * NO_LIMIT: never rate-limited (PMTUD messages, on-link ND/MLD by default).
 */
#define IG_RULE_F_NO_LIMIT 0x10
IG_STATIC_ASSERT(sizeof(struct ig_policy_state) == 16, "ig_policy_state layout");

/* ---- addresses (AddressSync writes; BPF reads) ------------------------- */

/*
 * local_addrs: HASH. One map per attached interface, so link-local addresses
 * are only this interface's. IPv4 uses addr[0..3], the rest stays zero.
 * Zero keys before filling them: hash maps compare every byte.
 */
struct ig_addr_key {
	__u8 family; /* IG_FAMILY_IPV4 or IG_FAMILY_IPV6 */
	__u8 pad[3];
	__u8 addr[16]; /* network byte order */
};
IG_STATIC_ASSERT(sizeof(struct ig_addr_key) == 20, "ig_addr_key layout");

struct ig_addr_info {
	__u8 kind; /* ig_addr_kind */
	__u8 pad[3];
};
IG_STATIC_ASSERT(sizeof(struct ig_addr_info) == 4, "ig_addr_info layout");

#define IG_LOCAL_ADDR_ENTRIES 4096

/*
 * addr_slots: ARRAY of IG_ADDR_SLOTS, a direct-mapped view of local_addrs
 * that the program reads instead of hashing (an array lookup is inlined; a
 * hash lookup is a helper call). Slot ig_addr_slot_index(key). Invariant,
 * kept by AddressWriter: every address in local_addrs either sits in its
 * slot, or its slot's kind is IG_ADDR_SLOT_COLLISION (then the program looks
 * in local_addrs). So an empty or different slot means "not ours".
 */
#define IG_ADDR_SLOT_BITS 10
#define IG_ADDR_SLOTS (1u << IG_ADDR_SLOT_BITS)
#define IG_ADDR_SLOT_COLLISION 0xff

struct ig_addr_slot {
	__u8 addr[16]; /* as in ig_addr_key */
	__u8 family;
	__u8 kind; /* ig_addr_kind, or IG_ADDR_SLOT_COLLISION */
	__u8 pad[6];
};
IG_STATIC_ASSERT(sizeof(struct ig_addr_slot) == 24, "ig_addr_slot layout");

/*
 * Multiplicative hash of a family and 16 address bytes (4-byte aligned,
 * native word order); the top bits are the index. Shared by addr_slots and
 * the rate limiter's filter.
 */
IG_ABI_INLINE __u32 ig_addr_hash(__u32 family, const __u8 *addr)
{
	const __u32 *w = (const __u32 *)addr;
	__u32 h = (family + 1) * 0x9e3779b1u;

	h = (h ^ w[0]) * 0x85ebca6bu;
	h = (h ^ w[1]) * 0xc2b2ae35u;
	h = (h ^ w[2]) * 0x85ebca6bu;
	h = (h ^ w[3]) * 0x9e3779b1u;
	return h;
}

IG_ABI_INLINE __u32 ig_addr_slot_index(const struct ig_addr_key *key)
{
	return ig_addr_hash(key->family, key->addr) >> (32 - IG_ADDR_SLOT_BITS);
}

/* ---- drop capture (`icmpguard capture` writes the config; BPF the ring) - */

/*
 * capture_config: ARRAY of one. Zero (the default) means off. Which dropped
 * packets to copy into capture_ring, 1 in every sample_every per CPU, at most
 * snaplen bytes each. Its one writer is `icmpguard capture`, which restores
 * zero when it ends.
 */
#define IG_CAPTURE_DROP (1u << 0)         /* dropped by policy (policy_drop) */
#define IG_CAPTURE_RATE_LIMITED (1u << 1) /* dropped by a rate limiter */
#define IG_CAPTURE_INVALID (1u << 2)      /* refused by a check (any other drop reason) */
#define IG_CAPTURE_SNAPLEN_MAX 256

struct ig_capture_config {
	__u32 classes; /* IG_CAPTURE_* bits; 0 = capture off */
	__u32 sample_every; /* 1 = every matching packet; 0 is treated as 1 */
	__u32 snaplen; /* bytes copied, 1..IG_CAPTURE_SNAPLEN_MAX */
	__u32 pad;
};
IG_STATIC_ASSERT(sizeof(struct ig_capture_config) == 16, "ig_capture_config layout");

/* One captured packet in capture_ring (BPF_MAP_TYPE_RINGBUF). */
struct ig_capture_record {
	__u64 ktime_ns; /* bpf_ktime_get_ns() at capture */
	__u32 frame_len; /* length on the wire (as received) */
	__u32 cap_len; /* bytes in data[] */
	__u8 family;
	__u8 action; /* ig_action: drop or rate_limited */
	__u8 reason; /* ig_reason */
	__u8 icmp_type; /* valid if type_known */
	__u8 type_known;
	__u8 pad[3];
	__u8 data[IG_CAPTURE_SNAPLEN_MAX];
};
IG_STATIC_ASSERT(sizeof(struct ig_capture_record) == 24 + IG_CAPTURE_SNAPLEN_MAX, "ig_capture_record layout");

#define IG_CAPTURE_RING_BYTES (256 * 1024)

/* ---- rate limiting (PolicyWriter writes the params; BPF the state) ----- */

/*
 * Two budgets that never share credit (RFC-NOTES §5.4 rule 4):
 * IG_RL_ECHO   echo requests: the ones XDP answers, and the ones it hands to
 *              the kernel to answer (options, fragments, code != 0, ...);
 * IG_RL_OTHER  every other ICMP message passed to the kernel.
 * Dropped packets never meet a limiter: they cost nothing downstream.
 */
#define IG_RL_ECHO 0
#define IG_RL_OTHER 1
#define IG_RL_CLASSES 2

/*
 * A rate in GCRA form (the "virtual scheduling" token bucket): one packet
 * every interval_ns, with up to burst packets at once, where
 * tolerance_ns = (burst - 1) * interval_ns. interval_ns == 0: no limit.
 * State is one u64 per bucket, the theoretical arrival time (TAT): a zeroed
 * state is a full bucket. Arithmetic in bpf/lib/token_bucket.h.
 */
struct ig_rl_rate {
	__u64 interval_ns;
	__u64 tolerance_ns;
};
IG_STATIC_ASSERT(sizeof(struct ig_rl_rate) == 16, "ig_rl_rate layout");

/* Largest interval and tolerance a config may produce: sums stay < 2^63. */
#define IG_RL_INTERVAL_MAX 1000000000ULL /* 1 packet per second */
#define IG_RL_TOLERANCE_MAX (1ULL << 61)

/*
 * rl_params: ARRAY of IG_POLICY_SIDES, one per policy side, so limits flip
 * together with the policy table they belong to (same policy_state read).
 */
#define IG_RL_F_ENABLED 0x1

struct ig_rl_params {
	__u32 flags; /* IG_RL_F_*; 0 = limiter off */
	__u32 ip4_mask; /* source prefix mask, network order */
	__u32 ip6_mask[4]; /* source prefix mask, network order */
	struct ig_rl_rate per_source[IG_RL_CLASSES]; /* per source prefix */
	struct ig_rl_rate total[IG_RL_CLASSES]; /* aggregate, all sources */
	struct ig_rl_rate new_sources; /* per CPU and class: sources added to rl_sources */
	__u64 filter_period_ns; /* rl_filter rotation; 0: no filter, every packet looks in rl_sources */
};
IG_STATIC_ASSERT(sizeof(struct ig_rl_params) == 112, "ig_rl_params layout");

/*
 * rl_type_rates: ARRAY indexed like policy (ig_policy_index): the optional
 * per-type aggregate ceiling of (side, family, type). The type's budget
 * applies to whichever class the type falls in.
 */
#define IG_RL_TYPE_RATE_ENTRIES IG_POLICY_ENTRIES

/*
 * rl_shared: ARRAY of the shared (all-source) bucket states, one TAT each:
 * per (family, type) ceilings first, then the per-class aggregates.
 * Updated with compare-and-swap: several CPUs spend from them at once.
 */
#define IG_RL_SHARED_TOTAL_BASE (IG_ICMP_FAMILIES * IG_ICMP_TYPES)
#define IG_RL_SHARED_ENTRIES (IG_RL_SHARED_TOTAL_BASE + IG_RL_CLASSES)
IG_ABI_INLINE __u32 ig_rl_type_slot(__u32 family, __u32 type)
{
	return family * IG_ICMP_TYPES + type;
}

/*
 * rl_sources: LRU_HASH, sized by the config (`sources`), keyed by the
 * source address masked to its prefix. IPv4 uses addr[0..3]. A zeroed
 * value is a source with full buckets.
 */
struct ig_rl_key {
	__u8 family; /* IG_FAMILY_IPV4 or IG_FAMILY_IPV6 */
	__u8 pad[3];
	__u8 addr[16]; /* network order, masked */
};
IG_STATIC_ASSERT(sizeof(struct ig_rl_key) == 20, "ig_rl_key layout");

struct ig_rl_source {
	__u64 tat[IG_RL_CLASSES]; /* per-source bucket of each class */
	__u64 limited; /* packets from this source refused by any limiter (racy: may undercount) */
	__u64 last_limited_ns; /* coarse monotonic ns of the last refusal; 0 = never */
};
IG_STATIC_ASSERT(sizeof(struct ig_rl_source) == 32, "ig_rl_source layout");

#define IG_RL_SOURCES_DEFAULT 65536

/*
 * rl_new_sources: PERCPU_ARRAY of one. This CPU's buckets (TAT per class) for
 * adding sources to rl_sources, and how many it added and refused: the budget in
 * front of the LRU that keeps a random-source flood from evicting
 * well-behaved sources.
 */
struct ig_rl_cpu {
	__u64 tat[IG_RL_CLASSES]; /* one budget per class: an echo flood cannot spend the errors' */
	__u64 inserted; /* sources added to rl_sources */
	__u64 refused; /* new sources refused: budget spent (rl_source_flood) */
};
IG_STATIC_ASSERT(sizeof(struct ig_rl_cpu) == 32, "ig_rl_cpu layout");

/*
 * rl_filter: ARRAY of one: two bitmaps ("generations") over source keys, in
 * front of rl_sources, with their clock (one value: one lookup a packet). A key's bit is set in the young generation whenever
 * the program finds or adds it in rl_sources; a key whose bit is clear in
 * both is certainly not there, so a packet from a random spoofed source is
 * refused after two reads of a 256 KiB bitmap instead of a miss in the
 * LRU's megabytes. Every rl_params.filter_period_ns the program clears the
 * old generation and makes it the young one: a source silent for two
 * periods is forgotten by the filter (its next packet meets the new-source
 * budget; its LRU entry, if still there, is found and reused).
 */
#define IG_RL_FILTER_BITS_LOG2 20
#define IG_RL_FILTER_WORDS (1u << (IG_RL_FILTER_BITS_LOG2 - 6))

struct ig_rl_filter {
	__u64 rotated_ns; /* coarse monotonic ns of the last rotation */
	__u32 young; /* 0 or 1: the generation being marked */
	__u32 pad;
	__u64 words[2][IG_RL_FILTER_WORDS];
};
IG_STATIC_ASSERT(sizeof(struct ig_rl_filter) == 16 + 2 * 8 * IG_RL_FILTER_WORDS, "ig_rl_filter layout");

/* The key's bit in a generation. */
IG_ABI_INLINE __u32 ig_rl_filter_bit(const struct ig_rl_key *key)
{
	return ig_addr_hash(key->family, key->addr) >> (32 - IG_RL_FILTER_BITS_LOG2);
}

/* ---- interface (the loader writes at attach; BPF reads) ---------------- */

/*
 * iface: ARRAY of one. The MAC of the interface the program is attached to.
 * mac_known == 0 disables the "frame addressed to another host" check.
 */
struct ig_iface {
	__u8 mac[6];
	__u8 mac_known;
	__u8 pad;
};
IG_STATIC_ASSERT(sizeof(struct ig_iface) == 8, "ig_iface layout");

#endif /* ICMPGUARD_ABI_H */
