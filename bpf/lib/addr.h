/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Address classification: what an IPv4/IPv6 address is (martian, group,
 * link-local) by its bits, and what it is to this host by the local_addrs
 * map. Addresses are passed in network byte order, as read from the packet.
 */
#ifndef ICMPGUARD_BPF_ADDR_H
#define ICMPGUARD_BPF_ADDR_H

#include <linux/in6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "icmpguard/abi.h"
#include "lib/maps.h"

/*
 * What an address is to this host: IG_ADDR_KIND_* or IG_ADDR_KIND_NONE.
 * Reads the direct-mapped addr_slots (an inlined array lookup and a 16-byte
 * compare); only a slot shared by two local addresses sends it to the
 * local_addrs hash. The key is built with its padding zeroed, exactly as
 * AddressWriter builds it, so both sides hash the same bytes.
 */
static __always_inline __u8 ig_addr_kind(__u8 family, const void *addr, __u32 len)
{
	struct ig_addr_key key;
	struct ig_addr_slot *slot;
	struct ig_addr_info *info;
	__u32 idx;

	__builtin_memset(&key, 0, sizeof(key));
	key.family = family;
	if (len == 4)
		__builtin_memcpy(key.addr, addr, 4);
	else
		__builtin_memcpy(key.addr, addr, 16);

	idx = ig_addr_slot_index(&key);
	slot = bpf_map_lookup_elem(&addr_slots, &idx);
	if (!slot)
		return IG_ADDR_KIND_NONE;
	if (slot->kind == IG_ADDR_SLOT_COLLISION) {
		info = bpf_map_lookup_elem(&local_addrs, &key);
		return info ? info->kind : IG_ADDR_KIND_NONE;
	}
	{
		const __u32 *a = (const __u32 *)key.addr, *b = (const __u32 *)slot->addr;

		if (slot->family != family || ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3])))
			return IG_ADDR_KIND_NONE;
	}
	return slot->kind;
}

/* 224.0.0.0/4 multicast or 255.255.255.255 limited broadcast. */
static __always_inline int ig_ip4_is_group(__be32 a)
{
	__u32 h = bpf_ntohl(a);

	return (h >> 28) == 0xe || h == 0xffffffff;
}

/*
 * RFC 1122 §3.2.1.3, RFC 1812 §5.3.7: never valid as a source from the wire.
 * 0/8 "this network", 127/8 loopback, 224/4 multicast, 240/4 reserved
 * (which holds 255.255.255.255).
 */
static __always_inline int ig_ip4_is_martian_src(__be32 a)
{
	__u32 h = bpf_ntohl(a);
	__u32 top = h >> 24;

	return top == 0 || top == 127 || (h >> 28) >= 0xe;
}

static __always_inline int ig_ip6_is_multicast(const struct in6_addr *a)
{
	return a->in6_u.u6_addr8[0] == 0xff;
}

static __always_inline int ig_ip6_is_unspecified(const struct in6_addr *a)
{
	return (a->in6_u.u6_addr32[0] | a->in6_u.u6_addr32[1] | a->in6_u.u6_addr32[2] |
		a->in6_u.u6_addr32[3]) == 0;
}

/* fe80::/10 */
static __always_inline int ig_ip6_is_link_local(const struct in6_addr *a)
{
	return a->in6_u.u6_addr8[0] == 0xfe && (a->in6_u.u6_addr8[1] & 0xc0) == 0x80;
}

/*
 * RFC 4291 §2.5.2, §2.5.3, §2.5.5.2, §2.7: ::, ::1, ff00::/8 and
 * IPv4-mapped ::ffff:0:0/96 never source a packet on the wire.
 */
static __always_inline int ig_ip6_is_martian_src(const struct in6_addr *a)
{
	__u32 w0 = a->in6_u.u6_addr32[0], w1 = a->in6_u.u6_addr32[1];
	__u32 w2 = a->in6_u.u6_addr32[2], w3 = a->in6_u.u6_addr32[3];

	if (ig_ip6_is_multicast(a))
		return 1;
	if ((w0 | w1) != 0)
		return 0;
	if (w2 == 0 && (w3 == 0 || w3 == bpf_htonl(1)))
		return 1; /* :: and ::1 */
	return w2 == bpf_htonl(0xffff); /* ::ffff:a.b.c.d */
}

#endif /* ICMPGUARD_BPF_ADDR_H */
