// Link layer: EtherTypes, VLAN tags, MAC address rules (RFC-NOTES §4 rows 2–7).
#include "fixture_cases.hpp"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace icmpguard::test {
namespace {

const Mac kOtherHostMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x03};
const Mac kMcastMac4{0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};  // 224.0.0.1
const Mac kMcastMac6{0x33, 0x33, 0x00, 0x00, 0x00, 0x01};  // ff02::1

IcmpSpec ping4() { return IcmpSpec{.type = 8, .payload = pattern(56)}; }
IcmpSpec ping6() { return IcmpSpec{.type = 128, .payload = pattern(56)}; }

// ARP who-has 198.51.100.2 from the client.
Bytes arp_request() {
    return Bytes{0x00, 0x01, 0x08, 0x00, 6, 4, 0x00, 0x01,       // Ethernet/IPv4, request
                 0x02, 0x00, 0x00, 0x00, 0x00, 0x01, 198, 51, 100, 1,  // sender
                 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 198, 51, 100, 2};  // target
}

}  // namespace

std::vector<PacketCase> l2_cases() {
    std::vector<PacketCase> c;
    const auto not_ip = rl2(IG_REASON_L2_NOT_IP);

    // #2: not IP: pass without looking inside
    c.push_back(pass_case("l2_arp", eth_frame({.dst = kBroadcastMac}, 0x0806, arp_request(), 60), {not_ip}));
    // 802.3 length field (< 0x0600) with LLC (STP BPDU)
    c.push_back(pass_case("l2_8023_llc",
                          eth_frame({.dst = {0x01, 0x80, 0xc2, 0x00, 0x00, 0x00}}, 0x0026,
                                    {0x42, 0x42, 0x03, 0x00, 0x00, 0x00, 0x00}, 60),
                          {not_ip}));
    // #5: frame ends inside a tag, or right after a tag that announces another
    c.push_back(drop_case("l2_trunc_in_tag_15", eth_frame({}, 0x8100, {0x00}), {rl2(IG_REASON_L2_TRUNC)}));
    c.push_back(drop_case("l2_trunc_after_outer_tag", eth_frame({.vlans = {{0x88a8, 0x0010}}}, 0x8100, {}),
                          {rl2(IG_REASON_L2_TRUNC)}));
    // frame ends right after a complete tag announcing IPv4: nothing of the IP header (#9)
    c.push_back(drop_case("l2_vlan_then_nothing", eth_frame({.vlans = {{0x8100, 0x0064}}}, 0x0800, {}),
                          {rl2(IG_REASON_IP4_SHORT)}));

    // #4: more than two tags: the kernel decides
    c.push_back(pass_case("l2_vlan_3_tags",
                          icmp4_frame({.vlans = {{0x88a8, 1}, {0x8100, 2}, {0x8100, 3}}}, {}, ping4()),
                          {rl2(IG_REASON_VLAN_TOO_DEEP)}));
    c.push_back(pass_case("l2_vlan_3_tags_9100",
                          icmp6_frame({.vlans = {{0x9100, 1}, {0x9100, 2}, {0x9100, 3}}}, {}, ping6()),
                          {rl2(IG_REASON_VLAN_TOO_DEEP)}));

    // #7: group or own source MAC
    c.push_back(drop_case("l2_src_broadcast_v4", icmp4_frame({.src = kBroadcastMac}, {}, ping4()),
                          {v4(IG_ICMP4_ECHO_REQUEST, IG_ACTION_DROP), r4(IG_REASON_L2_BAD_SRC)}));
    c.push_back(drop_case("l2_src_multicast_v6", icmp6_frame({.src = kMcastMac6}, {}, ping6()),
                          {v6(IG_ICMP6_ECHO_REQUEST, IG_ACTION_DROP), r6(IG_REASON_L2_BAD_SRC)}));
    c.push_back(drop_case("l2_src_own_mac_v4", icmp4_frame({.src = kServerMac}, {}, ping4()),
                          {v4(IG_ICMP4_ECHO_REQUEST, IG_ACTION_DROP), r4(IG_REASON_L2_BAD_SRC)}));
    // applies to every ICMP type, not only echo: an echo reply from a group MAC
    c.push_back(drop_case("l2_src_multicast_echo_reply",
                          icmp4_frame({.src = kMcastMac4}, {}, IcmpSpec{.type = 0, .payload = pattern(8)}),
                          {v4(IG_ICMP4_ECHO_REPLY, IG_ACTION_DROP), r4(IG_REASON_L2_BAD_SRC)}));

    // #6: group destination MAC with a unicast IP destination (RFC 1122 §3.3.6)
    c.push_back(drop_case("l2_bcast_mac_unicast_ip_v4", icmp4_frame({.dst = kBroadcastMac}, {}, ping4()),
                          {v4(IG_ICMP4_ECHO_REQUEST, IG_ACTION_DROP), r4(IG_REASON_L2_BCAST_UCAST_IP)}));
    c.push_back(drop_case("l2_mcast_mac_unicast_ip_v6", icmp6_frame({.dst = kMcastMac6}, {}, ping6()),
                          {v6(IG_ICMP6_ECHO_REQUEST, IG_ACTION_DROP), r6(IG_REASON_L2_BCAST_UCAST_IP)}));
    c.push_back(drop_case("l2_bcast_mac_unicast_ip_vlan",
                          icmp4_frame({.dst = kBroadcastMac, .vlans = {{0x8100, 0x0064}}}, {}, ping4()),
                          {v4(IG_ICMP4_ECHO_REQUEST, IG_ACTION_DROP), r4(IG_REASON_L2_BCAST_UCAST_IP)}));
    // a group MAC with a group IP destination is fine: policy decides
    c.push_back(pass_case("l2_bcast_mac_limited_bcast_mask_req",
                          icmp4_frame({.dst = kBroadcastMac}, {.dst = "255.255.255.255"},
                                      IcmpSpec{.type = 17, .payload = Bytes(4, 0)}),
                          {v4(IG_ICMP4_ADDRESS_MASK_REQUEST, IG_ACTION_PASS), r4(IG_REASON_POLICY_PASS)}));
    // the directed broadcast is a group address only because the address map says so
    c.push_back(drop_case("l2_bcast_mac_directed_bcast_timestamp",
                          icmp4_frame({.dst = kBroadcastMac}, {.dst = "198.51.100.255"},
                                      IcmpSpec{.type = 13, .payload = Bytes(12, 0)}),
                          {v4(IG_ICMP4_TIMESTAMP_REQUEST, IG_ACTION_DROP), r4(IG_REASON_POLICY_DROP)}));

    // #65: another host's unicast MAC only matters to the echo responder
    c.push_back(pass_case("l2_other_host_echo_reply",
                          icmp4_frame({.dst = kOtherHostMac}, {}, IcmpSpec{.type = 0, .payload = pattern(56)}),
                          {v4(IG_ICMP4_ECHO_REPLY, IG_ACTION_PASS), r4(IG_REASON_POLICY_PASS)}));
    return c;
}

}  // namespace icmpguard::test
