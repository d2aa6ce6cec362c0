/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Checks that apply to every ICMP packet once it is parsed, before policy:
 * link-layer address sanity and the RFC 4890 receive-side conditions for
 * ICMPv6. Each returns IG_REASON_NONE or the reason that drops the packet;
 * none of them can be relaxed by policy, because a packet that fails one is
 * invalid on the wire (RFC 4861, RFC 6980, RFC 8201), not merely unwanted.
 */
#ifndef ICMPGUARD_BPF_CLASSIFY_H
#define ICMPGUARD_BPF_CLASSIFY_H

#include "icmpguard/icmp_types.h"
#include "lib/addr.h"
#include "lib/parse.h"

static __always_inline int ig_mac_is_group(const __u8 *mac)
{
	return mac[0] & 1;
}

static __always_inline int ig_mac_equal(const __u8 *a, const __u8 *b)
{
	return ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]) | (a[4] ^ b[4]) |
		(a[5] ^ b[5])) == 0;
}

/* The iface entry when its MAC is known, else NULL. */
static __always_inline struct ig_iface *ig_iface_known(void)
{
	__u32 zero = 0;
	struct ig_iface *ifc = bpf_map_lookup_elem(&iface, &zero);

	return ifc && ifc->mac_known ? ifc : NULL;
}

/*
 * Is the IP destination a group address (multicast or broadcast) that a
 * link-layer broadcast may legitimately carry? Directed broadcasts are only
 * known from the local-address map, so it is consulted for the rare frame
 * that arrives with a group MAC and an otherwise unicast-looking address.
 */
static __always_inline int ig_ip_dst_is_group(struct xdp_md *ctx, const struct ig_pkt *pkt)
{
	if (pkt->family == IG_FAMILY_IPV4) {
		struct iphdr *iph = ig_ptr(ctx, pkt->l3_off, sizeof(*iph));

		if (!iph)
			return 0;
		if (ig_ip4_is_group(iph->daddr))
			return 1;
		return ig_addr_kind(IG_FAMILY_IPV4, &iph->daddr, 4) == IG_ADDR_KIND_BROADCAST;
	} else {
		struct ipv6hdr *ip6 = ig_ptr(ctx, pkt->l3_off, sizeof(*ip6));

		return ip6 && ig_ip6_is_multicast(&ip6->daddr);
	}
}

/*
 * Link layer: a group source MAC, or our own MAC as source, is never valid
 * (a loop or a forgery); a group destination MAC with a unicast IP
 * destination is discarded (RFC 1122 §3.3.6). Also notes in pkt whether a
 * unicast destination MAC belongs to another station, which only the echo
 * path acts on, so the iface map and the Ethernet header are read once.
 */
static __always_inline int ig_check_l2(struct xdp_md *ctx, struct ig_pkt *pkt)
{
	struct ethhdr *eth = ig_ptr(ctx, 0, sizeof(*eth));
	struct ig_iface *ifc;

	if (!eth)
		return IG_REASON_L2_TRUNC;
	if (ig_mac_is_group(eth->h_source))
		return IG_REASON_L2_BAD_SRC;
	ifc = ig_iface_known();
	if (ifc && ig_mac_equal(eth->h_source, ifc->mac))
		return IG_REASON_L2_BAD_SRC;
	if (ig_mac_is_group(eth->h_dest)) {
		if (!ig_ip_dst_is_group(ctx, pkt))
			return IG_REASON_L2_BCAST_UCAST_IP;
	} else if (ifc && !ig_mac_equal(eth->h_dest, ifc->mac)) {
		pkt->l2_other_host = 1;
	}
	return IG_REASON_NONE;
}

/*
 * RFC 4890 §4.3.3 / RFC 4861 / RFC 6980 / RFC 8201 receive-side conditions.
 * Only cheap header facts are checked: hop limit, code, source scope,
 * presence of a Fragment header, the PTB MTU. ND options stay with the
 * kernel.
 */
static __always_inline int ig_check_icmp6(struct xdp_md *ctx, const struct ig_pkt *pkt)
{
	struct ipv6hdr *ip6 = ig_ptr(ctx, pkt->l3_off, sizeof(*ip6));
	__u8 type = pkt->type;

	if (!ip6)
		return IG_REASON_IP6_SHORT;
	if (ig_ip6_is_unspecified(&ip6->daddr))
		return IG_REASON_DST6_UNSPEC;

	switch (type) {
	case IG_ICMP6_ND_ROUTER_SOLICIT:
	case IG_ICMP6_ND_NEIGHBOR_SOLICIT:
	case IG_ICMP6_ND_NEIGHBOR_ADVERT:
	case IG_ICMP6_ND_ROUTER_ADVERT:
	case IG_ICMP6_ND_REDIRECT:
		/* RFC 4861 §6.1, §7.1, §8.1: hop limit 255 proves on-link; code 0 */
		if (pkt->hop_limit != 255 || pkt->code != 0 || pkt->fragment)
			return IG_REASON_ND_INVALID;
		/* RA and Redirect come from a router's link-local address */
		if ((type == IG_ICMP6_ND_ROUTER_ADVERT || type == IG_ICMP6_ND_REDIRECT) &&
		    !ig_ip6_is_link_local(&ip6->saddr))
			return IG_REASON_ND_INVALID;
		return IG_REASON_NONE;
	case IG_ICMP6_IND_NEIGHBOR_SOLICIT:
	case IG_ICMP6_IND_NEIGHBOR_ADVERT:
	case IG_ICMP6_SEND_CPS:
	case IG_ICMP6_SEND_CPA:
		if (pkt->hop_limit != 255 || pkt->fragment)
			return IG_REASON_ND_INVALID;
		return IG_REASON_NONE;
	case IG_ICMP6_MLD_QUERY:
		return ig_ip6_is_link_local(&ip6->saddr) ? IG_REASON_NONE : IG_REASON_MLD_INVALID;
	case IG_ICMP6_MLD_REPORT:
	case IG_ICMP6_MLD_DONE:
	case IG_ICMP6_MLD2_REPORT:
		/* RFC 3590: a node without a link-local address yet reports from :: */
		if (ig_ip6_is_link_local(&ip6->saddr) || ig_ip6_is_unspecified(&ip6->saddr))
			return IG_REASON_NONE;
		return IG_REASON_MLD_INVALID;
	case IG_ICMP6_MRD_ADVERT:
	case IG_ICMP6_MRD_SOLICIT:
	case IG_ICMP6_MRD_TERMINATE:
		/* RFC 4286: link-local source and hop limit 1 */
		if (ig_ip6_is_link_local(&ip6->saddr) && pkt->hop_limit == 1)
			return IG_REASON_NONE;
		return IG_REASON_MRD_INVALID;
	case IG_ICMP6_PACKET_TOO_BIG: {
		/* RFC 8201 §4: a PTB below the IPv6 minimum MTU must be discarded */
		__be32 *mtu = ig_ptr(ctx, pkt->l4_off + 4, sizeof(*mtu));

		if (!mtu)
			return IG_REASON_ICMP_SHORT;
		return bpf_ntohl(*mtu) < IG_IP6_MIN_MTU ? IG_REASON_PTB_BELOW_MIN : IG_REASON_NONE;
	}
	default:
		return IG_REASON_NONE;
	}
}

#endif /* ICMPGUARD_BPF_CLASSIFY_H */
