/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The one list of every enumerated value shared by the XDP program and the
 * control plane: families, actions, refusal/pass reasons and address kinds.
 * C enums, C++ label tables, JSON values and Prometheus labels are all
 * generated from these lists.
 *
 * APPEND ONLY. A position is a counter index in maps that an older
 * `icmpguard stats` may read from its pins, and a label is what dashboards
 * match on: reordering or reusing a slot silently relabels counters.
 */
#ifndef ICMPGUARD_LISTS_H
#define ICMPGUARD_LISTS_H

/*
 * Families. Counter rows exist for ipv4 and ipv6; "l2" only labels reason
 * counters for frames refused before an IP header was recognised.
 */
#define IG_FAMILY_LIST(X)            \
	X(IG_FAMILY_IPV4, "ipv4")    \
	X(IG_FAMILY_IPV6, "ipv6")    \
	X(IG_FAMILY_L2, "l2")

/*
 * What the program did with a packet. rate_limited is a drop by a limiter.
 * would_drop / would_reply: shadow mode decided so, but passed the packet.
 */
#define IG_ACTION_LIST(X)                        \
	X(IG_ACTION_PASS, "pass")                \
	X(IG_ACTION_DROP, "drop")                \
	X(IG_ACTION_REPLY, "reply")              \
	X(IG_ACTION_RATE_LIMITED, "rate_limited") \
	X(IG_ACTION_WOULD_DROP, "would_drop")    \
	X(IG_ACTION_WOULD_REPLY, "would_reply")

/*
 * Why a packet was passed or dropped: X(id, label, action). The action is
 * the verdict the reason implies; the program derives the verdict from it,
 * so a reason can never be counted with a different outcome.
 * none: "no reason", never counted; helpers return it to mean "go on".
 * policy_pass / policy_drop: the policy table decided (no check refused it).
 */
#define IG_REASON_LIST(X)                                             \
	X(IG_REASON_NONE, "none", IG_ACTION_PASS)                     \
	X(IG_REASON_POLICY_PASS, "policy_pass", IG_ACTION_PASS)       \
	X(IG_REASON_POLICY_DROP, "policy_drop", IG_ACTION_DROP)       \
	X(IG_REASON_L2_NOT_IP, "l2_not_ip", IG_ACTION_PASS)           \
	X(IG_REASON_NOT_ICMP, "not_icmp", IG_ACTION_PASS)             \
	X(IG_REASON_L2_TRUNC, "l2_trunc", IG_ACTION_DROP)             \
	X(IG_REASON_VLAN_TOO_DEEP, "vlan_too_deep", IG_ACTION_PASS)   \
	X(IG_REASON_L2_BCAST_UCAST_IP, "l2_bcast_ucast_ip", IG_ACTION_DROP) \
	X(IG_REASON_L2_BAD_SRC, "l2_bad_src", IG_ACTION_DROP)         \
	X(IG_REASON_L2_OTHER_HOST, "l2_other_host", IG_ACTION_PASS)   \
	X(IG_REASON_IP4_SHORT, "ip4_short", IG_ACTION_DROP)           \
	X(IG_REASON_IP4_BAD_VER, "ip4_bad_ver", IG_ACTION_DROP)       \
	X(IG_REASON_IP4_BAD_IHL, "ip4_bad_ihl", IG_ACTION_DROP)       \
	X(IG_REASON_IP4_TRUNC_HDR, "ip4_trunc_hdr", IG_ACTION_DROP)   \
	X(IG_REASON_IP4_BAD_CSUM, "ip4_bad_csum", IG_ACTION_DROP)     \
	X(IG_REASON_IP4_BAD_LEN, "ip4_bad_len", IG_ACTION_DROP)       \
	X(IG_REASON_IP4_TRUNC, "ip4_trunc", IG_ACTION_DROP)           \
	X(IG_REASON_IP4_OPTS_PASS, "ip4_opts_pass", IG_ACTION_PASS)   \
	X(IG_REASON_FRAG_PASS, "frag_pass", IG_ACTION_PASS)           \
	X(IG_REASON_ICMP_SHORT, "icmp_short", IG_ACTION_DROP)         \
	X(IG_REASON_SRC_MARTIAN, "src_martian", IG_ACTION_DROP)       \
	X(IG_REASON_ECHO_BCAST, "echo_bcast", IG_ACTION_DROP)         \
	X(IG_REASON_ECHO_MCAST, "echo_mcast", IG_ACTION_DROP)         \
	X(IG_REASON_DST_NOT_LOCAL, "dst_not_local", IG_ACTION_PASS)   \
	X(IG_REASON_ECHO_CODE_NZ, "echo_code_nz", IG_ACTION_PASS)     \
	X(IG_REASON_ICMP_BAD_CSUM, "icmp_bad_csum", IG_ACTION_DROP)   \
	X(IG_REASON_ECHO_DISABLED, "echo_disabled", IG_ACTION_PASS)   \
	X(IG_REASON_IP6_SHORT, "ip6_short", IG_ACTION_DROP)           \
	X(IG_REASON_IP6_BAD_VER, "ip6_bad_ver", IG_ACTION_DROP)       \
	X(IG_REASON_IP6_TRUNC, "ip6_trunc", IG_ACTION_DROP)           \
	X(IG_REASON_IP6_JUMBO, "ip6_jumbo", IG_ACTION_PASS)           \
	X(IG_REASON_IP6_EH_PASS, "ip6_eh_pass", IG_ACTION_PASS)       \
	X(IG_REASON_EH_TOO_MANY, "eh_too_many", IG_ACTION_DROP)       \
	X(IG_REASON_EH_TRUNC, "eh_trunc", IG_ACTION_DROP)             \
	X(IG_REASON_EH_HBH_NOT_FIRST, "eh_hbh_not_first", IG_ACTION_DROP) \
	X(IG_REASON_FRAG_CHAIN_INCOMPLETE, "frag_chain_incomplete", IG_ACTION_DROP) \
	X(IG_REASON_DST6_UNSPEC, "dst6_unspec", IG_ACTION_DROP)       \
	X(IG_REASON_ND_INVALID, "nd_invalid", IG_ACTION_DROP)         \
	X(IG_REASON_MLD_INVALID, "mld_invalid", IG_ACTION_DROP)       \
	X(IG_REASON_MRD_INVALID, "mrd_invalid", IG_ACTION_DROP)       \
	X(IG_REASON_PTB_BELOW_MIN, "ptb_below_min", IG_ACTION_DROP)   \
	X(IG_REASON_TRIM_FAILED, "trim_failed", IG_ACTION_PASS)      \
	X(IG_REASON_ECHO_TOO_LONG, "echo_too_long", IG_ACTION_PASS)   \
	X(IG_REASON_RL_SOURCE, "rl_source", IG_ACTION_RATE_LIMITED)   \
	X(IG_REASON_RL_TYPE, "rl_type", IG_ACTION_RATE_LIMITED)       \
	X(IG_REASON_RL_TOTAL, "rl_total", IG_ACTION_RATE_LIMITED)     \
	X(IG_REASON_RL_SOURCE_FLOOD, "rl_source_flood", IG_ACTION_RATE_LIMITED)

/* What an entry of the local-address map says about an address. */
#define IG_ADDR_KIND_LIST(X)                      \
	X(IG_ADDR_KIND_NONE, "none")              \
	X(IG_ADDR_KIND_UNICAST, "unicast")        \
	X(IG_ADDR_KIND_BROADCAST, "broadcast")    \
	X(IG_ADDR_KIND_ANYCAST, "anycast")

#define IG_X_ENUM(id, ...) id,

enum ig_family { IG_FAMILY_LIST(IG_X_ENUM) IG_FAMILY_COUNT };
enum ig_action { IG_ACTION_LIST(IG_X_ENUM) IG_ACTION_COUNT };
enum ig_reason { IG_REASON_LIST(IG_X_ENUM) IG_REASON_COUNT };
enum ig_addr_kind { IG_ADDR_KIND_LIST(IG_X_ENUM) IG_ADDR_KIND_COUNT };

/* Families that have ICMP counter rows (ipv4, ipv6). */
#define IG_ICMP_FAMILIES 2

/*
 * Bit r set <=> reason r implies XDP_PASS. Built from the list, so the
 * program turns a reason into its verdict with one shift.
 */
#define IG_X_PASS_BIT(id, label, action) | ((action) == IG_ACTION_PASS ? (1ULL << (id)) : 0ULL)
#define IG_REASON_PASS_MASK (0ULL IG_REASON_LIST(IG_X_PASS_BIT))

/* Bit r set <=> reason r is a rate limiter's refusal (rate_limited). */
#define IG_X_RL_BIT(id, label, action) | ((action) == IG_ACTION_RATE_LIMITED ? (1ULL << (id)) : 0ULL)
#define IG_REASON_RL_MASK (0ULL IG_REASON_LIST(IG_X_RL_BIT))

#endif /* ICMPGUARD_LISTS_H */
