// The BPF_PROG_TEST_RUN fixture table: every case is one frame through the
// real program, with the verdict, the output bytes and the exact set of
// counters that must move (each by one packet and the frame's length).
//
// Expected replies come from the packet builder's own full checksum
// computation (tests/common/packet_builder.cpp), never from the program.
// The lab (addresses, MAC, policy) is described in common/bpf_harness.hpp.
// Row numbers ("#17") refer to the bad-input catalogue in RFC-NOTES §4.
#include <linux/bpf.h>

#include <functional>
#include <optional>
#include <set>
#include <cstring>

#include <gtest/gtest.h>

extern "C" {
#include "icmpguard/abi.h"
}

#include "common/bpf_harness.hpp"
#include "fixture_cases.hpp"

namespace icmpguard::test {
namespace {

class Fixture : public ::testing::TestWithParam<PacketCase> {
protected:
    static void SetUpTestSuite() {
        harness_ = BpfHarness::create(LoadOptions{}, &why_).release();
    }
    static void TearDownTestSuite() {
        delete harness_;
        harness_ = nullptr;
    }
    void SetUp() override {
        if (!harness_) IG_SKIP_OR_FAIL("cannot load the XDP program: " << why_);
        auto lab = harness_->install_lab();
        ASSERT_TRUE(lab.has_value()) << lab.error().message();
    }

    static BpfHarness* harness_;
    static std::string why_;
};
BpfHarness* Fixture::harness_ = nullptr;
std::string Fixture::why_;

// Offset of the IP header after Ethernet and any VLAN tags.
size_t l3_offset(const Bytes& f) {
    size_t off = 12;
    while (off + 2 <= f.size()) {
        uint16_t et = static_cast<uint16_t>(f[off] << 8 | f[off + 1]);
        if (et != 0x8100 && et != 0x88a8 && et != 0x9100) break;
        off += 4;
    }
    return off + 2;
}

TEST_P(Fixture, Verdict) {
    const PacketCase& c = GetParam();
    if (c.setup) c.setup(*harness_);

    StatsSnapshot before = harness_->stats();
    RunResult r = harness_->run(c.input);
    StatsSnapshot after = harness_->stats();

    ASSERT_EQ(r.err, 0) << "BPF_PROG_TEST_RUN failed: " << strerror(r.err);
    EXPECT_EQ(r.action, c.expected_action) << "input:\n" << hex(c.input);

    if (c.expected_action == XDP_TX) {
        ASSERT_TRUE(c.expected_output.has_value()) << "a TX case needs its expected reply";
        EXPECT_EQ(hex(r.out), hex(*c.expected_output));
        // invariants of every reply (RFC-NOTES row 72)
        EXPECT_LE(r.out.size(), c.input.size());
        size_t l3 = l3_offset(r.out);
        if (r.out[l3] >> 4 == 4) {
            EXPECT_TRUE(ip4_header_checksum_ok(r.out, l3));
            EXPECT_TRUE(icmp4_checksum_ok(r.out, l3));
        } else {
            EXPECT_TRUE(icmp6_checksum_ok(r.out, l3));
        }
    } else if (c.expected_action == XDP_PASS && !c.output_may_change) {
        // the kernel gets exactly what arrived
        EXPECT_EQ(hex(r.out), hex(c.input));
    }

    Deltas expected;
    for (const auto& k : c.expected_counters)
        expected[k] = Delta{1, c.input.size()};
    Deltas got = diff(before, after);
    std::string want_s, got_s;
    for (const auto& [k, d] : expected) want_s += describe(k) + " ";
    for (const auto& [k, d] : got)
        got_s += describe(k) + "=" + std::to_string(d.packets) + "p/" + std::to_string(d.bytes) + "B ";
    EXPECT_EQ(got, expected) << "want: " << want_s << "\n got: " << got_s;
}

INSTANTIATE_TEST_SUITE_P(Catalogue, Fixture, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<PacketCase>& info) {
                             return info.param.name;
                         });

TEST(FixtureTable, HasAtLeast120UniquelyNamedCases) {
    auto cases = all_cases();
    EXPECT_GE(cases.size(), 120u);
    std::set<std::string> names;
    for (const auto& c : cases) EXPECT_TRUE(names.insert(c.name).second) << "duplicate " << c.name;
}

}  // namespace
}  // namespace icmpguard::test
