// The reference model against the bpf tier's fixture table
// (tests/bpf/cases_*.cpp): every PacketCase runs through decide() with the
// lab of tests/common/bpf_harness.hpp (MAC, addresses, lab_policy()), and
// the model must agree on the action, the reply bytes (XDP_TX), the
// untouched frame (XDP_PASS) and the exact set of counters that move.
// No BPF is loaded: the table is used only as data.
//
// A case's `setup` is an opaque BpfHarness lambda; the same map edits are
// restated here by case name (kSetups). A case with a setup not listed
// there is skipped, saying so, until it is added.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>

#include "bpf/fixture_cases.hpp"
#include "model/model.hpp"

namespace icmpguard::model {
namespace {

namespace t = icmpguard::test;

struct Lab {
    PolicyTable policy = t::lab_policy();
    std::vector<LocalAddress> addrs;
};

LocalAddress addr(uint8_t family, const std::string& text, uint8_t kind) {
    LocalAddress a;
    a.family = family;
    a.kind = kind;
    if (family == IG_FAMILY_IPV4) {
        auto b = t::ip4(text);
        std::copy(b.begin(), b.end(), a.addr.begin());
    } else {
        a.addr = t::ip6(text);
    }
    return a;
}

// BpfHarness::install_lab(): the addresses and the MAC.
Lab lab() {
    Lab l;
    l.addrs = {addr(IG_FAMILY_IPV4, "198.51.100.2", IG_ADDR_KIND_UNICAST),
               addr(IG_FAMILY_IPV4, "203.0.113.2", IG_ADDR_KIND_UNICAST),
               addr(IG_FAMILY_IPV6, "2001:db8::2", IG_ADDR_KIND_UNICAST),
               addr(IG_FAMILY_IPV6, "fe80::2", IG_ADDR_KIND_UNICAST),
               addr(IG_FAMILY_IPV4, "198.51.100.255", IG_ADDR_KIND_BROADCAST),
               addr(IG_FAMILY_IPV6, "2001:db8::", IG_ADDR_KIND_ANYCAST)};
    return l;
}

Settings settings_of(const Lab& l) {
    Settings s;
    s.mac = t::kServerMac;
    s.mac_known = true;
    for (uint32_t fam = 0; fam < 2; ++fam)
        for (int type = 0; type < 256; ++type) {
            const uint8_t* row = l.policy.row(fam, static_cast<uint8_t>(type));
            for (int code = 0; code < 256; ++code)
                s.rule(fam, static_cast<uint8_t>(type), static_cast<uint8_t>(code)) = row[code];
        }
    s.addrs = l.addrs;
    return s;  // LoadOptions{} defaults: replies on, TTL 64, 8 extension headers
}

// The `setup` of each case that has one, as an edit of the lab.
using Edit = std::function<void(Lab&)>;
Edit type4(uint8_t type, uint8_t action) {
    return [=](Lab& l) { l.policy.set_type(IG_FAMILY_IPV4, type, action); };
}
Edit type6(uint8_t type, uint8_t action) {
    return [=](Lab& l) { l.policy.set_type(IG_FAMILY_IPV6, type, action); };
}
Edit code4(uint8_t type, uint8_t code, uint8_t action) {
    return [=](Lab& l) { l.policy.set_code(IG_FAMILY_IPV4, type, code, action); };
}

const std::map<std::string, Edit>& setups() {
    static const std::map<std::string, Edit> m = {
        {"v6_echo_tentative_addr",
         [](Lab& l) {
             auto gone = addr(IG_FAMILY_IPV6, "2001:db8::2", IG_ADDR_KIND_UNICAST);
             std::erase_if(l.addrs, [&](const LocalAddress& a) { return a.family == gone.family && a.addr == gone.addr; });
         }},
        {"v4_echo_policy_drop", type4(8, IG_ACTION_DROP)},
        {"v4_echo_policy_pass", type4(8, IG_ACTION_PASS)},
        {"v6_echo_policy_drop", type6(128, IG_ACTION_DROP)},
        {"v6_echo_policy_pass", type6(128, IG_ACTION_PASS)},
        {"v4_timestamp_request_reply_rule", type4(13, IG_ACTION_REPLY)},
        {"v4_code_rule_3_4_drop", code4(3, 4, IG_ACTION_DROP)},
        {"v4_code_rule_3_3_pass", code4(3, 4, IG_ACTION_DROP)},
        {"v4_code_rule_echo_1_drop", code4(8, 1, IG_ACTION_DROP)},
        {"v4_code_rule_echo_0_reply", code4(8, 1, IG_ACTION_DROP)},
        {"v4_redirect_policy_drop", type4(5, IG_ACTION_DROP)},
        {"v4_obsolete_info_request_drop", type4(15, IG_ACTION_DROP)},
        {"v6_unassigned_info_200_drop", type6(200, IG_ACTION_DROP)},
        {"v6_ns_invalid_before_policy", type6(135, IG_ACTION_DROP)},
    };
    return m;
}

std::vector<t::CounterKey> counters_of(const Verdict& v) {
    std::vector<t::CounterKey> k;
    if (v.has_type) k.push_back(t::type_counter(v.type.family, v.type.type, v.type.action));
    if (v.has_reason) k.push_back(t::reason_counter(v.reason.family, v.reason.reason));
    std::sort(k.begin(), k.end());
    return k;
}

std::string describe_all(const std::vector<t::CounterKey>& ks) {
    std::string s;
    for (const auto& k : ks) s += t::describe(k) + " ";
    return s;
}

class ModelFixture : public ::testing::TestWithParam<t::PacketCase> {};

TEST_P(ModelFixture, AgreesWithTable) {
    const t::PacketCase& c = GetParam();
    Lab l = lab();
    if (c.setup) {
        auto it = setups().find(c.name);
        if (it == setups().end()) {
            GTEST_SKIP() << "case has a BpfHarness setup the model test does not restate";
        }
        it->second(l);
    }
    const Verdict v = decide(c.input, settings_of(l));

    EXPECT_EQ(v.xdp_action, c.expected_action) << "input:\n" << t::hex(c.input);
    if (c.expected_action == XDP_TX && c.expected_output) {
        EXPECT_EQ(t::hex(v.out), t::hex(*c.expected_output));
    } else if (c.expected_action == XDP_PASS && !c.output_may_change) {
        EXPECT_EQ(t::hex(v.out), t::hex(c.input));
    }
    auto want = c.expected_counters;
    std::sort(want.begin(), want.end());
    const auto got = counters_of(v);
    EXPECT_EQ(got, want) << "want: " << describe_all(want) << "\n got: " << describe_all(got);
}

INSTANTIATE_TEST_SUITE_P(Catalogue, ModelFixture, ::testing::ValuesIn(t::all_cases()),
                         [](const ::testing::TestParamInfo<t::PacketCase>& info) { return info.param.name; });

// Every case with a setup is restated (none is silently skipped).
TEST(ModelFixtureTable, EverySetupRestated) {
    for (const auto& c : t::all_cases()) {
        if (c.setup) {
            EXPECT_TRUE(setups().count(c.name)) << c.name;
        }
    }
}

}  // namespace
}  // namespace icmpguard::model
