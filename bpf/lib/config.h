/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Load-time settings: fixed for the life of a loaded program, written by the
 * loader into .rodata between open and load. `volatile` keeps clang from
 * folding the defaults, so the verifier sees the frozen value and prunes
 * dead paths. Changing one means loading a new program (restart-class);
 * everything a SIGHUP may change lives in a map instead.
 */
#ifndef ICMPGUARD_BPF_CONFIG_H
#define ICMPGUARD_BPF_CONFIG_H

#include <linux/types.h>

/* Answer echo requests in XDP (1) or hand every one to the kernel (0). */
const volatile __u8 cfg_reply_enabled = 1;

/* TTL / hop limit of replies, never copied from the request (RFC 1122 §3.2.1.7). */
const volatile __u8 cfg_reply_ttl = 64;

/* Extension headers walked before giving up with eh_too_many (1..IG_MAX_EXT_HDRS). */
const volatile __u8 cfg_max_ext_hdrs = 8;

/* Compile-time ceilings the verifier needs as loop bounds. */
#define IG_MAX_VLAN_TAGS 2
#define IG_MAX_EXT_HDRS 8

#endif /* ICMPGUARD_BPF_CONFIG_H */
