// One BPF_PROG_TEST_RUN of a frame, repeat = 1 (so a rewriting program is
// never fed its own output). Shared by the bpf tier's BpfHarness and the
// differential fuzzer, which must not depend on GoogleTest.
#pragma once

#include <cstdint>
#include <vector>

namespace icmpguard::test {

struct RunResult {
    uint32_t action = 0;       // XDP_* returned by the program
    std::vector<uint8_t> out;  // frame after the run (data_out)
    int err = 0;               // BPF_PROG_TEST_RUN errno, 0 on success
};

// ingress_ifindex 0: no context passed (the kernel's default ifindex).
RunResult test_run_once(int prog_fd, const std::vector<uint8_t>& frame, int ingress_ifindex = 0);

}  // namespace icmpguard::test
