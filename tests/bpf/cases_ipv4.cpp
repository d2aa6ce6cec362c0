// IPv4 header validation, fragments, options and non-ICMP traffic
// (RFC-NOTES §4 rows 9–22; RFC 1812 §5.2.2 order).
#include "fixture_cases.hpp"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace icmpguard::test {
namespace {

IcmpSpec ping4(size_t len = 56) { return IcmpSpec{.type = 8, .payload = pattern(len)}; }
IcmpSpec timestamp_request() { return IcmpSpec{.type = 13, .payload = Bytes(12, 0)}; }

Bytes frame4(const Ipv4Spec& ip, const Bytes& l4, const EthSpec& eth = {}, size_t min_len = 0) {
    return eth_frame(eth, 0x0800, ipv4_packet(ip, l4), min_len);
}

// The correct header checksum of a spec, to corrupt it on purpose.
uint16_t hdr_csum(const Ipv4Spec& ip, const Bytes& l4) {
    Bytes p = ipv4_packet(ip, l4);
    return static_cast<uint16_t>(p[10] << 8 | p[11]);
}

Bytes tcp_syn() {
    Bytes t{0xc0, 0x01, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
    return t;
}
Bytes udp_dns() { return Bytes{0xd4, 0x31, 0x00, 0x35, 0x00, 0x0c, 0x00, 0x00, 0xab, 0xcd, 0x01, 0x00}; }

// Counters of an ICMPv4 packet whose type was read.
std::vector<CounterKey> typed(uint8_t type, uint32_t action, uint32_t reason) {
    return {v4(type, action), r4(reason)};
}

}  // namespace

std::vector<PacketCase> ipv4_cases() {
    std::vector<PacketCase> c;
    const Bytes echo = icmp4_message(ping4());

    // #9 / #10: counted under l2: the family is known only after the version check
    c.push_back(drop_case("v4_eth_only", eth_frame({}, 0x0800, {}), {rl2(IG_REASON_IP4_SHORT)}));
    {
        Bytes ip = ipv4_packet({}, echo);
        ip.resize(19);
        c.push_back(drop_case("v4_short_19", eth_frame({}, 0x0800, ip), {rl2(IG_REASON_IP4_SHORT)}));
    }
    c.push_back(drop_case("v4_bad_ver_6", frame4({.version = 6}, echo), {rl2(IG_REASON_IP4_BAD_VER)}));

    // not ICMP: passed after the protocol byte, before any other header check
    c.push_back(pass_case("v4_tcp", frame4({.protocol = 6}, tcp_syn()), {r4(IG_REASON_NOT_ICMP)}));
    c.push_back(pass_case("v4_udp", frame4({.protocol = 17}, udp_dns()), {r4(IG_REASON_NOT_ICMP)}));
    c.push_back(pass_case("v4_tcp_ihl_3", frame4({.protocol = 6, .ihl = 3}, tcp_syn()), {r4(IG_REASON_NOT_ICMP)}));

    // #11: IHL < 5
    c.push_back(drop_case("v4_ihl_4", frame4({.ihl = 4}, echo), {r4(IG_REASON_IP4_BAD_IHL)}));
    // #12: IHL*4 beyond the frame
    c.push_back(drop_case("v4_ihl_15_trunc", frame4({.ihl = 15}, icmp4_message(ping4(0))), {r4(IG_REASON_IP4_TRUNC_HDR)}));

    // #13: bad header checksum, never "fixed"; checked before anything after it
    c.push_back(drop_case("v4_bad_hdr_csum", frame4({.checksum = hdr_csum({}, echo) ^ 0x0100}, echo),
                          {r4(IG_REASON_IP4_BAD_CSUM)}));
    c.push_back(drop_case("v4_bad_hdr_csum_qinq",
                          frame4({.checksum = hdr_csum({}, echo) ^ 0x8000}, echo,
                                 {.vlans = {{0x88a8, 0x0010}, {0x8100, 0x0064}}}),
                          {r4(IG_REASON_IP4_BAD_CSUM)}));
    // #14: tot_len < IHL*4
    c.push_back(drop_case("v4_tot_len_19", frame4({.tot_len = 19}, echo), {r4(IG_REASON_IP4_BAD_LEN)}));
    // #15: tot_len beyond the frame
    c.push_back(drop_case("v4_tot_len_plus_1", frame4({.tot_len = 20 + 64 + 1}, echo), {r4(IG_REASON_IP4_TRUNC)}));

    // #17: ICMP part shorter than 8 bytes (type never read)
    c.push_back(drop_case("v4_icmp_short_4", frame4({}, {0x08, 0x00, 0xf7, 0xff}), {r4(IG_REASON_ICMP_SHORT)}));
    // the bytes after tot_len are padding, not ICMP
    c.push_back(drop_case("v4_icmp_short_7_padded", frame4({.tot_len = 27}, icmp4_message(ping4(0)), {}, 60),
                          {r4(IG_REASON_ICMP_SHORT)}));

    // #18 / E8: first fragment (MF, offset 0): type read, never answered
    c.push_back(pass_case("v4_frag_first_echo", frame4({.flags_frag = 0x2000}, echo),
                          typed(IG_ICMP4_ECHO_REQUEST, IG_ACTION_PASS, IG_REASON_FRAG_PASS)));
    c.push_back(drop_case("v4_frag_first_timestamp", frame4({.flags_frag = 0x2000}, icmp4_message(timestamp_request())),
                          typed(IG_ICMP4_TIMESTAMP_REQUEST, IG_ACTION_DROP, IG_REASON_POLICY_DROP)));
    // #19 / #20: non-first fragments: never parsed as ICMP, even when too short for a header
    c.push_back(pass_case("v4_frag_nonfirst_more", frame4({.flags_frag = 0x2001}, echo), {r4(IG_REASON_FRAG_PASS)}));
    c.push_back(pass_case("v4_frag_nonfirst_tiny", frame4({.flags_frag = 0x0003}, {0xde}, {}, 60),
                          {r4(IG_REASON_FRAG_PASS)}));

    // #21 / E7: options on an echo: the kernel fills or reverses them
    c.push_back(pass_case("v4_opts_echo_record_route", frame4({.options = {7, 7, 4, 0, 0, 0, 0, 0}}, echo),
                          typed(IG_ICMP4_ECHO_REQUEST, IG_ACTION_PASS, IG_REASON_IP4_OPTS_PASS)));
    // #22: malformed options are never walked: the kernel validates them
    c.push_back(pass_case("v4_opts_echo_len_0", frame4({.options = {7, 0, 0, 0}}, echo),
                          typed(IG_ICMP4_ECHO_REQUEST, IG_ACTION_PASS, IG_REASON_IP4_OPTS_PASS)));
    // options do not exempt a type from policy
    c.push_back(drop_case("v4_opts_timestamp_request",
                          frame4({.options = {0x44, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
                                 icmp4_message(timestamp_request())),
                          typed(IG_ICMP4_TIMESTAMP_REQUEST, IG_ACTION_DROP, IG_REASON_POLICY_DROP)));
    return c;
}

}  // namespace icmpguard::test
