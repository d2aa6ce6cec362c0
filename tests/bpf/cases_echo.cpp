// Echo requests the program must answer, with the exact reply bytes.
#include "fixture_cases.hpp"

namespace icmpguard::test {
namespace {

PacketCase echo4(std::string name, EthSpec eth, Ipv4Spec ip, IcmpSpec icmp, size_t min_len = 0) {
    Bytes in = icmp4_frame(eth, ip, icmp, min_len);
    return PacketCase{std::move(name), in, XDP_TX, expected_echo4_reply(eth, ip, icmp),
                      {v4(IG_ICMP4_ECHO_REQUEST, IG_ACTION_REPLY)}};
}

PacketCase echo6(std::string name, EthSpec eth, Ipv6Spec ip, IcmpSpec icmp, size_t min_len = 0) {
    Bytes in = icmp6_frame(eth, ip, icmp, min_len);
    return PacketCase{std::move(name), in, XDP_TX, expected_echo6_reply(eth, ip, icmp),
                      {v6(IG_ICMP6_ECHO_REQUEST, IG_ACTION_REPLY)}};
}

IcmpSpec ping4(size_t len) { return IcmpSpec{.type = 8, .payload = pattern(len)}; }
IcmpSpec ping6(size_t len) { return IcmpSpec{.type = 128, .payload = pattern(len)}; }

}  // namespace

std::vector<PacketCase> echo_cases() {
    std::vector<PacketCase> c;
    c.push_back(echo4("v4_echo_56", {}, {}, ping4(56)));
    c.push_back(echo6("v6_echo_56", {}, {}, ping6(56)));
    // #31: zero-length echo, padded to the Ethernet minimum; the reply drops the padding
    c.push_back(echo4("v4_echo_0_padded", {}, {}, ping4(0), 60));
    c.push_back(echo6("v6_echo_0", {}, {}, ping6(0)));
    // #66: odd-length message
    c.push_back(echo4("v4_echo_odd_57", {}, {}, ping4(57)));
    c.push_back(echo6("v6_echo_odd_57", {}, {}, ping6(57)));
    // #3: one 802.1Q tag, kept byte for byte
    c.push_back(echo4("v4_echo_vlan", {.vlans = {{0x8100, 0x0064}}}, {}, ping4(56)));
    // #4: QinQ
    c.push_back(echo6("v6_echo_qinq", {.vlans = {{0x88a8, 0x0010}, {0x8100, 0x0064}}}, {}, ping6(56)));
    // #32: large single-buffer echo
    c.push_back(echo4("v4_echo_1472", {}, {}, ping4(1472)));
    c.push_back(echo6("v6_echo_1452", {}, {}, ping6(1452)));
    // #27: TOS kept, TTL replaced
    c.push_back(echo4("v4_echo_tos_ttl1", {}, {.tos = 0xb8, .ttl = 1}, ping4(56)));
    // link-local IPv6 destination
    c.push_back(echo6("v6_echo_link_local", {}, {.src = "fe80::1", .dst = "fe80::2"}, ping6(56)));
    return c;
}

}  // namespace icmpguard::test
