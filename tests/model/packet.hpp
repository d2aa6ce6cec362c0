// What the model's stages learn about one frame, and the stages themselves.
// Internal to the model (decide() in model.cpp is the only caller).
//
// Every stage returns IG_REASON_NONE to go on, or the ig_reason that
// decides the frame (docs/architecture.md §1: the first failure decides).
// Offsets are absolute positions in the frame.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#include "model/frame_view.hpp"
#include "model/model.hpp"

namespace icmpguard::model {

inline constexpr uint16_t kEthIpv4 = 0x0800;
inline constexpr uint16_t kEthIpv6 = 0x86dd;
inline constexpr size_t kEthHeaderLen = 14;
inline constexpr size_t kIcmpHeaderLen = 8;
inline constexpr uint8_t kProtoIcmp = 1;
inline constexpr uint8_t kProtoTcp = 6;
inline constexpr uint8_t kProtoUdp = 17;
inline constexpr uint8_t kProtoIcmp6 = 58;

struct Packet {
    uint32_t family = IG_FAMILY_L2;  // ipv4 / ipv6 once the version check passed
    size_t l3_off = 0;               // after Ethernet and VLAN tags
    size_t ip_len = 0;               // the IP datagram: tot_len, or 40 + payload_len

    // IP addresses in network order; IPv4 in [0..3], the rest zero (the
    // layout of the local-address map's key).
    std::array<uint8_t, 16> src{};
    std::array<uint8_t, 16> dst{};

    // IPv4
    size_t ip4_hdr_len = 0;
    bool ip4_more_fragments = false;  // MF set (the offset is 0 by then)

    // IPv6
    uint8_t hop_limit = 0;
    unsigned ext_headers = 0;     // extension headers walked
    bool frag_header = false;     // a Fragment header was seen (atomic ones included)
    bool frag_more = false;       // ... with M = 1 (a first fragment)

    // ICMP, valid once type_read
    bool type_read = false;
    size_t icmp_off = 0;
    size_t icmp_len = 0;  // to the end of the IP datagram, padding excluded
    uint8_t type = 0;
    uint8_t code = 0;
};

// parse_l2.cpp: Ethernet and up to two VLAN tags; sets l3_off and returns
// the EtherType of the payload in `ethertype`.
uint32_t parse_l2(const FrameView& v, Packet& p, uint16_t& ethertype);
// parse_ipv4.cpp / parse_ipv6.cpp: the IP header(s) up to the ICMP type.
uint32_t parse_ipv4(const FrameView& v, Packet& p);
uint32_t parse_ipv6(const FrameView& v, const Settings& s, Packet& p);

// checks.cpp: the receive-side checks that run on every ICMP packet before
// policy and that policy cannot relax (docs/architecture.md §1.2).
uint32_t check_l2(const FrameView& v, const Settings& s, const Packet& p);
uint32_t check_icmp6(const FrameView& v, const Packet& p);

// echo.cpp: the echo responder (docs/architecture.md §1.4).
bool is_echo_request(const Packet& p);
// The rules of the §1.4 table up to and including echo_too_long.
uint32_t echo_rules(const FrameView& v, const Settings& s, const Packet& p);
// The ICMP checksum over the IP length (ICMPv6 with the pseudo-header), on
// the frame with its link padding already cut.
bool echo_checksum_ok(const FrameView& trimmed, const Packet& p);
// The reply to `trimmed`, every checksum computed from scratch.
Bytes build_reply(const Bytes& trimmed, const Packet& p, const Settings& s);

}  // namespace icmpguard::model
