// The reference model on hand-built frames: one case per reason of
// lists.h (rate limits and trim_failed aside), the reply bytes of tagged,
// padded echoes in both families, shadow mode, and the all-zero ICMPv4 echo.
// Frames come from tests/common/packet_builder (its own checksum code).
#include <gtest/gtest.h>

#include <functional>
#include <optional>
#include <random>
#include <string>

#include "common/packet_builder.hpp"
#include "model/model.hpp"

namespace icmpguard::model {
namespace {

namespace t = icmpguard::test;

constexpr uint32_t kDrop = 1, kPass = 2, kTx = 3;
constexpr uint32_t kV4 = IG_FAMILY_IPV4, kV6 = IG_FAMILY_IPV6, kL2 = IG_FAMILY_L2;

LocalAddress addr4(const std::string& text, uint8_t kind = IG_ADDR_KIND_UNICAST) {
    LocalAddress a;
    a.family = IG_FAMILY_IPV4;
    auto b = t::ip4(text);
    std::copy(b.begin(), b.end(), a.addr.begin());
    a.kind = kind;
    return a;
}

LocalAddress addr6(const std::string& text, uint8_t kind = IG_ADDR_KIND_UNICAST) {
    LocalAddress a;
    a.family = IG_FAMILY_IPV6;
    a.addr = t::ip6(text);
    a.kind = kind;
    return a;
}

// The lab of tests/common/bpf_harness.hpp, written out independently.
Settings lab() {
    Settings s;
    s.mac = t::kServerMac;
    s.addrs = {addr4("198.51.100.2"), addr4("203.0.113.2"), addr6("2001:db8::2"), addr6("fe80::2"),
               addr4("198.51.100.255", IG_ADDR_KIND_BROADCAST), addr6("2001:db8::", IG_ADDR_KIND_ANYCAST)};
    for (int c = 0; c < 256; ++c) {
        s.rule(kV4, 8, static_cast<uint8_t>(c)) = IG_ACTION_REPLY;
        s.rule(kV6, 128, static_cast<uint8_t>(c)) = IG_ACTION_REPLY;
        s.rule(kV4, 13, static_cast<uint8_t>(c)) = IG_ACTION_DROP;
        s.rule(kV6, 139, static_cast<uint8_t>(c)) = IG_ACTION_DROP;
    }
    return s;
}

t::EthSpec eth() { return {}; }
t::Ipv4Spec v4() { return {.src = "198.51.100.1", .dst = "198.51.100.2"}; }
t::Ipv6Spec v6() { return {.src = "2001:db8::1", .dst = "2001:db8::2"}; }
t::IcmpSpec echo4() { return {.type = 8, .payload = {1, 2, 3, 4, 5, 6, 7, 8}}; }
t::IcmpSpec echo6() { return {.type = 128, .payload = {1, 2, 3, 4, 5, 6, 7, 8}}; }

Bytes f4(t::EthSpec e, t::Ipv4Spec ip, t::IcmpSpec icmp, size_t min_len = 0) {
    return t::icmp4_frame(e, ip, icmp, min_len);
}
Bytes f6(t::EthSpec e, t::Ipv6Spec ip, t::IcmpSpec icmp, size_t min_len = 0) {
    return t::icmp6_frame(e, ip, icmp, min_len);
}

struct ReasonCase {
    std::string name;
    Bytes frame;
    uint32_t action;        // XDP_*
    uint32_t family;        // of the reason counter
    uint32_t reason;
    std::optional<uint32_t> type;  // the type counter (with pass/drop from the verdict), if any
    std::function<void(Settings&)> edit = nullptr;
};

std::ostream& operator<<(std::ostream& os, const ReasonCase& c) { return os << c.name; }

std::vector<ReasonCase> reason_cases() {
    std::vector<ReasonCase> cs;
    auto add = [&cs](ReasonCase c) { cs.push_back(std::move(c)); };

    // --- link layer
    add({"l2_trunc_short_frame", Bytes(13, 0x02), kDrop, kL2, IG_REASON_L2_TRUNC, {}});
    {
        t::EthSpec e = eth();
        e.vlans = {{0x8100, 5}};
        Bytes f = f4(e, v4(), echo4());
        f.resize(16);  // ends inside the tag
        add({"l2_trunc_in_tag", f, kDrop, kL2, IG_REASON_L2_TRUNC, {}});
    }
    {
        t::EthSpec e = eth();
        e.vlans = {{0x88a8, 1}, {0x8100, 2}, {0x8100, 3}};
        add({"vlan_too_deep", f4(e, v4(), echo4()), kPass, kL2, IG_REASON_VLAN_TOO_DEEP, {}});
    }
    add({"l2_not_ip_arp", t::eth_frame(eth(), 0x0806, Bytes(28, 0), 60), kPass, kL2,
         IG_REASON_L2_NOT_IP, {}});
    add({"l2_not_ip_8023_length", t::eth_frame(eth(), 0x0100, Bytes(46, 0)), kPass, kL2,
         IG_REASON_L2_NOT_IP, {}});
    {
        t::EthSpec e = eth();
        e.src = {0x03, 0, 0, 0, 0, 1};
        add({"l2_bad_src_group", f4(e, v4(), echo4()), kDrop, kV4, IG_REASON_L2_BAD_SRC, 8});
        e.src = t::kServerMac;
        add({"l2_bad_src_own_mac", f6(e, v6(), echo6()), kDrop, kV6, IG_REASON_L2_BAD_SRC, 128});
        add({"own_mac_src_ok_when_mac_unknown", f6(e, v6(), echo6()), kTx, 0, 0, 128,
             [](Settings& s) { s.mac_known = false; }});
    }
    {
        t::EthSpec e = eth();
        e.dst = t::kBroadcastMac;
        add({"l2_bcast_ucast_ip", f4(e, v4(), echo4()), kDrop, kV4, IG_REASON_L2_BCAST_UCAST_IP, 8});
        t::Ipv4Spec ip = v4();
        ip.dst = "198.51.100.255";
        // directed broadcast behind a broadcast MAC: l2 ok, the MAC rule
        // is for unicast MACs only (EC-1), then the address set says broadcast
        add({"directed_bcast_bcast_mac", f4(e, ip, echo4()), kDrop, kV4, IG_REASON_ECHO_BCAST, 8});
    }
    {
        t::EthSpec e = eth();
        e.dst = {0x02, 0, 0, 0, 0, 0x99};
        add({"l2_other_host", f4(e, v4(), echo4()), kPass, kV4, IG_REASON_L2_OTHER_HOST, 8});
        add({"other_host_ignored_when_mac_unknown", f4(e, v4(), echo4()), kTx, 0, 0, 8,
             [](Settings& s) { s.mac_known = false; }});
    }

    // --- IPv4
    add({"ip4_short", t::eth_frame(eth(), 0x0800, Bytes(19, 0x45)), kDrop, kL2, IG_REASON_IP4_SHORT, {}});
    {
        t::Ipv4Spec ip = v4();
        ip.version = 6;
        add({"ip4_bad_ver", f4(eth(), ip, echo4()), kDrop, kL2, IG_REASON_IP4_BAD_VER, {}});
    }
    {
        t::Ipv4Spec ip = v4();
        ip.protocol = 6;
        ip.ihl = 2;  // the protocol decides first (V4-2)
        add({"not_icmp_v4_tcp", t::eth_frame(eth(), 0x0800, t::ipv4_packet(ip, Bytes(20, 0))), kPass, kV4,
             IG_REASON_NOT_ICMP, {}});
    }
    {
        t::Ipv4Spec ip = v4();
        ip.ihl = 4;
        add({"ip4_bad_ihl", f4(eth(), ip, echo4()), kDrop, kV4, IG_REASON_IP4_BAD_IHL, {}});
    }
    {
        t::Ipv4Spec ip = v4();
        ip.ihl = 15;  // 60-byte header, 36 bytes present
        add({"ip4_trunc_hdr", f4(eth(), ip, echo4()), kDrop, kV4, IG_REASON_IP4_TRUNC_HDR, {}});
    }
    {
        t::Ipv4Spec ip = v4();
        ip.checksum = 0x1234;
        add({"ip4_bad_csum", f4(eth(), ip, echo4()), kDrop, kV4, IG_REASON_IP4_BAD_CSUM, {}});
    }
    {
        t::Ipv4Spec ip = v4();
        ip.tot_len = 19;
        add({"ip4_bad_len", f4(eth(), ip, echo4()), kDrop, kV4, IG_REASON_IP4_BAD_LEN, {}});
        ip.tot_len = 100;
        add({"ip4_trunc", f4(eth(), ip, echo4()), kDrop, kV4, IG_REASON_IP4_TRUNC, {}});
    }
    {
        t::Ipv4Spec ip = v4();
        ip.options = {1, 1, 1, 0};  // NOP NOP NOP EOL
        add({"ip4_opts_pass", f4(eth(), ip, echo4()), kPass, kV4, IG_REASON_IP4_OPTS_PASS, 8});
    }
    {
        t::Ipv4Spec ip = v4();
        ip.flags_frag = 0x2000;  // MF, offset 0
        add({"frag_pass_v4_first", f4(eth(), ip, echo4()), kPass, kV4, IG_REASON_FRAG_PASS, 8});
        ip.flags_frag = 0x0003;  // offset 24: never read as ICMP
        add({"frag_pass_v4_non_first", f4(eth(), ip, echo4()), kPass, kV4, IG_REASON_FRAG_PASS, {}});
        ip.flags_frag = 0x2000;  // a first fragment of another type is policy's
        add({"frag_first_non_echo_policy", f4(eth(), ip, {.type = 13}), kDrop, kV4, IG_REASON_POLICY_DROP, 13});
    }
    {
        t::Ipv4Spec ip = v4();
        Bytes l3 = t::ipv4_packet(ip, Bytes{8, 0, 0, 0, 0, 0, 0});  // 7-byte ICMP
        add({"icmp_short_v4", t::eth_frame(eth(), 0x0800, l3, 60), kDrop, kV4, IG_REASON_ICMP_SHORT, {}});
    }
    for (std::string src : {"0.1.2.3", "127.0.0.1", "224.0.0.1", "240.0.0.1", "255.255.255.255"}) {
        t::Ipv4Spec ip = v4();
        ip.src = src;
        add({"src_martian_v4_" + src, f4(eth(), ip, echo4()), kDrop, kV4, IG_REASON_SRC_MARTIAN, 8});
    }
    for (std::string src : {"198.51.100.2", "198.51.100.255", "203.0.113.2"}) {
        t::Ipv4Spec ip = v4();
        ip.src = src;
        add({"src_own_v4_" + src, f4(eth(), ip, echo4()), kDrop, kV4, IG_REASON_SRC_MARTIAN, 8});
    }
    {
        t::EthSpec e = eth();
        e.dst = {0x01, 0x00, 0x5e, 0, 0, 1};
        t::Ipv4Spec ip = v4();
        ip.dst = "224.0.0.1";
        add({"echo_bcast_multicast", f4(e, ip, echo4()), kDrop, kV4, IG_REASON_ECHO_BCAST, 8});
        e.dst = t::kBroadcastMac;
        ip.dst = "255.255.255.255";
        add({"echo_bcast_limited", f4(e, ip, echo4()), kDrop, kV4, IG_REASON_ECHO_BCAST, 8});
        ip.dst = "198.51.100.255";
        add({"echo_bcast_directed_own_mac", f4(eth(), ip, echo4()), kDrop, kV4, IG_REASON_ECHO_BCAST, 8});
    }
    {
        t::Ipv4Spec ip = v4();
        ip.dst = "192.0.2.7";
        add({"dst_not_local_v4", f4(eth(), ip, echo4()), kPass, kV4, IG_REASON_DST_NOT_LOCAL, 8});
    }
    {
        t::IcmpSpec icmp = echo4();
        icmp.code = 1;
        add({"echo_code_nz_v4", f4(eth(), v4(), icmp), kPass, kV4, IG_REASON_ECHO_CODE_NZ, 8});
        icmp = echo4();
        icmp.checksum = 0x1234;
        add({"icmp_bad_csum_v4", f4(eth(), v4(), icmp), kDrop, kV4, IG_REASON_ICMP_BAD_CSUM, 8});
    }
    {
        // Row 69: valid only if the padding were summed.
        t::IcmpSpec icmp = {.type = 8, .id = 0, .seq = 0};
        Bytes f = f4(eth(), v4(), icmp, 60);
        // stored checksum of the 8-byte message is ~0x0800 = 0xf7ff; make it
        // 0xf7fe and put 0x0001 in the padding: the frame sum would verify.
        size_t ic = 14 + 20;
        f[ic + 3] = 0xfe;
        f[59] = 0x01;
        add({"icmp_bad_csum_padding_excluded", f, kDrop, kV4, IG_REASON_ICMP_BAD_CSUM, 8});
    }
    add({"echo_disabled_v4", f4(eth(), v4(), echo4()), kPass, kV4, IG_REASON_ECHO_DISABLED, 8,
         [](Settings& s) { s.reply_enabled = false; }});
    {
        t::IcmpSpec icmp = echo4();
        icmp.payload.assign(4344, 0xab);  // 4352-byte message
        add({"echo_too_long_v4", f4(eth(), v4(), icmp), kPass, kV4, IG_REASON_ECHO_TOO_LONG, 8});
        icmp.payload.assign(4343, 0xab);  // 4351: answered
        add({"echo_longest_v4", f4(eth(), v4(), icmp), kTx, 0, 0, 8});
    }
    add({"policy_pass_v4_echo_reply", f4(eth(), v4(), {.type = 0}), kPass, kV4, IG_REASON_POLICY_PASS, 0});
    add({"policy_drop_v4_timestamp", f4(eth(), v4(), {.type = 13}), kDrop, kV4, IG_REASON_POLICY_DROP, 13});
    add({"policy_pass_reply_on_non_echo", f4(eth(), v4(), {.type = 14}), kPass, kV4, IG_REASON_POLICY_PASS, 14,
         [](Settings& s) { s.rule(kV4, 14, 0) = IG_ACTION_REPLY; }});
    add({"policy_drop_echo", f4(eth(), v4(), echo4()), kDrop, kV4, IG_REASON_POLICY_DROP, 8,
         [](Settings& s) { s.rule(kV4, 8, 0) = IG_ACTION_DROP; }});
    add({"policy_pass_echo", f6(eth(), v6(), echo6()), kPass, kV6, IG_REASON_POLICY_PASS, 128,
         [](Settings& s) { s.rule(kV6, 128, 0) = IG_ACTION_PASS | IG_RULE_F_NO_LIMIT; }});

    // --- IPv6
    add({"ip6_short", t::eth_frame(eth(), 0x86dd, Bytes(39, 0x60)), kDrop, kL2, IG_REASON_IP6_SHORT, {}});
    {
        t::Ipv6Spec ip = v6();
        ip.version = 4;
        add({"ip6_bad_ver", f6(eth(), ip, echo6()), kDrop, kL2, IG_REASON_IP6_BAD_VER, {}});
    }
    {
        t::Ipv6Spec ip = v6();
        ip.upper = 17;
        ip.payload_len = 0;
        add({"not_icmp_v6_udp", t::eth_frame(eth(), 0x86dd, t::ipv6_packet(ip, Bytes(8, 0))), kPass, kV6,
             IG_REASON_NOT_ICMP, {}});
        ip.upper = 6;
        ip.payload_len.reset();
        ip.ext = {t::dest_opts()};
        add({"not_icmp_v6_tcp_after_eh", t::eth_frame(eth(), 0x86dd, t::ipv6_packet(ip, Bytes(20, 0))), kPass,
             kV6, IG_REASON_NOT_ICMP, {}});
    }
    {
        t::Ipv6Spec ip = v6();
        ip.payload_len = 0;
        add({"ip6_jumbo", f6(eth(), ip, echo6()), kPass, kV6, IG_REASON_IP6_JUMBO, {}});
        ip.payload_len = 200;
        add({"ip6_trunc", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_IP6_TRUNC, {}});
    }
    {
        t::Ipv6Spec ip = v6();
        ip.ext = {t::dest_opts()};
        add({"ip6_eh_pass_destopts", f6(eth(), ip, echo6()), kPass, kV6, IG_REASON_IP6_EH_PASS, 128});
        ip.ext = {t::fragment(0, false)};
        add({"ip6_eh_pass_atomic_fragment", f6(eth(), ip, echo6()), kPass, kV6, IG_REASON_IP6_EH_PASS, 128});
        ip.ext = {t::hop_by_hop(), t::routing(0), t::auth_header(16)};
        add({"ip6_eh_pass_hbh_rh_ah", f6(eth(), ip, echo6()), kPass, kV6, IG_REASON_IP6_EH_PASS, 128});
        ip.ext = {t::fragment(0, true)};
        add({"frag_pass_v6_first", f6(eth(), ip, echo6()), kPass, kV6, IG_REASON_FRAG_PASS, 128});
        ip.ext = {t::fragment(10, false)};
        add({"frag_pass_v6_non_first", f6(eth(), ip, echo6()), kPass, kV6, IG_REASON_FRAG_PASS, {}});
    }
    {
        t::Ipv6Spec ip = v6();
        ip.ext.assign(9, t::dest_opts());
        add({"eh_too_many_9", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_EH_TOO_MANY, {}});
        ip.ext.assign(8, t::dest_opts());
        add({"eh_8_ok", f6(eth(), ip, echo6()), kPass, kV6, IG_REASON_IP6_EH_PASS, 128});
        ip.ext.assign(3, t::dest_opts());
        add({"eh_too_many_limit_2", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_EH_TOO_MANY, {},
             [](Settings& s) { s.max_ext_hdrs = 2; }});
    }
    {
        t::Ipv6Spec ip = v6();
        ip.ext = {t::dest_opts(), t::hop_by_hop()};
        add({"eh_hbh_not_first", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_EH_HBH_NOT_FIRST, {}});
    }
    {
        t::Ipv6Spec ip = v6();
        t::ExtHeader h = t::dest_opts();
        h.hdrlen = 10;  // 88 bytes claimed
        ip.ext = {h};
        add({"eh_trunc", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_EH_TRUNC, {}});
        ip.ext = {t::fragment(0, true), h};
        add({"frag_chain_incomplete", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_FRAG_CHAIN_INCOMPLETE, {}});
    }
    {
        t::Ipv6Spec ip = v6();
        ip.upper = 58;
        Bytes l3 = t::ipv6_packet(ip, Bytes{129, 0, 0, 0, 0, 0});
        add({"icmp_short_v6", t::eth_frame(eth(), 0x86dd, l3), kDrop, kV6, IG_REASON_ICMP_SHORT, {}});
    }
    {
        t::Ipv6Spec ip = v6();
        ip.src = "::";
        add({"src_martian_v6_unspec", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_SRC_MARTIAN, 128});
        ip.src = "::1";
        add({"src_martian_v6_loopback", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_SRC_MARTIAN, 128});
        ip.src = "::ffff:198.51.100.1";
        add({"src_martian_v6_mapped", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_SRC_MARTIAN, 128});
        ip.src = "ff02::1";
        add({"src_martian_v6_multicast", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_SRC_MARTIAN, 128});
        ip.src = "fe80::2";
        add({"src_own_v6", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_SRC_MARTIAN, 128});
    }
    {
        t::Ipv6Spec ip = v6();
        ip.dst = "ff02::1";
        t::EthSpec e = eth();
        e.dst = {0x33, 0x33, 0, 0, 0, 1};
        add({"echo_mcast_v6", f6(e, ip, echo6()), kDrop, kV6, IG_REASON_ECHO_MCAST, 128});
        ip.dst = "2001:db8::";
        add({"echo_mcast_v6_anycast", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_ECHO_MCAST, 128});
        ip.dst = "2001:db8::99";
        add({"dst_not_local_v6", f6(eth(), ip, echo6()), kPass, kV6, IG_REASON_DST_NOT_LOCAL, 128});
        ip.dst = "::";
        add({"dst6_unspec", f6(eth(), ip, echo6()), kDrop, kV6, IG_REASON_DST6_UNSPEC, 128});
    }
    {
        t::IcmpSpec icmp = echo6();
        icmp.code = 3;
        add({"echo_code_nz_v6", f6(eth(), v6(), icmp), kPass, kV6, IG_REASON_ECHO_CODE_NZ, 128});
        icmp = echo6();
        icmp.checksum = 0;
        add({"icmp_bad_csum_v6", f6(eth(), v6(), icmp), kDrop, kV6, IG_REASON_ICMP_BAD_CSUM, 128});
        add({"echo_disabled_v6", f6(eth(), v6(), echo6()), kPass, kV6, IG_REASON_ECHO_DISABLED, 128,
             [](Settings& s) { s.reply_enabled = false; }});
    }
    {
        // ND: NS with hop limit 64 / code 1 / a Fragment header; RA from a global source
        t::Ipv6Spec ip = v6();
        ip.hop_limit = 64;
        add({"nd_invalid_hop_limit", f6(eth(), ip, {.type = 135}), kDrop, kV6, IG_REASON_ND_INVALID, 135});
        ip.hop_limit = 255;
        add({"nd_valid_ns", f6(eth(), ip, {.type = 135}), kPass, kV6, IG_REASON_POLICY_PASS, 135});
        add({"nd_invalid_code", f6(eth(), ip, {.type = 135, .code = 1}), kDrop, kV6, IG_REASON_ND_INVALID, 135});
        add({"nd_invalid_ra_global_src", f6(eth(), ip, {.type = 134}), kDrop, kV6, IG_REASON_ND_INVALID, 134});
        ip.ext = {t::fragment(0, false)};
        add({"nd_invalid_atomic_frag", f6(eth(), ip, {.type = 136}), kDrop, kV6, IG_REASON_ND_INVALID, 136});
        ip.ext.clear();
        ip.hop_limit = 1;
        add({"nd_invalid_ind", f6(eth(), ip, {.type = 141, .code = 7}), kDrop, kV6, IG_REASON_ND_INVALID, 141});
        add({"nd_invalid_send", f6(eth(), ip, {.type = 149}), kDrop, kV6, IG_REASON_ND_INVALID, 149});
        // the checks beat the policy: even a pass rule cannot let it through
        add({"mld_invalid_query_global", f6(eth(), ip, {.type = 130}), kDrop, kV6, IG_REASON_MLD_INVALID, 130});
        ip.src = "::";
        add({"mld_report_unspec_ok", f6(eth(), ip, {.type = 143}), kPass, kV6, IG_REASON_POLICY_PASS, 143});
        add({"mld_invalid_query_unspec", f6(eth(), ip, {.type = 130}), kDrop, kV6, IG_REASON_MLD_INVALID, 130});
        ip.src = "fe80::1";
        add({"mrd_ok", f6(eth(), ip, {.type = 151}), kPass, kV6, IG_REASON_POLICY_PASS, 151});
        ip.hop_limit = 2;
        add({"mrd_invalid_hop", f6(eth(), ip, {.type = 152}), kDrop, kV6, IG_REASON_MRD_INVALID, 152});
        ip.src = "2001:db8::1";
        ip.hop_limit = 1;
        add({"mrd_invalid_src", f6(eth(), ip, {.type = 153}), kDrop, kV6, IG_REASON_MRD_INVALID, 153});
    }
    {
        std::array<uint8_t, 4> mtu1279{0, 0, 0x04, 0xff}, mtu1280{0, 0, 0x05, 0x00};
        add({"ptb_below_min", f6(eth(), v6(), {.type = 2, .rest = mtu1279}), kDrop, kV6,
             IG_REASON_PTB_BELOW_MIN, 2});
        add({"ptb_1280_ok", f6(eth(), v6(), {.type = 2, .rest = mtu1280}), kPass, kV6, IG_REASON_POLICY_PASS, 2});
    }
    add({"policy_drop_v6_node_info", f6(eth(), v6(), {.type = 139}), kDrop, kV6, IG_REASON_POLICY_DROP, 139});
    return cs;
}

class ModelReasons : public ::testing::TestWithParam<ReasonCase> {};

TEST_P(ModelReasons, VerdictAndCounters) {
    const ReasonCase& c = GetParam();
    Settings s = lab();
    if (c.edit) c.edit(s);
    Verdict v = decide(c.frame, s);
    EXPECT_EQ(v.xdp_action, c.action);
    if (c.action == kTx) {
        EXPECT_FALSE(v.has_reason);
        ASSERT_TRUE(v.has_type);
        EXPECT_EQ(v.type.action, uint32_t{IG_ACTION_REPLY});
        EXPECT_LE(v.out.size(), c.frame.size());
        return;
    }
    ASSERT_TRUE(v.has_reason);
    EXPECT_EQ(v.reason.family, c.family);
    EXPECT_EQ(v.reason.reason, c.reason);
    EXPECT_EQ(v.has_type, c.type.has_value());
    if (v.has_type && c.type) {
        EXPECT_EQ(v.type.family, c.family);
        EXPECT_EQ(v.type.type, *c.type);
        EXPECT_EQ(v.type.action, c.action == kDrop ? uint32_t{IG_ACTION_DROP} : uint32_t{IG_ACTION_PASS});
    }
    // only the echo path trims, and only right before its checksum test
    // (BadChecksumDropLeavesTrimmedFrame)
    if (c.reason != IG_REASON_ICMP_BAD_CSUM) {
        EXPECT_EQ(v.out, c.frame);
    }
}

INSTANTIATE_TEST_SUITE_P(Model, ModelReasons, ::testing::ValuesIn(reason_cases()),
                         [](const auto& info) {
                             std::string n = info.param.name;
                             for (char& ch : n)
                                 if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                             return n;
                         });

// Every reason of lists.h except the limiter's and trim_failed has a case.
TEST(Model, EveryReasonCovered) {
    std::vector<bool> seen(IG_REASON_COUNT, false);
    for (const auto& c : reason_cases())
        if (c.action != kTx) seen[c.reason] = true;
    for (uint32_t r = 1; r < IG_REASON_COUNT; ++r) {
        if (r == IG_REASON_TRIM_FAILED || r == IG_REASON_RL_SOURCE || r == IG_REASON_RL_TYPE ||
            r == IG_REASON_RL_TOTAL || r == IG_REASON_RL_SOURCE_FLOOD)
            continue;
        EXPECT_TRUE(seen[r]) << "no case for reason " << r;
    }
}

TEST(Model, ReplyV4TaggedPadded) {
    t::EthSpec e = eth();
    e.vlans = {{0x88a8, 7}, {0x8100, 100}};
    t::Ipv4Spec ip = v4();
    ip.tos = 0x28;
    ip.ttl = 3;
    t::IcmpSpec icmp = {.type = 8, .id = 0xbeef, .seq = 9, .payload = {0xde, 0xad, 0xbe}};  // odd length
    Bytes req = f4(e, ip, icmp, 80);
    ASSERT_EQ(req.size(), 80u);
    Settings s = lab();
    s.reply_ttl = 77;
    Verdict v = decide(req, s);
    ASSERT_EQ(v.xdp_action, kTx);
    EXPECT_EQ(v.out, t::expected_echo4_reply(e, ip, icmp, 77)) << t::hex(v.out);
    EXPECT_TRUE(v.has_type);
    EXPECT_EQ(v.type, (TypeCount{kV4, 8, IG_ACTION_REPLY}));
    EXPECT_FALSE(v.has_reason);
    size_t l3 = 14 + 8;
    EXPECT_TRUE(t::ip4_header_checksum_ok(v.out, l3));
    EXPECT_TRUE(t::icmp4_checksum_ok(v.out, l3));
}

TEST(Model, ReplyV6TaggedPadded) {
    t::EthSpec e = eth();
    e.vlans = {{0x8100, 42}};
    t::Ipv6Spec ip = v6();
    ip.dst = "fe80::2";
    ip.src = "fe80::1";
    ip.traffic_class = 0xb8;
    ip.flow_label = 0xabcde;
    ip.hop_limit = 1;
    t::IcmpSpec icmp = {.type = 128, .id = 7, .seq = 0xffff, .payload = Bytes(33, 0x5a)};
    Bytes req = f6(e, ip, icmp, 200);
    Settings s = lab();
    Verdict v = decide(req, s);
    ASSERT_EQ(v.xdp_action, kTx);
    EXPECT_EQ(v.out, t::expected_echo6_reply(e, ip, icmp, 64)) << t::hex(v.out);
    EXPECT_EQ(v.type, (TypeCount{kV6, 128, IG_ACTION_REPLY}));
    EXPECT_FALSE(v.has_reason);
    EXPECT_TRUE(t::icmp6_checksum_ok(v.out, 18));
}

TEST(Model, AllZeroIcmp4EchoRepliesWithFFFF) {
    t::IcmpSpec icmp = {.type = 8, .id = 0, .seq = 0};
    Bytes req = f4(eth(), v4(), icmp, 60);
    Verdict v = decide(req, lab());
    ASSERT_EQ(v.xdp_action, kTx);
    ASSERT_EQ(v.out.size(), 14u + 28u);
    EXPECT_EQ(v.out[14 + 20 + 2], 0xff);
    EXPECT_EQ(v.out[14 + 20 + 3], 0xff);
    EXPECT_EQ(v.out, t::expected_echo4_reply(eth(), v4(), icmp, 64));
}

TEST(Model, ChecksumEdgeValuesReplyEqualsFullRecompute) {
    // Requests whose stored checksum takes edge values (RFC-NOTES row 29):
    // solve the data word so the message verifies with that value.
    for (uint32_t stored : {0x0000u, 0xffffu, 0xf7ffu, 0xf8ffu, 0xfeffu, 0x0800u}) {
        t::IcmpSpec icmp = {.type = 8, .id = 0x1111, .seq = 2, .payload = {0, 0}};
        Bytes m = t::icmp4_message(icmp);
        m[2] = m[3] = 0;
        uint16_t w = t::free_word_for_checksum(t::ones_sum(m.data(), m.size()), static_cast<uint16_t>(stored));
        icmp.payload = {static_cast<uint8_t>(w >> 8), static_cast<uint8_t>(w)};
        icmp.checksum = static_cast<uint16_t>(stored);
        Bytes req = f4(eth(), v4(), icmp);
        ASSERT_TRUE(t::icmp4_checksum_ok(req, 14)) << stored;
        Verdict v = decide(req, lab());
        ASSERT_EQ(v.xdp_action, kTx) << stored;
        icmp.checksum.reset();
        EXPECT_EQ(v.out, t::expected_echo4_reply(eth(), v4(), icmp, 64)) << t::hex16(stored);
    }
}

TEST(Model, ShadowWouldReplyPassesTrimmed) {
    Bytes req = f4(eth(), v4(), echo4(), 60);
    Bytes unpadded = f4(eth(), v4(), echo4());
    ASSERT_GT(req.size(), unpadded.size());
    Settings s = lab();
    s.shadow = true;
    Verdict v = decide(req, s);
    EXPECT_EQ(v.xdp_action, kPass);
    EXPECT_EQ(v.out, unpadded);
    EXPECT_TRUE(v.has_type);
    EXPECT_EQ(v.type, (TypeCount{kV4, 8, IG_ACTION_WOULD_REPLY}));
    EXPECT_FALSE(v.has_reason);
}

TEST(Model, ShadowWouldDropPolicyAndChecks) {
    Settings s = lab();
    s.shadow = true;
    Bytes ts = f4(eth(), v4(), {.type = 13});
    Verdict v = decide(ts, s);
    EXPECT_EQ(v.xdp_action, kPass);
    EXPECT_EQ(v.out, ts);
    EXPECT_EQ(v.type, (TypeCount{kV4, 13, IG_ACTION_WOULD_DROP}));
    EXPECT_EQ(v.reason, (ReasonCount{kV4, IG_REASON_POLICY_DROP}));

    t::Ipv6Spec ip = v6();
    ip.hop_limit = 3;
    Bytes ns = f6(eth(), ip, {.type = 135});
    v = decide(ns, s);
    EXPECT_EQ(v.xdp_action, kPass);
    EXPECT_EQ(v.type, (TypeCount{kV6, 135, IG_ACTION_WOULD_DROP}));
    EXPECT_EQ(v.reason, (ReasonCount{kV6, IG_REASON_ND_INVALID}));

    // a drop before the type is read: reason only
    t::Ipv4Spec bad = v4();
    bad.checksum = 1;
    v = decide(f4(eth(), bad, echo4()), s);
    EXPECT_EQ(v.xdp_action, kPass);
    EXPECT_FALSE(v.has_type);
    EXPECT_EQ(v.reason, (ReasonCount{kV4, IG_REASON_IP4_BAD_CSUM}));

    // a pass stays a pass
    v = decide(f4(eth(), v4(), {.type = 0}), s);
    EXPECT_EQ(v.type, (TypeCount{kV4, 0, IG_ACTION_PASS}));
    EXPECT_EQ(v.reason, (ReasonCount{kV4, IG_REASON_POLICY_PASS}));
}

TEST(Model, BadChecksumDropLeavesTrimmedFrame) {
    t::IcmpSpec icmp = echo4();
    icmp.checksum = 0x1234;
    Bytes req = f4(eth(), v4(), icmp, 60);
    Verdict v = decide(req, lab());
    EXPECT_EQ(v.xdp_action, kDrop);
    EXPECT_EQ(v.out, f4(eth(), v4(), icmp));
}

// Every prefix of a few valid frames, and random bytes behind a valid
// Ethernet/IP start: decide() never reads outside the frame (ASan/UBSan in
// the fuzz build), never answers with a longer frame.
TEST(Model, TruncationsAndNoiseAreSafe) {
    t::Ipv6Spec ip6 = v6();
    ip6.ext = {t::hop_by_hop(16), t::fragment(0, true), t::auth_header(12)};
    t::EthSpec e = eth();
    e.vlans = {{0x8100, 1}, {0x88a8, 2}};
    std::vector<Bytes> frames = {f4(e, v4(), echo4(), 90), f6(e, v6(), echo6(), 120), f6(eth(), ip6, echo6())};
    Settings s = lab();
    for (const Bytes& full : frames) {
        for (size_t n = 0; n <= full.size(); ++n) {
            Bytes f(full.begin(), full.begin() + static_cast<long>(n));
            Verdict v = decide(f, s);
            EXPECT_LE(v.out.size(), f.size());
            EXPECT_TRUE(v.has_reason || v.has_type);
        }
    }
    std::mt19937 rng(7);
    for (int i = 0; i < 20000; ++i) {
        Bytes f = frames[i % frames.size()];
        f.resize(rng() % (f.size() + 8));
        for (int k = 0; k < 4 && !f.empty(); ++k) f[rng() % f.size()] = static_cast<uint8_t>(rng());
        s.max_ext_hdrs = static_cast<uint8_t>(rng() % 10);
        Verdict v = decide(f, s);
        EXPECT_LE(v.out.size(), f.size());
        if (v.xdp_action == kTx) {
            EXPECT_TRUE(v.has_type && !v.has_reason);
        }
    }
}

// Which packets meet the rate limiter (ML-1..ML-5 in model.cpp), from
// docs/architecture.md §1.4a and docs/rate-limiting.md §1-2.
TEST(Model, LimiterOffMeetsNothing) {
    EXPECT_FALSE(decide(f4(eth(), v4(), echo4()), lab()).meets_limiter);
    EXPECT_FALSE(decide(f4(eth(), v4(), {.type = 3, .code = 3}), lab()).meets_limiter);
}

TEST(Model, LimiterWhoMeetsIt) {
    Settings s = lab();
    s.limiter_on = true;
    auto meets = [&](const Bytes& f, uint32_t cls) {
        Verdict v = decide(f, s);
        return v.meets_limiter && v.limiter_class == cls;
    };
    auto misses = [&](const Bytes& f) { return !decide(f, s).meets_limiter; };
    // echo requests XDP would answer: class echo, the verdict unchanged
    Verdict v = decide(f4(eth(), v4(), echo4()), s);
    EXPECT_TRUE(v.meets_limiter);
    EXPECT_EQ(v.limiter_class, uint32_t{IG_RL_ECHO});
    EXPECT_EQ(v.xdp_action, kTx);
    EXPECT_TRUE(meets(f6(eth(), v6(), echo6()), IG_RL_ECHO));
    // ... before the checksum: a bad one meets it too
    t::IcmpSpec bad = echo4();
    bad.checksum = 0x1234;
    v = decide(f4(eth(), v4(), bad), s);
    EXPECT_TRUE(v.meets_limiter);
    EXPECT_EQ(v.reason, (ReasonCount{kV4, IG_REASON_ICMP_BAD_CSUM}));
    // echo requests handed to the kernel: class echo
    EXPECT_TRUE(meets(f4(eth(), v4(), {.type = 8, .code = 1}), IG_RL_ECHO));  // echo_code_nz
    t::Ipv4Spec opts = v4();
    opts.options = {1, 1, 1, 0};
    EXPECT_TRUE(meets(f4(eth(), opts, echo4()), IG_RL_ECHO));  // ip4_opts_pass
    t::Ipv4Spec first_frag = v4();
    first_frag.flags_frag = 0x2000;
    EXPECT_TRUE(meets(f4(eth(), first_frag, echo4()), IG_RL_ECHO));  // frag_pass, type read
    t::Ipv6Spec eh = v6();
    eh.ext = {t::dest_opts()};
    EXPECT_TRUE(meets(f6(eth(), eh, echo6()), IG_RL_ECHO));  // ip6_eh_pass
    Settings off = s;
    off.reply_enabled = false;
    v = decide(f4(eth(), v4(), echo4()), off);
    EXPECT_TRUE(v.meets_limiter && v.limiter_class == IG_RL_ECHO);  // echo_disabled
    Settings pass_echo = s;
    for (int c = 0; c < 256; ++c) pass_echo.rule(kV4, 8, static_cast<uint8_t>(c)) = IG_ACTION_PASS;
    v = decide(f4(eth(), v4(), echo4()), pass_echo);
    EXPECT_TRUE(v.meets_limiter && v.limiter_class == IG_RL_ECHO);  // policy_pass of an echo
    // other ICMP passed to the kernel for this host: class other
    EXPECT_TRUE(meets(f4(eth(), v4(), {.type = 3, .code = 3}), IG_RL_OTHER));
    EXPECT_TRUE(meets(f4(eth(), v4(), {.type = 0}), IG_RL_OTHER));
    EXPECT_TRUE(meets(f4(eth(), {.dst = "224.0.0.1"}, {.type = 9}), IG_RL_OTHER));  // multicast group
    EXPECT_TRUE(meets(f4(eth(), {.dst = "198.51.100.255"}, {.type = 0}), IG_RL_OTHER));  // directed broadcast
    EXPECT_TRUE(meets(f6(eth(), v6(), {.type = 1}), IG_RL_OTHER));

    // never: drops, transit, another station, before the type, no-limit rules
    EXPECT_TRUE(misses(f4(eth(), v4(), {.type = 13})));                       // policy_drop
    EXPECT_TRUE(misses(f4(eth(), {.dst = "192.0.2.9"}, {.type = 3, .code = 3})));  // transit
    EXPECT_TRUE(misses(f4(eth(), {.dst = "192.0.2.9"}, echo4())));           // dst_not_local
    EXPECT_TRUE(misses(f4({.dst = {0x02, 0, 0, 0, 0, 0x03}}, v4(), echo4())));  // l2_other_host
    EXPECT_TRUE(misses(f4({.dst = {0x02, 0, 0, 0, 0, 0x03}}, v4(), {.type = 3, .code = 3})));
    t::Ipv4Spec later_frag = v4();
    later_frag.flags_frag = 0x0010;
    EXPECT_TRUE(misses(f4(eth(), later_frag, echo4())));  // frag_pass before the type is read
    Settings shadow = s;
    shadow.shadow = true;
    EXPECT_FALSE(decide(f4(eth(), v4(), {.type = 13}), shadow).meets_limiter);  // would_drop
    EXPECT_TRUE(decide(f4(eth(), v4(), echo4()), shadow).meets_limiter);       // would_reply
    Settings exempt = s;
    exempt.rule(kV4, 3, 4) |= IG_RULE_F_NO_LIMIT;
    exempt.rule(kV4, 8, 0) |= IG_RULE_F_NO_LIMIT;
    EXPECT_FALSE(decide(f4(eth(), v4(), {.type = 3, .code = 4}), exempt).meets_limiter);
    EXPECT_TRUE(decide(f4(eth(), v4(), {.type = 3, .code = 3}), exempt).meets_limiter);
    v = decide(f4(eth(), v4(), echo4()), exempt);
    EXPECT_FALSE(v.meets_limiter);
    EXPECT_EQ(v.xdp_action, kTx);  // the flag changes nothing else
    EXPECT_TRUE(decide(f4(eth(), v4(), {.type = 8, .code = 1}), exempt).meets_limiter);  // other code: no flag
}

}  // namespace
}  // namespace icmpguard::model
