// Address classes the checks and the echo rules ask about, and the lookup
// in the host's address set (the model of local_addrs / addr_slots).
#pragma once

#include <array>
#include <cstdint>

#include "model/model.hpp"

namespace icmpguard::model {

using Addr = std::array<uint8_t, 16>;  // IPv4 in [0..3], rest zero

// The kind (ig_addr_kind) of `addr` in the settings' address set, or
// IG_ADDR_KIND_NONE when it is not there.
uint8_t local_kind(const Settings& s, uint32_t family, const Addr& addr);

bool ip4_multicast(const Addr& a);        // 224.0.0.0/4 (RFC 5771)
bool ip4_limited_broadcast(const Addr& a);  // 255.255.255.255 (RFC 919)
bool ip4_martian_source(const Addr& a);   // E4: 0/8, 127/8, 224/4, 240/4

bool ip6_multicast(const Addr& a);    // ff00::/8 (RFC 4291 §2.7)
bool ip6_unspecified(const Addr& a);  // :: (RFC 4291 §2.5.2)
bool ip6_link_local(const Addr& a);   // fe80::/10 (RFC 4291 §2.5.6)
bool ip6_martian_source(const Addr& a);  // E4: ::, ::1, ff00::/8, ::ffff:0:0/96

}  // namespace icmpguard::model
