/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What icmpguard_gen (bench/gen) and its two BPF programs share: the
 * generator's configuration (one ARRAY map entry, written by userspace after
 * load) and the counter slots of the generator and of the sink.
 * Bench-only: not part of the product ABI (include/icmpguard).
 */
#ifndef ICMPGUARD_BENCH_GEN_ABI_H
#define ICMPGUARD_BENCH_GEN_ABI_H

#include <linux/types.h>

/* Header bytes the generator rewrites on every run: Ethernet + IP + ICMP. */
#define GEN_HDR4_LEN 42 /* 14 + 20 + 8 */
#define GEN_HDR6_LEN 62 /* 14 + 40 + 8 */
#define GEN_HDR_WORDS 8  /* room for the longer one, in u64 words */

/* Offsets inside the frame (no VLAN tag, IPv4 without options). */
#define GEN_OFF4_CSUM 24 /* IPv4 header checksum */
#define GEN_OFF4_SRC 26
#define GEN_OFF6_SRC 22
#define GEN_OFF6_CSUM 56 /* ICMPv6 checksum: its pseudo-header covers the source */

struct gen_cfg {
	/* The template's first GEN_HDR4_LEN / GEN_HDR6_LEN bytes, as laid out
	 * in the frame. Kept in a map (not in .rodata) so that clang cannot
	 * constant-fold it (BENCH-NOTES §6: it folded a const volatile array
	 * read through a pointer cast to zeros). */
	__u64 hdr[GEN_HDR_WORDS];
	__u32 family;      /* 4 or 6 */
	__u32 random;      /* non-zero: a source per frame from rnd_net/rnd_mask */
	__u64 legit_every; /* random mode: frame index % legit_every == 0 keeps the template source */
	__u64 seed;
	/* The random prefix and its host bits, as the address's 32-bit words
	 * in network order (IPv4: word 0 only). */
	__u32 rnd_net[4];
	__u32 rnd_mask[4];
	/* RFC 1624 eqn. 3 with the old source folded in by userspace:
	 * ~HC + sum of ~m over the template source's 16-bit words, in the
	 * same (native) byte order in which the program loads the new ones.
	 * The program adds the new words, folds and complements. */
	__u32 csum_base;
	__u32 pad;
};

/* Generator counters (per-CPU array of u64). */
enum gen_counter {
	GEN_CTR_FRAMES = 0, /* runs of the program = frames handed to XDP_TX */
	GEN_CTR_LEGIT,      /* of which kept the fixed source (--legit-every) */
	GEN_CTR_SHORT,      /* frames too short for the header: XDP_ABORTED (a bug) */
	GEN_CTR_MAX,
};

/* Sink counters (per-CPU array of struct sink_val): ICMP by family, type and
 * whether the destination is the --legit address; then everything else. */
#define SINK_FAMILY_IPV4 0
#define SINK_FAMILY_IPV6 1
#define SINK_SLOT(family, type, legit) (((family) * 256 + (type)) * 2 + (legit))
#define SINK_SLOT_OTHER SINK_SLOT(2, 0, 0) /* non-ICMP, ARP, fragments, ... */
#define SINK_SLOTS (SINK_SLOT_OTHER + 1)

struct sink_val {
	__u64 packets;
	__u64 bytes;
};

#endif
