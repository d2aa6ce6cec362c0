/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * XDP_PASS for the client end of a veth pair in netns tests: a veth only
 * delivers its peer's XDP_TX frames when it has an XDP program itself.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int test_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
