/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Bounds-checked parsers: Ethernet with up to two VLAN tags, IPv4 with full
 * header validation, IPv6 with a bounded extension-header walk, and the
 * first bytes of ICMP.
 *
 * Contract: every parser returns IG_REASON_NONE to go on, or the reason that
 * decides the packet. Positions are kept as offsets from ctx->data, never as
 * pointers, so they stay valid across bpf_xdp_adjust_tail(); ig_ptr()
 * re-derives a checked pointer for each access.
 *
 * Deliberately not checked here: L2 address rules, addresses and ICMP
 * semantics (classify.h, echo.h), IPv4 options content (never walked: the
 * kernel validates them), ND options (left to the kernel).
 */
#ifndef ICMPGUARD_BPF_PARSE_H
#define ICMPGUARD_BPF_PARSE_H

#include <linux/bpf.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "icmpguard/abi.h"
#include "lib/config.h"
#include "lib/csum.h"
#include "lib/hdr.h"

/* Offsets beyond this are refused; XDP frames without frags fit in a page. */
#define IG_MAX_OFF 0x3fff

/* What the parsers learnt about a packet. */
struct ig_pkt {
	__u32 frame_len; /* bytes as received, padding and tags included */
	__u16 l3_off; /* IP header */
	__u16 l4_off; /* ICMP header */
	__u16 ip_end; /* end of the IP datagram: where link padding starts */
	__u8 family; /* ig_family; IG_FAMILY_L2 until an IP header is recognised */
	__u8 type_known; /* type/code valid: counted per (family, type, action) */
	__u8 type;
	__u8 code;
	__u8 hop_limit; /* IPv4 TTL or IPv6 hop limit as received */
	__u8 fragment; /* IPv4 MF set, or IPv6 Fragment header present */
	__u8 more_frags; /* IPv4 MF / IPv6 M flag of any Fragment header */
	__u8 ext_hdrs; /* IPv4: IHL > 5; IPv6: extension headers walked */
	__u8 policy_side; /* policy_state read once per packet ... */
	__u8 shadow; /* ... and its shadow flag */
	__u8 l2_other_host; /* unicast dst MAC that is not this interface's (ig_check_l2) */
	__u8 rule_flags; /* IG_RULE_F_* of the policy rule that matched */
	__u8 rl_done; /* the rate limiter has seen this packet */
};

/* A pointer to size readable bytes at off, or NULL. size must be a constant. */
static __always_inline void *ig_ptr(struct xdp_md *ctx, __u32 off, __u32 size)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	void *p;

	if (off > IG_MAX_OFF)
		return NULL;
	p = data + off;
	/* opaque to clang, so the bounds check and every use share one register
	 * and the verifier sees the checked pointer (not a rematerialised one) */
	asm volatile("" : "+r"(p));
	if (p + size > data_end)
		return NULL;
	return p;
}

static __always_inline int ig_is_vlan_proto(__u16 proto)
{
	return proto == bpf_htons(IG_ETH_P_8021Q) || proto == bpf_htons(IG_ETH_P_8021AD) ||
	       proto == bpf_htons(IG_ETH_P_QINQ_9100);
}

/*
 * Ethernet and up to IG_MAX_VLAN_TAGS tags. On success *proto is the inner
 * EtherType (network order) and pkt->l3_off where its header starts. Bounds
 * are re-checked after every tag.
 */
static __always_inline int ig_parse_eth(struct xdp_md *ctx, struct ig_pkt *pkt, __u16 *proto)
{
	struct ethhdr *eth = ig_ptr(ctx, 0, sizeof(*eth));
	__u32 off = sizeof(struct ethhdr);
	__u16 p;

	if (!eth)
		return IG_REASON_L2_TRUNC;
	p = eth->h_proto;

#pragma unroll
	for (int i = 0; i < IG_MAX_VLAN_TAGS; i++) {
		struct ig_vlan_hdr *vlan;

		if (!ig_is_vlan_proto(p))
			break;
		vlan = ig_ptr(ctx, off, sizeof(*vlan));
		if (!vlan)
			return IG_REASON_L2_TRUNC;
		p = vlan->encap_proto;
		off += sizeof(*vlan);
	}
	if (ig_is_vlan_proto(p))
		return IG_REASON_VLAN_TOO_DEEP;

	pkt->l3_off = off;
	*proto = p;
	return IG_REASON_NONE;
}

/*
 * IPv4 header checksum over ihl 32-bit words (the checksum field included):
 * valid iff the folded sum is 0xffff. The caller has checked ihl*4 bytes are
 * present; the loop re-checks each word because the verifier cannot relate
 * the loop index to ihl.
 */
static __always_inline int ig_ip4_hdr_csum_ok(struct xdp_md *ctx, __u32 off, __u32 ihl)
{
	__u64 sum = 0;

	if (ihl == 5) { /* the common case, without a loop */
		__u16 *w = ig_ptr(ctx, off, 20);

		return w && ig_csum_fold(ig_csum_ip4_hdr20(w)) == 0xffff;
	}

	for (__u32 i = 0; i < 15; i++) {
		__u32 *w;

		if (i >= ihl)
			break;
		w = ig_ptr(ctx, off + i * 4, 4);
		if (!w)
			return 0;
		sum += *w;
	}
	return ig_csum_fold(sum) == 0xffff;
}

/* The ICMP type and code at pkt->l4_off, once the message is known >= 8 bytes. */
static __always_inline int ig_parse_icmp(struct xdp_md *ctx, struct ig_pkt *pkt)
{
	struct ig_icmp_hdr *icmp = ig_ptr(ctx, pkt->l4_off, sizeof(*icmp));

	if (!icmp)
		return IG_REASON_ICMP_SHORT;
	pkt->type = icmp->type;
	pkt->code = icmp->code;
	pkt->type_known = 1;
	return IG_REASON_NONE;
}

/*
 * IPv4, in the order of RFC 1812 §5.2.2: length, version, then (only for
 * ICMP, so other traffic leaves after one branch) IHL, header in the frame,
 * checksum, total length. A non-first fragment is never parsed as ICMP: its
 * first bytes are attacker-chosen payload.
 */
static __always_inline int ig_parse_ip4(struct xdp_md *ctx, struct ig_pkt *pkt)
{
	struct iphdr *iph = ig_ptr(ctx, pkt->l3_off, sizeof(*iph));
	__u32 ihl, tot_len, frag;

	if (!iph)
		return IG_REASON_IP4_SHORT;
	if (iph->version != 4)
		return IG_REASON_IP4_BAD_VER;
	pkt->family = IG_FAMILY_IPV4;
	if (iph->protocol != IPPROTO_ICMP)
		return IG_REASON_NOT_ICMP;

	ihl = iph->ihl;
	if (ihl < 5)
		return IG_REASON_IP4_BAD_IHL;
	if (pkt->l3_off + ihl * 4 > pkt->frame_len)
		return IG_REASON_IP4_TRUNC_HDR;
	if (!ig_ip4_hdr_csum_ok(ctx, pkt->l3_off, ihl))
		return IG_REASON_IP4_BAD_CSUM;

	/* re-derived: the verifier forgets iph across the checksum loop */
	iph = ig_ptr(ctx, pkt->l3_off, sizeof(*iph));
	if (!iph)
		return IG_REASON_IP4_SHORT;
	tot_len = bpf_ntohs(iph->tot_len);
	if (tot_len < ihl * 4)
		return IG_REASON_IP4_BAD_LEN;
	if (pkt->l3_off + tot_len > pkt->frame_len)
		return IG_REASON_IP4_TRUNC;

	pkt->hop_limit = iph->ttl;
	pkt->ext_hdrs = ihl > 5;
	pkt->ip_end = pkt->l3_off + tot_len;
	pkt->l4_off = pkt->l3_off + ihl * 4;

	frag = bpf_ntohs(iph->frag_off);
	if (frag & IG_IP4_OFFSET)
		return IG_REASON_FRAG_PASS;
	if (frag & IG_IP4_MF) {
		pkt->fragment = 1;
		pkt->more_frags = 1;
	}
	if (tot_len - ihl * 4 < sizeof(struct ig_icmp_hdr))
		return IG_REASON_ICMP_SHORT;
	return ig_parse_icmp(ctx, pkt);
}

/* Nothing more in the IPv6 payload to read: truncated chain, or a first
 * fragment that does not carry the whole chain (RFC 7112). An atomic
 * fragment (offset 0, M = 0) is the whole packet (RFC 6946): its chain is
 * simply cut. */
static __always_inline int ig_ip6_chain_cut(const struct ig_pkt *pkt)
{
	return pkt->more_frags ? IG_REASON_FRAG_CHAIN_INCOMPLETE : IG_REASON_EH_TRUNC;
}

/* The headers the walk steps over; anything else is the upper layer. */
static __always_inline int ig_ip6_is_ext_hdr(__u8 nexthdr)
{
	return nexthdr == IG_IP6_NH_HOPOPTS || nexthdr == IG_IP6_NH_ROUTING ||
	       nexthdr == IG_IP6_NH_FRAGMENT || nexthdr == IG_IP6_NH_AH ||
	       nexthdr == IG_IP6_NH_DSTOPTS;
}

/*
 * One step of the extension-header walk at *off. Updates *nexthdr and *off,
 * or returns the reason that ends the walk. end is the IPv6 payload end.
 */
static __always_inline int ig_ip6_ext_step(struct xdp_md *ctx, struct ig_pkt *pkt, __u8 *nexthdr,
					   __u32 *off, __u32 end, int index)
{
	__u32 len;

	switch (*nexthdr) {
	case IG_IP6_NH_HOPOPTS:
		/* RFC 8200 §4.1: Hop-by-Hop only directly after the IPv6 header */
		if (index != 0)
			return IG_REASON_EH_HBH_NOT_FIRST;
		/* fallthrough */
	case IG_IP6_NH_ROUTING:
	case IG_IP6_NH_DSTOPTS:
	case IG_IP6_NH_AH: {
		struct ig_ip6_ext_hdr *eh;

		if (*off + sizeof(*eh) > end)
			return ig_ip6_chain_cut(pkt);
		eh = ig_ptr(ctx, *off, sizeof(*eh));
		if (!eh)
			return ig_ip6_chain_cut(pkt);
		/* AH counts 4-byte units minus 2 (RFC 4302 §2.2); the rest 8-byte units minus 1 */
		if (*nexthdr == IG_IP6_NH_AH)
			len = ((__u32)eh->hdrlen + 2) * 4;
		else
			len = ((__u32)eh->hdrlen + 1) * 8;
		*nexthdr = eh->nexthdr;
		break;
	}
	case IG_IP6_NH_FRAGMENT: {
		struct ig_ip6_frag_hdr *fh;
		__u16 frag;

		if (*off + sizeof(*fh) > end)
			return ig_ip6_chain_cut(pkt);
		fh = ig_ptr(ctx, *off, sizeof(*fh));
		if (!fh)
			return ig_ip6_chain_cut(pkt);
		frag = bpf_ntohs(fh->frag_off);
		if (frag & IG_IP6_FRAG_OFFSET_MASK)
			return IG_REASON_FRAG_PASS; /* non-first: never parsed as ICMPv6 */
		pkt->fragment = 1;
		/* any M = 1 makes this a piece of a larger packet, whatever a
		 * later (bogus) Fragment header says */
		if (frag & IG_IP6_FRAG_MORE)
			pkt->more_frags = 1;
		len = sizeof(*fh);
		*nexthdr = fh->nexthdr;
		break;
	}
	default:
		/* ESP, No Next Header, TCP, UDP, ...: not ICMPv6 (or not readable) */
		return IG_REASON_NOT_ICMP;
	}
	*off += len;
	if (*off > end)
		return ig_ip6_chain_cut(pkt);
	pkt->ext_hdrs++;
	return IG_REASON_NONE;
}

/*
 * IPv6: header, payload length against the frame, then a walk of at most
 * cfg_max_ext_hdrs extension headers to the ICMPv6 header.
 */
static __always_inline int ig_parse_ip6(struct xdp_md *ctx, struct ig_pkt *pkt)
{
	struct ipv6hdr *ip6 = ig_ptr(ctx, pkt->l3_off, sizeof(*ip6));
	__u32 plen, off, end;
	__u8 nexthdr;
	int reason;

	if (!ip6)
		return IG_REASON_IP6_SHORT;
	if (ip6->version != 6)
		return IG_REASON_IP6_BAD_VER;
	pkt->family = IG_FAMILY_IPV6;
	nexthdr = ip6->nexthdr;
	/* the common transports leave before any more work */
	if (nexthdr == IPPROTO_TCP || nexthdr == IPPROTO_UDP)
		return IG_REASON_NOT_ICMP;

	plen = bpf_ntohs(ip6->payload_len);
	if (plen == 0)
		return IG_REASON_IP6_JUMBO; /* jumbogram or bogus: the kernel decides */
	if (pkt->l3_off + sizeof(*ip6) + plen > pkt->frame_len)
		return IG_REASON_IP6_TRUNC;
	pkt->hop_limit = ip6->hop_limit;
	off = pkt->l3_off + sizeof(*ip6);
	end = off + plen;
	pkt->ip_end = end;

	for (int i = 0; i < IG_MAX_EXT_HDRS; i++) {
		if (nexthdr == IG_IP6_NH_ICMP || i >= cfg_max_ext_hdrs)
			break;
		reason = ig_ip6_ext_step(ctx, pkt, &nexthdr, &off, end, i);
		if (reason)
			return reason;
	}
	/* Only a chain longer than the limit is refused: UDP after the last
	 * allowed header is someone's traffic, not ours to drop. */
	if (nexthdr != IG_IP6_NH_ICMP)
		return ig_ip6_is_ext_hdr(nexthdr) ? IG_REASON_EH_TOO_MANY : IG_REASON_NOT_ICMP;

	pkt->l4_off = off;
	if (end - off < sizeof(struct ig_icmp_hdr))
		return pkt->more_frags ? IG_REASON_FRAG_CHAIN_INCOMPLETE : IG_REASON_ICMP_SHORT;
	return ig_parse_icmp(ctx, pkt);
}

/* The whole frame down to the ICMP type and code. */
static __always_inline int ig_parse(struct xdp_md *ctx, struct ig_pkt *pkt)
{
	__u16 proto;
	int reason;

	pkt->family = IG_FAMILY_L2;
	reason = ig_parse_eth(ctx, pkt, &proto);
	if (reason)
		return reason;
	if (proto == bpf_htons(ETH_P_IP))
		return ig_parse_ip4(ctx, pkt);
	if (proto == bpf_htons(ETH_P_IPV6))
		return ig_parse_ip6(ctx, pkt);
	return IG_REASON_L2_NOT_IP;
}

#endif /* ICMPGUARD_BPF_PARSE_H */
