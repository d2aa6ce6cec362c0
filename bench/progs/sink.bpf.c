/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The bench's receiving end (`icmpguard_gen sink attach`), attached natively
 * with a bpf_link. Two programs, one of which is loaded:
 *
 *   sink_count  per-CPU packets and bytes by (family, ICMP type, destination
 *               is the --legit address or not), plus one slot for everything
 *               else, then XDP_DROP. On the generator's veth it counts the
 *               DUT's replies, and its mere presence gives that veth the NAPI
 *               without which XDP_TX frames from the peer are not delivered.
 *   sink_drop   `return XDP_DROP` and nothing else: scenario C0, the empty
 *               drop program whose rate is the ceiling of generator + veth.
 *               It counts nothing on purpose (a counter would make it
 *               non-empty); read its rate from the generator and ethtool -S.
 *
 * Bench-only: never shipped.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "gen_abi.h"

/* Set by userspace before load. Scalars only: read as plain loads, never
 * through a pointer cast (BENCH-NOTES §6, constant folding). */
const volatile __u32 legit4_set = 0;
const volatile __u32 legit4 = 0; /* network order */
const volatile __u32 legit6_set = 0;
const volatile __u64 legit6_hi = 0; /* the address's two halves, as loaded from a packet */
const volatile __u64 legit6_lo = 0;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SINK_SLOTS);
	__type(key, __u32);
	__type(value, struct sink_val);
} sink_counters SEC(".maps");

static __always_inline __u32 classify(void *data, void *data_end)
{
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return SINK_SLOT_OTHER;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *iph = (void *)(eth + 1);
		__u8 *type;

		if ((void *)(iph + 1) > data_end || iph->protocol != IPPROTO_ICMP || iph->ihl < 5 ||
		    (iph->frag_off & bpf_htons(0x1fff)))
			return SINK_SLOT_OTHER;
		type = (__u8 *)iph + iph->ihl * 4;
		if ((void *)(type + 1) > data_end)
			return SINK_SLOT_OTHER;
		return SINK_SLOT(SINK_FAMILY_IPV4, *type, legit4_set && iph->daddr == legit4);
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6h = (void *)(eth + 1);
		__u8 *type = (__u8 *)(ip6h + 1);
		__u64 *daddr = (__u64 *)&ip6h->daddr;

		if ((void *)(type + 1) > data_end || ip6h->nexthdr != IPPROTO_ICMPV6)
			return SINK_SLOT_OTHER;
		return SINK_SLOT(SINK_FAMILY_IPV6, *type,
				 legit6_set && daddr[0] == legit6_hi && daddr[1] == legit6_lo);
	}
	return SINK_SLOT_OTHER;
}

SEC("xdp")
int sink_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 slot = classify(data, data_end);
	struct sink_val *v = bpf_map_lookup_elem(&sink_counters, &slot);

	if (v) {
		v->packets += 1;
		v->bytes += data_end - data;
	}
	return XDP_DROP;
}

SEC("xdp")
int sink_drop(struct xdp_md *ctx)
{
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
