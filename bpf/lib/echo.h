/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The echo responder: decide whether an echo request the policy wants
 * answered may be answered in XDP, and if so turn it into the reply in place.
 *
 * Rule zero is parse-or-punt (RFC-NOTES §3): only a canonical request to one
 * of our unicast addresses from a plausible source is answered here. Anything
 * the kernel must handle itself (options, extension headers, fragments, a
 * non-zero code) is passed; anything nobody may answer (group destinations,
 * martian sources, bad checksums) is dropped. Returns IG_REASON_NONE when the
 * packet has become the reply.
 */
#ifndef ICMPGUARD_BPF_ECHO_H
#define ICMPGUARD_BPF_ECHO_H

#include "icmpguard/icmp_types.h"
#include "lib/addr.h"
#include "lib/classify.h"
#include "lib/config.h"
#include "lib/csum.h"
#include "lib/csum_pkt.h"
#include "lib/parse.h"

static __always_inline int ig_is_echo_request(const struct ig_pkt *pkt)
{
	if (pkt->family == IG_FAMILY_IPV4)
		return pkt->type == IG_ICMP4_ECHO_REQUEST;
	return pkt->type == IG_ICMP6_ECHO_REQUEST;
}

/* RFC 1122 §3.2.2.6, §3.2.1.3; RFC 1812 §4.3.3.6 (rules E3, E4, E7, E8). */
static __always_inline int ig_echo_check4(struct xdp_md *ctx, const struct ig_pkt *pkt)
{
	struct iphdr *iph;
	__be32 saddr, daddr;
	__u8 kind;

	if (pkt->fragment)
		return IG_REASON_FRAG_PASS;
	if (pkt->ext_hdrs)
		return IG_REASON_IP4_OPTS_PASS; /* the kernel reverses routes, fills RR/TS */
	iph = ig_ptr(ctx, pkt->l3_off, sizeof(*iph));
	if (!iph)
		return IG_REASON_IP4_SHORT;
	saddr = iph->saddr;
	daddr = iph->daddr;
	if (ig_ip4_is_group(daddr))
		return IG_REASON_ECHO_BCAST; /* smurf amplification */
	/* a unicast frame for another station (promiscuous mode, bridge port) */
	if (pkt->l2_other_host)
		return IG_REASON_L2_OTHER_HOST;
	if (ig_ip4_is_martian_src(saddr))
		return IG_REASON_SRC_MARTIAN;
	kind = ig_addr_kind(IG_FAMILY_IPV4, &daddr, 4);
	if (kind == IG_ADDR_KIND_BROADCAST)
		return IG_REASON_ECHO_BCAST;
	if (kind != IG_ADDR_KIND_UNICAST)
		return IG_REASON_DST_NOT_LOCAL;
	/* our own address or a local directed broadcast as source: a forgery */
	kind = ig_addr_kind(IG_FAMILY_IPV4, &saddr, 4);
	if (kind != IG_ADDR_KIND_NONE)
		return IG_REASON_SRC_MARTIAN;
	return IG_REASON_NONE;
}

/* RFC 4443 §4.2, RFC 4291 (rules E3, E4, E7, E8 for IPv6). */
static __always_inline int ig_echo_check6(struct xdp_md *ctx, const struct ig_pkt *pkt)
{
	struct ipv6hdr *ip6;
	struct in6_addr saddr, daddr;
	__u8 kind;

	if (pkt->fragment && pkt->more_frags)
		return IG_REASON_FRAG_PASS;
	if (pkt->ext_hdrs)
		return IG_REASON_IP6_EH_PASS; /* incl. atomic fragments: never reflect headers */
	ip6 = ig_ptr(ctx, pkt->l3_off, sizeof(*ip6));
	if (!ip6)
		return IG_REASON_IP6_SHORT;
	saddr = ip6->saddr;
	daddr = ip6->daddr;
	if (ig_ip6_is_multicast(&daddr))
		return IG_REASON_ECHO_MCAST; /* RFC 4443 allows it; XDP will not amplify */
	if (pkt->l2_other_host)
		return IG_REASON_L2_OTHER_HOST;
	if (ig_ip6_is_martian_src(&saddr))
		return IG_REASON_SRC_MARTIAN;
	kind = ig_addr_kind(IG_FAMILY_IPV6, &daddr, 16);
	if (kind == IG_ADDR_KIND_ANYCAST)
		return IG_REASON_ECHO_MCAST;
	if (kind != IG_ADDR_KIND_UNICAST)
		return IG_REASON_DST_NOT_LOCAL;
	kind = ig_addr_kind(IG_FAMILY_IPV6, &saddr, 16);
	if (kind != IG_ADDR_KIND_NONE)
		return IG_REASON_SRC_MARTIAN;
	return IG_REASON_NONE;
}

static __always_inline void ig_swap_macs(struct ethhdr *eth)
{
	__u8 tmp[ETH_ALEN];

	__builtin_memcpy(tmp, eth->h_source, ETH_ALEN);
	__builtin_memcpy(eth->h_source, eth->h_dest, ETH_ALEN);
	__builtin_memcpy(eth->h_dest, tmp, ETH_ALEN);
}

/*
 * Type 8 -> 0 or 128 -> 129 with the checksum updated per RFC 1624 eqn. 3.
 * Swapping the addresses needs no ICMP checksum update: for IPv6 it only
 * permutes words of the pseudo-header sum, and ICMPv4 has none.
 */
static __always_inline int ig_icmp_make_reply(struct xdp_md *ctx, const struct ig_pkt *pkt)
{
	struct ig_icmp_hdr *icmp = ig_ptr(ctx, pkt->l4_off, sizeof(*icmp));
	__u16 old_word, new_word, check;

	if (!icmp)
		return -1;
	old_word = *(__u16 *)icmp;
	icmp->type = pkt->family == IG_FAMILY_IPV4 ? IG_ICMP4_ECHO_REPLY : IG_ICMP6_ECHO_REPLY;
	new_word = *(__u16 *)icmp;
	check = ig_csum_replace16(icmp->checksum, old_word, new_word);
	/*
	 * Eqn. 3 cannot tell +0 from -0. It yields 0x0000 only for an ICMPv4
	 * request checksum of 0xf7ff, and then the reply is right unless every
	 * word after the checksum is zero (id 0, seq 0, no or zero data): the
	 * checksum of that all-zero reply is 0xffff. Rare, so summed only here.
	 */
	if (check == 0 && pkt->family == IG_FAMILY_IPV4 && ig_csum_to_end(ctx, pkt->l4_off + 4) == 0)
		check = 0xffff;
	icmp = ig_ptr(ctx, pkt->l4_off, sizeof(*icmp)); /* re-derived after the call */
	if (!icmp)
		return -1;
	icmp->checksum = check;
	return 0;
}

/*
 * Rewrite the (trimmed, verified) request into its reply: MACs and addresses
 * swapped, fresh TTL/hop limit, type flipped. VLAN tags, TOS, ID, flags,
 * traffic class, flow label, identifier, sequence and data stay as they are.
 */
static __always_inline int ig_build_reply(struct xdp_md *ctx, const struct ig_pkt *pkt)
{
	struct ethhdr *eth = ig_ptr(ctx, 0, sizeof(*eth));

	if (!eth)
		return -1;
	ig_swap_macs(eth);

	if (pkt->family == IG_FAMILY_IPV4) {
		struct iphdr *iph = ig_ptr(ctx, pkt->l3_off, sizeof(*iph));
		__be32 addr;

		if (!iph)
			return -1;
		addr = iph->saddr;
		iph->saddr = iph->daddr;
		iph->daddr = addr;
		iph->ttl = cfg_reply_ttl;
		iph->check = 0;
		iph->check = (__u16)~ig_csum_fold(ig_csum_ip4_hdr20((const __u16 *)iph));
	} else {
		struct ipv6hdr *ip6 = ig_ptr(ctx, pkt->l3_off, sizeof(*ip6));
		struct in6_addr addr;

		if (!ip6)
			return -1;
		addr = ip6->saddr;
		ip6->saddr = ip6->daddr;
		ip6->daddr = addr;
		ip6->hop_limit = cfg_reply_ttl;
	}
	return ig_icmp_make_reply(ctx, pkt);
}

/*
 * Would this echo request be answered in XDP, addresses and form permitting?
 * IG_REASON_NONE if so, else the reason. Reads only; the rate limiter runs
 * next, then ig_echo_intact().
 */
static __always_inline int ig_echo_answerable(struct xdp_md *ctx, const struct ig_pkt *pkt)
{
	int reason;

	if (!cfg_reply_enabled)
		return IG_REASON_ECHO_DISABLED;
	if (pkt->family == IG_FAMILY_IPV4)
		reason = ig_echo_check4(ctx, pkt);
	else
		reason = ig_echo_check6(ctx, pkt);
	if (reason)
		return reason;
	if (pkt->code != 0)
		return IG_REASON_ECHO_CODE_NZ; /* the kernel answers, keeping the code */
	if (pkt->ip_end - pkt->l4_off > IG_CSUM_MAX_BYTES)
		return IG_REASON_ECHO_TOO_LONG; /* a jumbo echo in generic mode: the kernel answers */
	return IG_REASON_NONE;
}

/*
 * Is the request intact? The costliest check, so it runs after the limiter:
 * a flood over its limit is refused before its payload is summed. On
 * success link padding has been trimmed and the checksum verified.
 */
static __always_inline int ig_echo_intact(struct xdp_md *ctx, struct ig_pkt *pkt)
{
	/* E6: the IP length wins; link padding is cut before it can be summed or echoed */
	if (pkt->ip_end < pkt->frame_len) {
		if (bpf_xdp_adjust_tail(ctx, (int)pkt->ip_end - (int)pkt->frame_len))
			return IG_REASON_TRIM_FAILED;
	}
	if (!ig_icmp_csum_ok(ctx, pkt))
		return IG_REASON_ICMP_BAD_CSUM;
	return IG_REASON_NONE;
}

#endif /* ICMPGUARD_BPF_ECHO_H */
