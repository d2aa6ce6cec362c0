/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One's-complement checksum arithmetic (RFC 1071, RFC 1624).
 *
 * Plain C with no BPF helpers or builtins: the XDP program and the host unit
 * tests compile the same functions, so the exhaustive tests run on exactly
 * the code that ships.
 *
 * Byte order: every 16-bit value here is a word exactly as it sits in the
 * packet, loaded with a native load. One's-complement addition commutes with
 * byte swapping, so sums of such words fold to the checksum field as stored,
 * on either endianness, without any htons.
 */
#ifndef ICMPGUARD_BPF_CSUM_H
#define ICMPGUARD_BPF_CSUM_H

#include <linux/types.h>

#ifdef __bpf__
#define IG_CSUM_INLINE static __always_inline
#else
#define IG_CSUM_INLINE static inline
#endif

/* Fold a 64-bit accumulator of 16/32-bit words into 16 bits, end-around. */
IG_CSUM_INLINE __u16 ig_csum_fold(__u64 sum)
{
	sum = (sum & 0xffffffffULL) + (sum >> 32);
	sum = (sum & 0xffffffffULL) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (__u16)sum;
}

/*
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), the checksum after one 16-bit word
 * of the covered data changes from m to m'. Exact for every HC, including
 * the carry cases a plain "csum += 0x0008" gets wrong (0xF8FF..0xFFFF).
 * The result equals a full recomputation for every message that contains a
 * non-zero word besides the checksum.
 */
IG_CSUM_INLINE __u16 ig_csum_replace16(__u16 check, __u16 old_word, __u16 new_word)
{
	__u32 sum = (__u32)(__u16)~check + (__u16)~old_word + new_word;

	return (__u16)~ig_csum_fold(sum);
}

/* Sum of an IPv4 header of exactly 20 bytes (IHL 5), checksum field included. */
IG_CSUM_INLINE __u64 ig_csum_ip4_hdr20(const __u16 *w)
{
	return (__u64)w[0] + w[1] + w[2] + w[3] + w[4] + w[5] + w[6] + w[7] + w[8] + w[9];
}

/*
 * The 16-bit word in packet order whose first byte is b and second is zero:
 * how RFC 1071 pads an odd-length message.
 */
IG_CSUM_INLINE __u16 ig_csum_odd_byte(__u8 b)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return b;
#else
	return (__u16)(b << 8);
#endif
}

/*
 * A host-order 32-bit value as a native load of its network-order bytes
 * would see it; a 32-bit term folds the same as its two 16-bit words.
 */
IG_CSUM_INLINE __u64 ig_csum_be32(__u32 host_value)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return __builtin_bswap32(host_value);
#else
	return host_value;
#endif
}

#endif /* ICMPGUARD_BPF_CSUM_H */
