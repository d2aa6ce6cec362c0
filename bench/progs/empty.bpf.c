/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The micro tier's floor: an XDP program that does nothing. Its
 * BPF_PROG_TEST_RUN duration is the harness's own per-run cost (bottom-half
 * disable/enable, the call, the timer reads for repeat = 1), measured in the
 * same run and the same way as icmpguard, and subtracted from it.
 * Bench-only: never shipped, never attached.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int bench_empty(struct xdp_md *ctx)
{
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
