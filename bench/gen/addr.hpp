// Addresses and prefixes for icmpguard_gen, and the network-safety rules:
// the generator only ever writes documentation / benchmarking addresses, so
// a mistyped command cannot flood a real network.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace gen {

struct Addr {
    int family = 4;                 // 4 or 6
    std::array<uint8_t, 16> b{};    // IPv4 in the first 4 bytes, network order
    size_t len() const { return family == 4 ? 4 : 16; }
};

struct Prefix {
    Addr net;
    int bits = 0;
};

Addr parse_addr(const std::string& opt, const std::string& text);
// "ADDR/LEN" with no host bits set.
Prefix parse_prefix(const std::string& opt, const std::string& text);
std::string to_string(const Addr& a);
std::string to_string(const Prefix& p);
bool within(const Addr& a, const Prefix& p);

// --src / --dst: 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15 or
// 2001:db8::/32, of the family asked for; dies otherwise.
void require_lab_address(const std::string& opt, const Addr& a, int family);
// --random-src: inside 198.18.0.0/15 (-4) or 2001:db8::/32 (-6); dies otherwise.
void require_random_prefix(const std::string& opt, const Prefix& p, int family);

}  // namespace gen
