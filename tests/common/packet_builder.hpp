// Packet builder for tests: Ethernet (+ VLAN tags), IPv4 (+ options,
// fragments), IPv6 (+ extension headers), ICMPv4/ICMPv6.
//
// It is the tests' independent oracle: every checksum is computed here from
// scratch, byte by byte in network order (RFC 1071), sharing no code with
// bpf/lib/csum.h. Each field can be overridden to build invalid packets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace icmpguard::test {

using Bytes = std::vector<uint8_t>;
using Mac = std::array<uint8_t, 6>;

inline constexpr Mac kClientMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
inline constexpr Mac kServerMac{0x02, 0x00, 0x00, 0x00, 0x00, 0x02};
inline constexpr Mac kBroadcastMac{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

// RFC 1071 over bytes, big-endian words, odd byte padded with zero; returns
// the folded sum (not complemented). `initial` adds a pseudo-header sum.
uint16_t ones_sum(const uint8_t* data, size_t len, uint32_t initial = 0);
// The checksum to store: ~ones_sum. 0xffff for an all-zero message; otherwise
// never 0xffff (the canonical value of a full computation).
uint16_t internet_checksum(const uint8_t* data, size_t len, uint32_t initial = 0);
// The value of one free 16-bit word that makes a message verify with `stored`
// in its checksum field, given `sum_without` = ones_sum of the message with
// that word and the checksum field zero (pseudo-header included). All words
// must sum to all ones, so w = ~(S + stored). Every stored value is
// reachable, 0xffff included (which a full computation never produces).
uint16_t free_word_for_checksum(uint16_t sum_without, uint16_t stored);

// Sum of the IPv6 pseudo-header (RFC 8200 §8.1), unfolded.
uint32_t ip6_pseudo_sum(const std::array<uint8_t, 16>& src, const std::array<uint8_t, 16>& dst,
                        uint32_t upper_len, uint8_t next_header);

std::array<uint8_t, 4> ip4(const std::string& text);
std::array<uint8_t, 16> ip6(const std::string& text);

struct VlanTag {
    uint16_t tpid = 0x8100;
    uint16_t tci = 100;
};

struct EthSpec {
    Mac dst = kServerMac;
    Mac src = kClientMac;
    std::vector<VlanTag> vlans;
};

struct Ipv4Spec {
    std::string src = "198.51.100.1";
    std::string dst = "198.51.100.2";
    uint8_t version = 4;
    uint8_t tos = 0;
    uint16_t id = 0x1234;
    uint16_t flags_frag = 0x4000;  // host order: DF set, offset 0
    uint8_t ttl = 64;
    uint8_t protocol = 1;
    Bytes options;                  // appended after the fixed header (pad to 4 yourself)
    std::optional<uint8_t> ihl;     // override the computed IHL
    std::optional<uint16_t> tot_len;
    std::optional<uint16_t> checksum;
};

struct ExtHeader {
    uint8_t type = 60;  // 0 HBH, 43 routing, 44 fragment, 51 AH, 60 dest opts
    Bytes body;         // bytes after next-header (and length) fields; see ext_header_bytes()
    std::optional<uint8_t> hdrlen;  // override the length field
};

struct Ipv6Spec {
    std::string src = "2001:db8::1";
    std::string dst = "2001:db8::2";
    uint8_t version = 6;
    uint8_t traffic_class = 0;
    uint32_t flow_label = 0;
    uint8_t hop_limit = 64;
    uint8_t upper = 58;  // the protocol after the extension headers
    std::vector<ExtHeader> ext;
    std::optional<uint16_t> payload_len;
};

struct IcmpSpec {
    uint8_t type = 8;
    uint8_t code = 0;
    uint16_t id = 0x4242;
    uint16_t seq = 1;
    Bytes payload;  // after the 8-byte header
    std::optional<uint16_t> checksum;  // override the computed one
    // For non-echo messages the 4 bytes after the checksum are id/seq anyway:
    // set `rest` to give them explicitly (e.g. the PTB MTU).
    std::optional<std::array<uint8_t, 4>> rest;
};

// Well-formed extension headers of `total_len` bytes (multiple of 8, >= 8;
// 8 for a fragment header) with PadN options or zeros.
ExtHeader hop_by_hop(size_t total_len = 8);
ExtHeader dest_opts(size_t total_len = 8);
ExtHeader routing(uint8_t segments_left = 0, uint8_t routing_type = 4);
ExtHeader fragment(uint16_t offset_units = 0, bool more = false, uint32_t ident = 0x1234);
ExtHeader auth_header(size_t total_len = 12);  // AH: (hdrlen + 2) * 4 bytes

Bytes icmp4_message(const IcmpSpec& icmp);
Bytes icmp6_message(const IcmpSpec& icmp, const Ipv6Spec& ip);
Bytes ipv4_packet(const Ipv4Spec& ip, const Bytes& payload);
Bytes ipv6_packet(const Ipv6Spec& ip, const Bytes& payload);
// Ethernet frame; zero-padded to min_len (60 = Ethernet minimum without FCS).
Bytes eth_frame(const EthSpec& eth, uint16_t ethertype, const Bytes& l3, size_t min_len = 0);

// Whole frames.
Bytes icmp4_frame(const EthSpec& eth, const Ipv4Spec& ip, const IcmpSpec& icmp, size_t min_len = 0);
Bytes icmp6_frame(const EthSpec& eth, const Ipv6Spec& ip, const IcmpSpec& icmp, size_t min_len = 0);

// The reply RFC 792 / RFC 4443 §4.2 expect for a canonical echo request,
// built from the same specs (not from the program's output): MACs and
// addresses swapped, TTL/hop limit `ttl`, type 0/129, data unchanged, no
// padding, every checksum computed from scratch.
Bytes expected_echo4_reply(EthSpec eth, Ipv4Spec ip, IcmpSpec icmp, uint8_t ttl = 64);
Bytes expected_echo6_reply(EthSpec eth, Ipv6Spec ip, IcmpSpec icmp, uint8_t ttl = 64);

// Verifiers used as invariants on any output frame (ethertype after VLANs).
bool ip4_header_checksum_ok(const Bytes& frame, size_t l3_off);
bool icmp4_checksum_ok(const Bytes& frame, size_t l3_off);
bool icmp6_checksum_ok(const Bytes& frame, size_t l3_off);

std::string hex(const Bytes& b);
std::string hex16(uint32_t v);  // "0x1A2B"

}  // namespace icmpguard::test
