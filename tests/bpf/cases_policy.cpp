// The policy table: the lab's rules (echo-request reply, IPv4 timestamp-request
// and IPv6 node-information query drop, everything else pass), and cases that
// install their own table with `setup` (RFC-NOTES §1, §2, §4 rows 33–37, 54–56).
#include "fixture_cases.hpp"

#include <stdexcept>

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace icmpguard::test {
namespace {

using Rest = std::array<uint8_t, 4>;

IcmpSpec msg(uint8_t type, uint8_t code = 0, size_t len = 56) {
    return IcmpSpec{.type = type, .code = code, .payload = pattern(len)};
}

// An IPv4 error quoting one of our UDP datagrams (header + 8 bytes).
IcmpSpec error4(uint8_t type, uint8_t code, Rest rest = {0, 0, 0, 0}) {
    Bytes udp{0xd4, 0x31, 0x00, 0x35, 0x00, 0x10, 0x00, 0x00};
    Bytes quote = ipv4_packet({.src = "198.51.100.2", .dst = "192.0.2.9", .protocol = 17, .tot_len = 36}, udp);
    return IcmpSpec{.type = type, .code = code, .payload = quote, .rest = rest};
}
IcmpSpec error6(uint8_t type, uint8_t code, Rest rest = {0, 0, 0, 0}) {
    Bytes udp{0xd4, 0x31, 0x00, 0x35, 0x00, 0x10, 0x00, 0x00};
    Bytes quote = ipv6_packet({.src = "2001:db8::2", .dst = "2001:db8:99::9", .upper = 17, .payload_len = 16}, udp);
    return IcmpSpec{.type = type, .code = code, .payload = quote, .rest = rest};
}

PacketCase typed4(std::string name, Bytes in, uint8_t type, bool drop, Setup setup = {}) {
    std::vector<CounterKey> k{v4(type, drop ? IG_ACTION_DROP : IG_ACTION_PASS),
                              r4(drop ? IG_REASON_POLICY_DROP : IG_REASON_POLICY_PASS)};
    return drop ? drop_case(std::move(name), std::move(in), k, std::move(setup))
                : pass_case(std::move(name), std::move(in), k, std::move(setup));
}
PacketCase typed6(std::string name, Bytes in, uint8_t type, bool drop, Setup setup = {}) {
    std::vector<CounterKey> k{v6(type, drop ? IG_ACTION_DROP : IG_ACTION_PASS),
                              r6(drop ? IG_REASON_POLICY_DROP : IG_REASON_POLICY_PASS)};
    return drop ? drop_case(std::move(name), std::move(in), k, std::move(setup))
                : pass_case(std::move(name), std::move(in), k, std::move(setup));
}

Setup set4(uint8_t type, uint8_t action) {
    return with_policy([=](PolicyTable& t) { t.set_type(IG_FAMILY_IPV4, type, action); });
}
Setup set6(uint8_t type, uint8_t action) {
    return with_policy([=](PolicyTable& t) { t.set_type(IG_FAMILY_IPV6, type, action); });
}

constexpr bool kDrop = true, kPass = false;

}  // namespace

std::vector<PacketCase> policy_cases() {
    std::vector<PacketCase> c;
    auto f4 = [](const IcmpSpec& m, const Ipv4Spec& ip = {}, const EthSpec& eth = {}, size_t min_len = 0) {
        return icmp4_frame(eth, ip, m, min_len);
    };
    auto f6 = [](const IcmpSpec& m, const Ipv6Spec& ip = {}, const EthSpec& eth = {}, size_t min_len = 0) {
        return icmp6_frame(eth, ip, m, min_len);
    };

    // ---- the lab policy -------------------------------------------------
    // #33: replies arriving are passed, never answered
    c.push_back(typed4("v4_echo_reply", f4(msg(0)), 0, kPass));
    c.push_back(typed4("v4_timestamp_reply", f4(msg(14, 0, 12)), 14, kPass));
    // a padded non-echo message passes unchanged: only the echo path trims
    c.push_back(typed4("v4_echo_reply_padded", f4(msg(0, 0, 0), {}, {}, 60), 0, kPass));
    // #37: timestamp request dropped
    c.push_back(typed4("v4_timestamp_request", f4(msg(13, 0, 12)), 13, kDrop));
    // #34 (policy part only): ICMP errors pass to the kernel
    c.push_back(typed4("v4_dest_unreach_port", f4(error4(3, 3), {.src = "192.0.2.9"}), 3, kPass));
    c.push_back(typed4("v4_time_exceeded", f4(error4(11, 0), {.src = "192.0.2.1"}), 11, kPass));
    // #54: IPv6 errors pass
    c.push_back(typed6("v6_dest_unreach_port", f6(error6(1, 4), {.src = "2001:db8:99::9"}), 1, kPass));
    // #56: node information query dropped
    c.push_back(typed6("v6_node_info_query", f6(msg(139, 0, 24)), 139, kDrop));

    // ---- tables installed by the case ---------------------------------
    c.push_back(typed4("v4_echo_policy_drop", f4(msg(8)), 8, kDrop, set4(8, IG_ACTION_DROP)));
    c.push_back(typed4("v4_echo_policy_pass", f4(msg(8)), 8, kPass, set4(8, IG_ACTION_PASS)));
    c.push_back(typed6("v6_echo_policy_drop", f6(msg(128)), 128, kDrop, set6(128, IG_ACTION_DROP)));
    c.push_back(typed6("v6_echo_policy_pass", f6(msg(128)), 128, kPass, set6(128, IG_ACTION_PASS)));
    // "reply" on a type that is not an echo request only passes
    c.push_back(typed4("v4_timestamp_request_reply_rule", f4(msg(13, 0, 12)), 13, kPass, set4(13, IG_ACTION_REPLY)));
    // per-code rules: only the listed code is affected
    {
        Setup drop_frag_needed = with_policy([](PolicyTable& t) { t.set_code(IG_FAMILY_IPV4, 3, 4, IG_ACTION_DROP); });
        c.push_back(typed4("v4_code_rule_3_4_drop", f4(error4(3, 4, {0, 0, 0x05, 0xdc})), 3, kDrop, drop_frag_needed));
        c.push_back(typed4("v4_code_rule_3_3_pass", f4(error4(3, 3)), 3, kPass, drop_frag_needed));
        // an echo request with code 1 meets the policy before the code check (#30)
        Setup drop_echo_code1 = with_policy([](PolicyTable& t) { t.set_code(IG_FAMILY_IPV4, 8, 1, IG_ACTION_DROP); });
        c.push_back(typed4("v4_code_rule_echo_1_drop", f4(msg(8, 1)), 8, kDrop, drop_echo_code1));
        c.push_back(PacketCase{"v4_code_rule_echo_0_reply", f4(msg(8)), XDP_TX, expected_echo4_reply({}, {}, msg(8)),
                               {v4(8, IG_ACTION_REPLY)}, drop_echo_code1});
    }
    // #35, #36, #55: drops a host profile configures (the lab passes these types)
    c.push_back(typed4("v4_redirect_policy_drop", f4(error4(5, 1, {192, 0, 2, 254})), 5, kDrop, set4(5, IG_ACTION_DROP)));
    c.push_back(typed4("v4_obsolete_info_request_drop", f4(msg(15, 0, 0)), 15, kDrop, set4(15, IG_ACTION_DROP)));
    c.push_back(typed6("v6_unassigned_info_200_drop", f6(msg(200, 0, 8)), 200, kDrop, set6(200, IG_ACTION_DROP)));
    // the receive-side checks come before the policy: an invalid NS counts nd_invalid, not policy_drop
    {
        IcmpSpec ns{.type = 135, .rest = Rest{0, 0, 0, 0}};
        const auto target = ip6("2001:db8::2");
        ns.payload.assign(target.begin(), target.end());
        auto ns_frame = [&](uint8_t hop) { return f6(ns, {.hop_limit = hop}); };
        c.push_back(drop_case("v6_ns_invalid_before_policy", ns_frame(64),
                              {v6(135, IG_ACTION_DROP), r6(IG_REASON_ND_INVALID)}, set6(135, IG_ACTION_DROP)));
    }
    return c;
}

}  // namespace icmpguard::test
