// BpfHarness: one loaded icmpguard program plus the tools a bpf-tier test
// needs: run a frame through BPF_PROG_TEST_RUN (repeat = 1, so a rewrite is
// never fed its own output), read counter deltas, set policy and addresses.
//
// The standard lab the fixtures assume (set by install_lab()):
//   server MAC 02:00:00:00:00:02 (iface map), client 02:00:00:00:00:01
//   unicast   198.51.100.2, 203.0.113.2, 2001:db8::2, fe80::2
//   broadcast 198.51.100.255 (directed broadcast of 198.51.100.0/24)
//   anycast   2001:db8:: (subnet-router anycast)
//   policy    echo-request -> reply (both families), IPv4 timestamp-request
//             and IPv6 node-information (139) -> drop, everything else pass.
#pragma once

#include <cstdlib>

#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "common/packet_builder.hpp"
#include "common/test_run.hpp"
#include "core/address_writer.hpp"
#include "core/datapath.hpp"
#include "core/policy_writer.hpp"
#include "core/stats_reader.hpp"

// Skip a test that cannot run here, saying why; with ICMPGUARD_NO_SKIP=1
// (set by CI, which runs as root) the same condition is a failure instead.
#define IG_SKIP_OR_FAIL(why)                                               \
    do {                                                                    \
        if (std::getenv("ICMPGUARD_NO_SKIP")) FAIL() << "cannot run: " << why; \
        else GTEST_SKIP() << why;                                           \
    } while (0)

namespace icmpguard::test {


// A counter that moved: kind 't' = (family, ICMP type, action), kind 'r' = (family, reason).
struct CounterKey {
    char kind = 't';
    uint32_t family = 0;
    uint32_t a = 0;  // ICMP type, or reason
    uint32_t b = 0;  // action (type counters only)
    auto operator<=>(const CounterKey&) const = default;
};
CounterKey type_counter(uint32_t family, uint32_t type, uint32_t action);
CounterKey reason_counter(uint32_t family, uint32_t reason);
std::string describe(const CounterKey& k);

struct Delta {
    uint64_t packets = 0;
    uint64_t bytes = 0;
    bool operator==(const Delta&) const = default;
};
using Deltas = std::map<CounterKey, Delta>;
Deltas diff(const StatsSnapshot& before, const StatsSnapshot& after);

PolicyTable lab_policy();

class BpfHarness {
public:
    // nullptr with *why set when the kernel refuses (no privileges, no BPF).
    static std::unique_ptr<BpfHarness> create(const LoadOptions& options, std::string* why);

    Expected<void> install_lab();
    RunResult run(const Bytes& frame, int ingress_ifindex = 0);
    StatsSnapshot stats();

    Datapath& datapath() { return *dp_; }
    PolicyWriter policy();
    AddressWriter addresses();

private:
    explicit BpfHarness(std::unique_ptr<Datapath> dp) : dp_(std::move(dp)) {}
    std::unique_ptr<Datapath> dp_;
};

// A test with a freshly loaded program of its own and the lab installed.
// Derived fixtures call LabTest::SetUp() first and return if it did not
// finish (skipped, or a fatal failure).
class LabTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why;
        h_ = BpfHarness::create(LoadOptions{}, &why);
        if (!h_) IG_SKIP_OR_FAIL("cannot load the XDP program: " << why);
        auto lab = h_->install_lab();
        ASSERT_TRUE(lab.has_value()) << lab.error().message();
    }
    bool set_up() const { return h_ && !IsSkipped() && !HasFatalFailure(); }

    std::unique_ptr<BpfHarness> h_;
};

}  // namespace icmpguard::test
