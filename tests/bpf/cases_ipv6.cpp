// IPv6 header, extension-header walk, fragments, and the RFC 4890 receive-side
// conditions for ND, MLD, MRD and Packet Too Big (RFC-NOTES §2.1, §4 rows 38–56).
#include "fixture_cases.hpp"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace icmpguard::test {
namespace {

using Addr = std::array<uint8_t, 16>;
using Rest = std::array<uint8_t, 4>;

Mac mcast_mac(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return Mac{0x33, 0x33, a, b, c, d}; }

IcmpSpec ping6(size_t len = 56) { return IcmpSpec{.type = 128, .payload = pattern(len)}; }

Bytes frame6(const Ipv6Spec& ip, const Bytes& l4, const EthSpec& eth = {}, size_t min_len = 0) {
    return eth_frame(eth, 0x86dd, ipv6_packet(ip, l4), min_len);
}

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}
Bytes addr(const char* text) {
    Addr a = ip6(text);
    return Bytes(a.begin(), a.end());
}
// Source/target link-layer address option (type 1 or 2).
Bytes lla_option(uint8_t type, const Mac& m) { return cat({{type, 1}, Bytes(m.begin(), m.end())}); }

// Hop-by-Hop with Router Alert (MLD), and with a Jumbo Payload option.
ExtHeader hbh_router_alert() { return ExtHeader{.type = 0, .body = {5, 2, 0, 0, 1, 0}}; }
ExtHeader hbh_jumbo(uint32_t len) {
    return ExtHeader{.type = 0, .body = {0xc2, 4, static_cast<uint8_t>(len >> 24), static_cast<uint8_t>(len >> 16),
                                         static_cast<uint8_t>(len >> 8), static_cast<uint8_t>(len)}};
}
ExtHeader with_hdrlen(ExtHeader h, uint8_t len) {
    h.hdrlen = len;
    return h;
}

// Counters of an ICMPv6 packet whose type was read.
std::vector<CounterKey> typed(uint8_t type, uint32_t action, uint32_t reason) {
    return {v6(type, action), r6(reason)};
}
std::vector<CounterKey> policy_pass(uint8_t type) { return typed(type, IG_ACTION_PASS, IG_REASON_POLICY_PASS); }
std::vector<CounterKey> dropped(uint8_t type, uint32_t reason) { return typed(type, IG_ACTION_DROP, reason); }

// A valid message of each ND type, as a host receives it (RFC 4861 §4).
struct NdMsg {
    const char* name;
    EthSpec eth;
    Ipv6Spec ip;
    IcmpSpec icmp;
};

std::vector<NdMsg> nd_messages() {
    const Mac allnodes = mcast_mac(0, 0, 0, 1), allrouters = mcast_mac(0, 0, 0, 2);
    return {
        {"rs", {.dst = allrouters}, {.src = "fe80::1", .dst = "ff02::2", .hop_limit = 255},
         {.type = 133, .payload = lla_option(1, kClientMac), .rest = Rest{0, 0, 0, 0}}},
        {"ra", {.dst = allnodes}, {.src = "fe80::1", .dst = "ff02::1", .hop_limit = 255},
         {.type = 134, .payload = Bytes(8, 0), .rest = Rest{64, 0, 0x07, 0x08}}},
        {"ns", {.dst = mcast_mac(0xff, 0, 0, 2)}, {.src = "2001:db8::1", .dst = "ff02::1:ff00:2", .hop_limit = 255},
         {.type = 135, .payload = cat({addr("2001:db8::2"), lla_option(1, kClientMac)}), .rest = Rest{0, 0, 0, 0}}},
        {"na", {}, {.src = "2001:db8::1", .dst = "2001:db8::2", .hop_limit = 255},
         {.type = 136, .payload = cat({addr("2001:db8::1"), lla_option(2, kClientMac)}), .rest = Rest{0x60, 0, 0, 0}}},
        {"redirect", {}, {.src = "fe80::1", .dst = "2001:db8::2", .hop_limit = 255},
         {.type = 137, .payload = cat({addr("fe80::1"), addr("2001:db8::99")}), .rest = Rest{0, 0, 0, 0}}},
    };
}

PacketCase icmp6_case(std::string name, const EthSpec& eth, const Ipv6Spec& ip, const IcmpSpec& icmp,
                      std::vector<CounterKey> counters, bool drop) {
    Bytes in = icmp6_frame(eth, ip, icmp);
    return drop ? drop_case(std::move(name), in, std::move(counters))
                : pass_case(std::move(name), in, std::move(counters));
}

}  // namespace

std::vector<PacketCase> ipv6_cases() {
    std::vector<PacketCase> c;
    const Bytes echo = icmp6_message(ping6(), Ipv6Spec{});

    // #40: short or wrong version: counted under l2 (the family is set after the version check)
    {
        Bytes ip = ipv6_packet({}, echo);
        ip.resize(39);
        c.push_back(drop_case("v6_short_39", eth_frame({}, 0x86dd, ip), {rl2(IG_REASON_IP6_SHORT)}));
    }
    c.push_back(drop_case("v6_bad_ver_4", frame6({.version = 4}, echo), {rl2(IG_REASON_IP6_BAD_VER)}));

    // not ICMPv6: directly, or after an extension header (59 = No Next Header)
    const Bytes l4junk = pattern(20, 0x10);
    c.push_back(pass_case("v6_tcp", frame6({.upper = 6}, l4junk), {r6(IG_REASON_NOT_ICMP)}));
    c.push_back(pass_case("v6_udp", frame6({.upper = 17}, l4junk), {r6(IG_REASON_NOT_ICMP)}));
    c.push_back(pass_case("v6_dstopts_no_next_header", frame6({.upper = 59, .ext = {dest_opts()}}, {}),
                          {r6(IG_REASON_NOT_ICMP)}));

    // #41: payload length 0 (jumbogram or bogus): the kernel decides
    c.push_back(pass_case("v6_jumbo_hbh", frame6({.ext = {hbh_jumbo(8 + 8)}, .payload_len = 0}, echo),
                          {r6(IG_REASON_IP6_JUMBO)}));
    // #41: payload length beyond the frame
    c.push_back(drop_case("v6_plen_plus_1", frame6({.payload_len = 65}, echo), {r6(IG_REASON_IP6_TRUNC)}));
    // ICMPv6 part shorter than 8 bytes
    c.push_back(drop_case("v6_icmp_short_4", frame6({}, {128, 0, 0, 0}), {r6(IG_REASON_ICMP_SHORT)}));

    // #63 / E7: echo with extension headers (chains of 1..8) is left to the kernel
    const std::vector<ExtHeader> chain = {hop_by_hop(), dest_opts(),   routing(0), auth_header(),
                                          dest_opts(16), routing(0),    dest_opts(), fragment(0, false)};
    for (size_t n = 1; n <= chain.size(); ++n) {
        Ipv6Spec ip{.ext = std::vector<ExtHeader>(chain.begin(), chain.begin() + n)};
        c.push_back(icmp6_case("v6_eh_chain_" + std::to_string(n), {}, ip, ping6(),
                               typed(128, IG_ACTION_PASS, IG_REASON_IP6_EH_PASS), false));
    }
    // #44: routing header with segments left: never answered
    c.push_back(icmp6_case("v6_eh_echo_routing_sl1", {}, {.ext = {routing(1, 0)}}, ping6(),
                           typed(128, IG_ACTION_PASS, IG_REASON_IP6_EH_PASS), false));
    // #39: AH counts (hdrlen + 2) * 4: 24 bytes here, not (4 + 1) * 8
    c.push_back(icmp6_case("v6_eh_echo_ah_24", {}, {.ext = {auth_header(24)}}, ping6(),
                           typed(128, IG_ACTION_PASS, IG_REASON_IP6_EH_PASS), false));
    // #45: atomic fragment
    c.push_back(icmp6_case("v6_eh_echo_atomic_frag", {}, {.ext = {fragment(0, false)}}, ping6(),
                           typed(128, IG_ACTION_PASS, IG_REASON_IP6_EH_PASS), false));
    // a full chain does not exempt other types from policy
    c.push_back(icmp6_case("v6_eh_chain_8_node_info", {}, {.ext = chain}, {.type = 139, .payload = pattern(24)},
                           dropped(139, IG_REASON_POLICY_DROP), true));
    // #38: more headers than the bound: type never read
    {
        std::vector<ExtHeader> nine = chain;
        nine.insert(nine.begin() + 1, dest_opts());
        c.push_back(icmp6_case("v6_eh_chain_9", {}, {.ext = nine}, ping6(), {r6(IG_REASON_EH_TOO_MANY)}, true));
    }
    // #38 is about a chain longer than the bound, not what follows it: UDP
    // after 8 headers is someone's traffic (found by the differential fuzzer)
    {
        const Bytes udp{0x04, 0xd2, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00};
        c.push_back(pass_case("v6_eh_chain_8_then_udp", frame6({.upper = 17, .ext = chain}, udp),
                              {r6(IG_REASON_NOT_ICMP)}));
        std::vector<ExtHeader> nine = chain;
        nine.insert(nine.begin() + 1, dest_opts());
        c.push_back(drop_case("v6_eh_chain_9_then_udp", frame6({.upper = 17, .ext = nine}, udp),
                              {r6(IG_REASON_EH_TOO_MANY)}));
    }
    // #42: Hop-by-Hop only directly after the IPv6 header
    c.push_back(icmp6_case("v6_eh_hbh_second", {}, {.ext = {dest_opts(), hop_by_hop()}}, ping6(),
                           {r6(IG_REASON_EH_HBH_NOT_FIRST)}, true));
    // #39: a header's length runs past the payload
    c.push_back(icmp6_case("v6_eh_routing_overrun", {}, {.ext = {with_hdrlen(routing(0), 3)}}, ping6(0),
                           {r6(IG_REASON_EH_TRUNC)}, true));
    c.push_back(icmp6_case("v6_eh_ah_overrun", {}, {.ext = {with_hdrlen(auth_header(), 10)}}, ping6(0),
                           {r6(IG_REASON_EH_TRUNC)}, true));

    // #46 / E8: fragments
    c.push_back(icmp6_case("v6_frag_first_echo", {}, {.ext = {fragment(0, true)}}, ping6(),
                           typed(128, IG_ACTION_PASS, IG_REASON_FRAG_PASS), false));
    c.push_back(pass_case("v6_frag_nonfirst", frame6({.upper = 58, .ext = {fragment(185, false)}}, pattern(48)),
                          {r6(IG_REASON_FRAG_PASS)}));
    // RFC 7112: a first fragment that does not carry the whole chain
    c.push_back(icmp6_case("v6_frag_chain_incomplete_eh", {}, {.ext = {fragment(0, true), with_hdrlen(dest_opts(), 5)}},
                           ping6(0), {r6(IG_REASON_FRAG_CHAIN_INCOMPLETE)}, true));
    c.push_back(drop_case("v6_frag_chain_incomplete_icmp",
                          frame6({.ext = {fragment(0, true)}}, {128, 0, 0, 0}),
                          {r6(IG_REASON_FRAG_CHAIN_INCOMPLETE)}));

    // An atomic fragment (offset 0, M = 0) is the whole packet (RFC 6946):
    // RFC 7112's rule is for first fragments with M = 1 (fuzzer finds)
    c.push_back(icmp6_case("v6_atomic_frag_chain_cut", {}, {.ext = {fragment(0, false), with_hdrlen(dest_opts(), 5)}},
                           ping6(0), {r6(IG_REASON_EH_TRUNC)}, true));
    c.push_back(drop_case("v6_atomic_frag_icmp_short", frame6({.ext = {fragment(0, false)}}, {128, 0, 0, 0}),
                          {r6(IG_REASON_ICMP_SHORT)}));
    // any Fragment header with M = 1 makes the echo a piece of a larger
    // packet, whatever a later one says (the last M flag used to win)
    c.push_back(icmp6_case("v6_frag_m1_then_m0_echo", {}, {.ext = {fragment(0, true), fragment(0, false)}}, ping6(),
                           typed(128, IG_ACTION_PASS, IG_REASON_FRAG_PASS), false));

    // #49: destination :: for any type
    {
        NdMsg na = nd_messages()[3];
        na.ip.dst = "::";
        c.push_back(icmp6_case("v6_na_dst_unspec", na.eth, na.ip, na.icmp, dropped(136, IG_REASON_DST6_UNSPEC), true));
    }

    // #51: ND needs hop limit 255 (on-link proof), code 0, no Fragment header
    for (const NdMsg& m : nd_messages()) {
        std::string n = std::string("v6_nd_") + m.name;
        c.push_back(icmp6_case(n + "_hl255", m.eth, m.ip, m.icmp, policy_pass(m.icmp.type), false));
        Ipv6Spec hl64 = m.ip;
        hl64.hop_limit = 64;
        c.push_back(icmp6_case(n + "_hl64", m.eth, hl64, m.icmp, dropped(m.icmp.type, IG_REASON_ND_INVALID), true));
    }
    {
        auto nd = nd_messages();
        NdMsg ra = nd[1], ns = nd[2], na = nd[3];
        // RA (and Redirect) only from a link-local source
        Ipv6Spec ip = ra.ip;
        ip.src = "2001:db8::1";
        c.push_back(icmp6_case("v6_nd_ra_global_src", ra.eth, ip, ra.icmp, dropped(134, IG_REASON_ND_INVALID), true));
        IcmpSpec code1 = ns.icmp;
        code1.code = 1;
        c.push_back(icmp6_case("v6_nd_ns_code_1", ns.eth, ns.ip, code1, dropped(135, IG_REASON_ND_INVALID), true));
        // RFC 6980: no fragmented ND, not even an atomic fragment
        ip = na.ip;
        ip.ext = {fragment(0, false)};
        c.push_back(icmp6_case("v6_nd_na_atomic_frag", na.eth, ip, na.icmp, dropped(136, IG_REASON_ND_INVALID), true));
        // #52: ND options are never parsed (a zero-length option goes to the kernel)
        IcmpSpec bad_opt = na.icmp;
        bad_opt.payload = cat({addr("2001:db8::1"), {2, 0, 0, 0, 0, 0, 0, 0}});
        c.push_back(icmp6_case("v6_nd_na_option_len_0", na.eth, na.ip, bad_opt, policy_pass(136), false));
    }
    // IND 141/142 and SEND 148/149: hop limit 255 and no Fragment header
    {
        const EthSpec eth{.dst = mcast_mac(0, 0, 0, 1)};
        IcmpSpec ind{.type = 142, .payload = lla_option(1, kClientMac), .rest = Rest{0, 0, 0, 0}};
        c.push_back(icmp6_case("v6_ind_advert_hl64", eth, {.src = "fe80::1", .dst = "ff02::1", .hop_limit = 64}, ind,
                               dropped(142, IG_REASON_ND_INVALID), true));
        IcmpSpec send{.type = 149, .payload = pattern(16), .rest = Rest{0, 1, 0, 0}};
        c.push_back(icmp6_case("v6_send_cpa_fragment", eth,
                               {.src = "fe80::1", .dst = "ff02::1", .hop_limit = 255, .ext = {fragment(0, true)}}, send,
                               dropped(149, IG_REASON_ND_INVALID), true));
    }

    // #53: MLD from a link-local source; Report/Done also from :: (RFC 3590)
    {
        const EthSpec all_nodes{.dst = mcast_mac(0, 0, 0, 1)};
        auto mld = [](const char* src, const char* dst) {
            return Ipv6Spec{.src = src, .dst = dst, .hop_limit = 1, .ext = {hbh_router_alert()}};
        };
        IcmpSpec query{.type = 130, .payload = Bytes(16, 0), .rest = Rest{0x27, 0x10, 0, 0}};
        c.push_back(icmp6_case("v6_mld_query_link_local", all_nodes, mld("fe80::1", "ff02::1"), query,
                               policy_pass(130), false));
        c.push_back(icmp6_case("v6_mld_query_global", all_nodes, mld("2001:db8::1", "ff02::1"), query,
                               dropped(130, IG_REASON_MLD_INVALID), true));
        c.push_back(icmp6_case("v6_mld_query_unspec", all_nodes, mld("::", "ff02::1"), query,
                               dropped(130, IG_REASON_MLD_INVALID), true));
        IcmpSpec report{.type = 131, .payload = addr("ff02::fb"), .rest = Rest{0, 0, 0, 0}};
        c.push_back(icmp6_case("v6_mld_report_unspec", {.dst = mcast_mac(0, 0, 0, 0xfb)}, mld("::", "ff02::fb"), report,
                               policy_pass(131), false));
    }

    // MRD (RFC 4286): link-local source and hop limit 1
    {
        const EthSpec mrd_eth{.dst = mcast_mac(0, 0, 0, 0x6a)};
        IcmpSpec adv{.type = 151, .payload = {}, .rest = Rest{0, 20, 0, 0}};
        c.push_back(icmp6_case("v6_mrd_advert_valid", mrd_eth, {.src = "fe80::1", .dst = "ff02::6a", .hop_limit = 1},
                               adv, policy_pass(151), false));
        c.push_back(icmp6_case("v6_mrd_advert_hl255", mrd_eth, {.src = "fe80::1", .dst = "ff02::6a", .hop_limit = 255},
                               adv, dropped(151, IG_REASON_MRD_INVALID), true));
        IcmpSpec sol{.type = 152, .rest = Rest{0, 0, 0, 0}};
        c.push_back(icmp6_case("v6_mrd_solicit_global", {.dst = mcast_mac(0, 0, 0, 2)},
                               {.src = "2001:db8::1", .dst = "ff02::2", .hop_limit = 1}, sol,
                               dropped(152, IG_REASON_MRD_INVALID), true));
    }

    // #54 / RFC 8201 §4: Packet Too Big below the IPv6 minimum MTU is discarded
    {
        const Ipv6Spec from_router{.src = "2001:db8:ffff::1", .dst = "2001:db8::2"};
        Bytes quote = ipv6_packet({.src = "2001:db8::2", .dst = "2001:db8::1"},
                                  icmp6_message(IcmpSpec{.type = 129, .payload = pattern(40)},
                                                Ipv6Spec{.src = "2001:db8::2", .dst = "2001:db8::1"}));
        auto ptb = [&](uint32_t mtu) {
            return IcmpSpec{.type = 2, .payload = quote,
                            .rest = Rest{static_cast<uint8_t>(mtu >> 24), static_cast<uint8_t>(mtu >> 16),
                                         static_cast<uint8_t>(mtu >> 8), static_cast<uint8_t>(mtu)}};
        };
        c.push_back(icmp6_case("v6_ptb_1279", {}, from_router, ptb(1279), dropped(2, IG_REASON_PTB_BELOW_MIN), true));
        c.push_back(icmp6_case("v6_ptb_1280", {}, from_router, ptb(1280), policy_pass(2), false));
    }
    return c;
}

}  // namespace icmpguard::test
