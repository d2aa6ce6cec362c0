/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * ICMPv4 and ICMPv6 type numbers with their nftables names
 * (`nft describe icmp type`, `nft describe icmpv6 type`, nftables 1.0.x).
 * X(id, number, "name"). A type missing here has no nft name and is printed
 * as its number. The first name of a number is the one printed; later
 * entries with the same number are input aliases.
 */
#ifndef ICMPGUARD_ICMP_TYPES_H
#define ICMPGUARD_ICMP_TYPES_H

#define IG_ICMP4_TYPE_LIST(X)                                            \
	X(IG_ICMP4_ECHO_REPLY, 0, "echo-reply")                          \
	X(IG_ICMP4_DEST_UNREACH, 3, "destination-unreachable")           \
	X(IG_ICMP4_SOURCE_QUENCH, 4, "source-quench")                    \
	X(IG_ICMP4_REDIRECT, 5, "redirect")                              \
	X(IG_ICMP4_ECHO_REQUEST, 8, "echo-request")                      \
	X(IG_ICMP4_ROUTER_ADVERT, 9, "router-advertisement")             \
	X(IG_ICMP4_ROUTER_SOLICIT, 10, "router-solicitation")            \
	X(IG_ICMP4_TIME_EXCEEDED, 11, "time-exceeded")                   \
	X(IG_ICMP4_PARAM_PROBLEM, 12, "parameter-problem")               \
	X(IG_ICMP4_TIMESTAMP_REQUEST, 13, "timestamp-request")           \
	X(IG_ICMP4_TIMESTAMP_REPLY, 14, "timestamp-reply")               \
	X(IG_ICMP4_INFO_REQUEST, 15, "info-request")                     \
	X(IG_ICMP4_INFO_REPLY, 16, "info-reply")                         \
	X(IG_ICMP4_ADDRESS_MASK_REQUEST, 17, "address-mask-request")     \
	X(IG_ICMP4_ADDRESS_MASK_REPLY, 18, "address-mask-reply")

#define IG_ICMP6_TYPE_LIST(X)                                            \
	X(IG_ICMP6_DEST_UNREACH, 1, "destination-unreachable")           \
	X(IG_ICMP6_PACKET_TOO_BIG, 2, "packet-too-big")                  \
	X(IG_ICMP6_TIME_EXCEEDED, 3, "time-exceeded")                    \
	X(IG_ICMP6_PARAM_PROBLEM, 4, "parameter-problem")                \
	X(IG_ICMP6_ECHO_REQUEST, 128, "echo-request")                    \
	X(IG_ICMP6_ECHO_REPLY, 129, "echo-reply")                        \
	X(IG_ICMP6_MLD_QUERY, 130, "mld-listener-query")                 \
	X(IG_ICMP6_MLD_REPORT, 131, "mld-listener-report")               \
	X(IG_ICMP6_MLD_DONE, 132, "mld-listener-done")                   \
	X(IG_ICMP6_MLD_REDUCTION, 132, "mld-listener-reduction")         \
	X(IG_ICMP6_ND_ROUTER_SOLICIT, 133, "nd-router-solicit")          \
	X(IG_ICMP6_ND_ROUTER_ADVERT, 134, "nd-router-advert")            \
	X(IG_ICMP6_ND_NEIGHBOR_SOLICIT, 135, "nd-neighbor-solicit")      \
	X(IG_ICMP6_ND_NEIGHBOR_ADVERT, 136, "nd-neighbor-advert")        \
	X(IG_ICMP6_ND_REDIRECT, 137, "nd-redirect")                      \
	X(IG_ICMP6_ROUTER_RENUMBERING, 138, "router-renumbering")        \
	X(IG_ICMP6_IND_NEIGHBOR_SOLICIT, 141, "ind-neighbor-solicit")    \
	X(IG_ICMP6_IND_NEIGHBOR_ADVERT, 142, "ind-neighbor-advert")      \
	X(IG_ICMP6_MLD2_REPORT, 143, "mld2-listener-report")

/*
 * Code names (`nft describe icmp code`, `icmpv6 code`): X(type, code, "name").
 * Used in "TYPE/CODE" policy keys and printed the same way.
 */
#define IG_ICMP4_CODE_LIST(X)                 \
	X(3, 0, "net-unreachable")            \
	X(3, 1, "host-unreachable")           \
	X(3, 2, "prot-unreachable")           \
	X(3, 3, "port-unreachable")           \
	X(3, 4, "frag-needed")                \
	X(3, 9, "net-prohibited")             \
	X(3, 10, "host-prohibited")           \
	X(3, 13, "admin-prohibited")

#define IG_ICMP6_CODE_LIST(X)                 \
	X(1, 0, "no-route")                   \
	X(1, 1, "admin-prohibited")           \
	X(1, 3, "addr-unreachable")           \
	X(1, 4, "port-unreachable")           \
	X(1, 5, "policy-fail")                \
	X(1, 6, "reject-route")

/* Types without an nft name that the program treats specially. */
#define IG_ICMP6_SEND_CPS 148 /* SEND Certification Path Solicitation, RFC 3971 */
#define IG_ICMP6_SEND_CPA 149 /* SEND Certification Path Advertisement */
#define IG_ICMP6_MRD_ADVERT 151 /* Multicast Router Discovery, RFC 4286 */
#define IG_ICMP6_MRD_SOLICIT 152
#define IG_ICMP6_MRD_TERMINATE 153

#define IG_X_TYPE_ENUM(id, number, name) id = number,
enum ig_icmp4_type { IG_ICMP4_TYPE_LIST(IG_X_TYPE_ENUM) };
enum ig_icmp6_type { IG_ICMP6_TYPE_LIST(IG_X_TYPE_ENUM) };

#endif /* ICMPGUARD_ICMP_TYPES_H */
