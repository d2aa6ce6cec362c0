/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Wire headers the program reads, and their constants. Ethernet, IPv4 and
 * IPv6 come from BPF-safe UAPI headers; VLAN and ICMP are defined here
 * because Debian's <linux/icmp.h> pulls in libc socket headers that break
 * -target bpf.
 */
#ifndef ICMPGUARD_BPF_HDR_H
#define ICMPGUARD_BPF_HDR_H

#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

/* 802.1Q / 802.1ad tag, after the MAC addresses. */
struct ig_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

/* First 8 bytes of every ICMPv4/ICMPv6 message; id/seq are echo fields. */
struct ig_icmp_hdr {
	__u8 type;
	__u8 code;
	__u16 checksum; /* as stored, see csum.h */
	__be16 id;
	__be16 seq;
};

/* IPv6 extension header start: next header, length. */
struct ig_ip6_ext_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
};

/* IPv6 fragment header (RFC 8200 §4.5). */
struct ig_ip6_frag_hdr {
	__u8 nexthdr;
	__u8 reserved;
	__be16 frag_off; /* offset << 3 | M */
	__be32 identification;
};

#define IG_ETH_P_8021Q 0x8100
#define IG_ETH_P_8021AD 0x88a8
#define IG_ETH_P_QINQ_9100 0x9100 /* legacy pre-standard QinQ */

#define IG_IP4_MF 0x2000
#define IG_IP4_OFFSET 0x1fff

#define IG_IP6_NH_HOPOPTS 0
#define IG_IP6_NH_ROUTING 43
#define IG_IP6_NH_FRAGMENT 44
#define IG_IP6_NH_AH 51
#define IG_IP6_NH_ICMP 58
#define IG_IP6_NH_DSTOPTS 60

#define IG_IP6_FRAG_OFFSET_MASK 0xfff8
#define IG_IP6_FRAG_MORE 0x0001

#define IG_IP6_MIN_MTU 1280

#endif /* ICMPGUARD_BPF_HDR_H */
