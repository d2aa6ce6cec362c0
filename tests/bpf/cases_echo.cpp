// Echo requests the program must answer, with the exact reply bytes, and the
// echo requests it must refuse (RFC-NOTES §3.2, rules E3–E9).
#include "fixture_cases.hpp"

#include <stdexcept>

// Specs are written with designated initializers; unnamed fields keep their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

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

// A TX case whose request frame was edited after building (e.g. garbage padding).
PacketCase echo_raw(std::string name, Bytes in, Bytes reply, CounterKey type) {
    return PacketCase{std::move(name), std::move(in), XDP_TX, std::move(reply), {type}};
}

IcmpSpec ping4(size_t len, uint8_t code = 0) { return IcmpSpec{.type = 8, .code = code, .payload = pattern(len)}; }
IcmpSpec ping6(size_t len, uint8_t code = 0) { return IcmpSpec{.type = 128, .code = code, .payload = pattern(len)}; }

// Echo requests the program refuses: verdict by `reason`, type counter pass/drop.
PacketCase pass4(std::string name, Bytes in, uint32_t reason, Setup setup = {}) {
    return pass_case(std::move(name), std::move(in), {v4(IG_ICMP4_ECHO_REQUEST, IG_ACTION_PASS), r4(reason)},
                     std::move(setup));
}
PacketCase drop4(std::string name, Bytes in, uint32_t reason) {
    return drop_case(std::move(name), std::move(in), {v4(IG_ICMP4_ECHO_REQUEST, IG_ACTION_DROP), r4(reason)});
}
PacketCase pass6(std::string name, Bytes in, uint32_t reason, Setup setup = {}) {
    return pass_case(std::move(name), std::move(in), {v6(IG_ICMP6_ECHO_REQUEST, IG_ACTION_PASS), r6(reason)},
                     std::move(setup));
}
PacketCase drop6(std::string name, Bytes in, uint32_t reason) {
    return drop_case(std::move(name), std::move(in), {v6(IG_ICMP6_ECHO_REQUEST, IG_ACTION_DROP), r6(reason)});
}

Bytes req4(Ipv4Spec ip, EthSpec eth = {}) { return icmp4_frame(eth, ip, ping4(56)); }
Bytes req6(Ipv6Spec ip, EthSpec eth = {}) { return icmp6_frame(eth, ip, ping6(56)); }

// #29: the request whose stored checksum is `target`, by solving the first
// payload word (len >= 2). 0xffff, which a full computation never stores,
// is reachable too; both it and 0x0000 verify.
template <class Build>
IcmpSpec with_stored_csum(IcmpSpec s, uint16_t target, Build build) {
    s.payload[0] = s.payload[1] = 0;
    s.checksum.reset();
    Bytes m0 = build(s);  // checksum computed with the word at zero: ~(everything else)
    uint16_t w = free_word_for_checksum(static_cast<uint16_t>(~(m0[2] << 8 | m0[3])), target);
    s.payload[0] = static_cast<uint8_t>(w >> 8);
    s.payload[1] = static_cast<uint8_t>(w);
    s.checksum = target;
    return s;
}

IcmpSpec ping4_csum(size_t len, uint16_t target) {
    return with_stored_csum(ping4(len), target, [](const IcmpSpec& s) { return icmp4_message(s); });
}
IcmpSpec ping6_csum(size_t len, uint16_t target, const Ipv6Spec& ip = {}) {
    return with_stored_csum(ping6(len), target, [&](const IcmpSpec& s) { return icmp6_message(s, ip); });
}

// #69: a request whose stored checksum is right only if the link padding
// after the IP datagram is summed too (v6: with the pseudo-header of the
// real length). The padding is non-zero, so the true checksum differs.
Bytes csum_covers_padding4() {
    IcmpSpec s = ping4(0);
    Bytes pad = pattern(18, 0x31);
    Bytes m = icmp4_message(s);
    const uint16_t good = static_cast<uint16_t>(m[2] << 8 | m[3]);
    m[2] = m[3] = 0;
    m.insert(m.end(), pad.begin(), pad.end());
    s.checksum = internet_checksum(m.data(), m.size());
    if (*s.checksum == good) throw std::logic_error("padding does not change the checksum");
    Bytes f = icmp4_frame({}, {}, s);
    f.insert(f.end(), pad.begin(), pad.end());
    return f;
}

Bytes csum_covers_padding6() {
    Ipv6Spec ip;
    IcmpSpec s = ping6(0);
    Bytes pad = pattern(10, 0x31);
    Bytes m = icmp6_message(s, ip);
    const uint16_t good = static_cast<uint16_t>(m[2] << 8 | m[3]);
    m[2] = m[3] = 0;
    m.insert(m.end(), pad.begin(), pad.end());
    s.checksum = internet_checksum(m.data(), m.size(), ip6_pseudo_sum(ip6(ip.src), ip6(ip.dst), 8, 58));
    if (*s.checksum == good) throw std::logic_error("padding does not change the checksum");
    Bytes f = icmp6_frame({}, ip, s);
    f.insert(f.end(), pad.begin(), pad.end());
    return f;
}

// A request whose checksum is off by one bit.
IcmpSpec bad_csum4(size_t len) {
    IcmpSpec s = ping4(len);
    Bytes m = icmp4_message(s);
    s.checksum = static_cast<uint16_t>((m[2] << 8 | m[3]) ^ 0x0001);
    return s;
}
IcmpSpec bad_csum6(size_t len, const Ipv6Spec& ip = {}) {
    IcmpSpec s = ping6(len);
    Bytes m = icmp6_message(s, ip);
    s.checksum = static_cast<uint16_t>((m[2] << 8 | m[3]) ^ 0x0001);
    return s;
}

const Mac kOtherHostMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x03};

}  // namespace

std::vector<PacketCase> echo_cases() {
    std::vector<PacketCase> c;

    // ---- answered in XDP ------------------------------------------------
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
    // link-local IPv6 destination (#26: reply src = request dst)
    c.push_back(echo6("v6_echo_link_local", {}, {.src = "fe80::1", .dst = "fe80::2"}, ping6(56)));

    // #16 / #41 / E6: link padding is trimmed, never summed or echoed
    c.push_back(echo6("v6_echo_0_padded", {}, {}, ping6(0), 72));
    {
        // padding of non-zero garbage: it would break the checksum if it were summed
        Bytes in = icmp4_frame({}, {}, ping4(11));
        Bytes pad = pattern(7, 0x5c);
        in.insert(in.end(), pad.begin(), pad.end());
        c.push_back(echo_raw("v4_echo_odd_padded_garbage", in, expected_echo4_reply({}, {}, ping4(11)),
                             v4(IG_ICMP4_ECHO_REQUEST, IG_ACTION_REPLY)));
    }

    // #29 / §3.4: checksum edge values of the request; the reply must equal a full recompute
    c.push_back(echo4("v4_echo_csum_0000", {}, {}, ping4_csum(56, 0x0000)));
    c.push_back(echo4("v4_echo_csum_ffff", {}, {}, ping4_csum(56, 0xffff)));
    c.push_back(echo4("v4_echo_csum_f7ff", {}, {}, ping4_csum(56, 0xf7ff)));
    c.push_back(echo4("v4_echo_csum_f8ff", {}, {}, ping4_csum(56, 0xf8ff)));
    c.push_back(echo4("v4_echo_csum_feff", {}, {}, ping4_csum(56, 0xfeff)));
    c.push_back(echo6("v6_echo_csum_0000", {}, {}, ping6_csum(56, 0x0000)));
    c.push_back(echo6("v6_echo_csum_ffff", {}, {}, ping6_csum(56, 0xffff)));

    // ---- refused ----------------------------------------------------------
    // #30: non-zero code: the kernel answers and keeps the code; padding not yet trimmed
    c.push_back(pass4("v4_echo_code_1", icmp4_frame({}, {}, ping4(56, 1)), IG_REASON_ECHO_CODE_NZ));
    c.push_back(pass6("v6_echo_code_255", icmp6_frame({}, {}, ping6(56, 255)), IG_REASON_ECHO_CODE_NZ));

    // #28 / #47 / E9: bad ICMP checksum, also tagged, or without the pseudo-header
    c.push_back(drop4("v4_echo_bad_csum_vlan", icmp4_frame({.vlans = {{0x8100, 0x0064}}}, {}, bad_csum4(56)),
                      IG_REASON_ICMP_BAD_CSUM));
    c.push_back(drop6("v6_echo_bad_csum_qinq",
                      icmp6_frame({.vlans = {{0x88a8, 0x0010}, {0x8100, 0x0064}}}, {}, bad_csum6(57)),
                      IG_REASON_ICMP_BAD_CSUM));
    {
        IcmpSpec s = ping6(56);
        s.checksum = [&] {  // the ICMPv4 way: no pseudo-header
            Bytes m = icmp4_message(s);
            return static_cast<uint16_t>(m[2] << 8 | m[3]);
        }();
        c.push_back(drop6("v6_echo_csum_no_pseudo_hdr", icmp6_frame({}, {}, s), IG_REASON_ICMP_BAD_CSUM));
    }
    // #69: checksum right only if the padding were summed
    c.push_back(drop4("v4_echo_csum_covers_padding", csum_covers_padding4(), IG_REASON_ICMP_BAD_CSUM));
    c.push_back(drop6("v6_echo_csum_covers_padding", csum_covers_padding6(), IG_REASON_ICMP_BAD_CSUM));

    // #24 / E3: broadcast and multicast destinations (smurf)
    c.push_back(drop4("v4_echo_limited_bcast", req4({.dst = "255.255.255.255"}, {.dst = kBroadcastMac}),
                      IG_REASON_ECHO_BCAST));
    c.push_back(drop4("v4_echo_multicast",
                      req4({.dst = "224.0.0.1"}, {.dst = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01}}),
                      IG_REASON_ECHO_BCAST));
    c.push_back(drop4("v4_echo_directed_bcast", req4({.dst = "198.51.100.255"}), IG_REASON_ECHO_BCAST));
    // the usual smurf frame: directed broadcast with the broadcast MAC (found by
    // this table and the daemon e2e test: it used to pass as l2_other_host)
    c.push_back(drop4("v4_echo_directed_bcast_bcast_mac",
                      req4({.dst = "198.51.100.255"}, {.dst = kBroadcastMac}), IG_REASON_ECHO_BCAST));
    c.push_back(drop6("v6_echo_all_nodes_other_mcast_mac",
                      req6({.dst = "ff02::1"}, {.dst = {0x33, 0x33, 0, 0, 0, 2}}), IG_REASON_ECHO_MCAST));
    // #50: IPv6 multicast and the subnet-router anycast
    c.push_back(drop6("v6_echo_all_nodes", req6({.dst = "ff02::1"}, {.dst = {0x33, 0x33, 0, 0, 0, 1}}),
                      IG_REASON_ECHO_MCAST));
    c.push_back(drop6("v6_echo_anycast", req6({.dst = "2001:db8::"}), IG_REASON_ECHO_MCAST));

    // #65: unicast frame for another station (promiscuous, bridge)
    c.push_back(pass4("v4_echo_other_host", req4({}, {.dst = kOtherHostMac}), IG_REASON_L2_OTHER_HOST));

    // #25: destination not local
    c.push_back(pass4("v4_echo_not_local", req4({.dst = "198.51.100.3"}), IG_REASON_DST_NOT_LOCAL));
    // #71: a tentative address is not in the local set (here: removed from it)
    c.push_back(pass6("v6_echo_tentative_addr", req6({}), IG_REASON_DST_NOT_LOCAL, [](BpfHarness& h) {
        auto a = IpAddress::parse("2001:db8::2");
        if (!a || !h.addresses().remove(*a)) throw std::runtime_error("cannot remove 2001:db8::2");
    }));

    // #23 / E4: martian IPv4 sources
    for (auto [name, src] : {std::pair{"zero", "0.0.0.0"}, {"loopback", "127.0.0.1"},
                             {"multicast", "224.0.0.5"}, {"reserved", "240.0.0.1"},
                             {"directed_bcast", "198.51.100.255"}, {"own_addr", "203.0.113.2"}})
        c.push_back(drop4(std::string("v4_echo_src_") + name, req4({.src = src}), IG_REASON_SRC_MARTIAN));
    // #48 / E4: martian IPv6 sources
    for (auto [name, src] : {std::pair{"unspec", "::"}, {"loopback", "::1"}, {"multicast", "ff02::1"},
                             {"v4_mapped", "::ffff:198.51.100.1"}, {"own_addr", "2001:db8::2"}})
        c.push_back(drop6(std::string("v6_echo_src_") + name, req6({.src = src}), IG_REASON_SRC_MARTIAN));

    // #49: destination ::
    c.push_back(drop6("v6_echo_dst_unspec", req6({.dst = "::"}), IG_REASON_DST6_UNSPEC));
    return c;
}

}  // namespace icmpguard::test

/*
 * DISAGREEMENTS: none open. v4_echo_directed_bcast_bcast_mac was one (the
 * program passed it as l2_other_host); fixed in bpf/lib/echo.h.
 */
