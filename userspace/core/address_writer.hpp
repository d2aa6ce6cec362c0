// AddressWriter: the only writer of the local_addrs map (this host's
// addresses as the program sees them on one interface), of its
// direct-mapped view addr_slots, and of the iface map (the interface's own
// MAC). The daemon's address sync drives it from netlink; tests drive it
// directly.
//
// addr_slots invariant (abi.h): every address in local_addrs sits in its
// slot, or the slot is marked as a collision. Each change rewrites the one
// slot it touches in three steps (collision marker, new address, final
// kind), so the program never reads a half-written slot as a match.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace icmpguard {

struct IpAddress {
    uint32_t family = 0;               // IG_FAMILY_IPV4 or IG_FAMILY_IPV6
    std::array<uint8_t, 16> bytes{};   // network order; IPv4 in bytes[0..3]

    // "198.51.100.1" or "2001:db8::1"; nullopt-like failure as Error.
    static Expected<IpAddress> parse(const std::string& text);
};

class AddressWriter {
public:
    // addr_slots_fd may be -1 for a writer that only sets the MAC.
    AddressWriter(int local_addrs_fd, int iface_fd, int addr_slots_fd = -1)
        : addrs_fd_(local_addrs_fd), iface_fd_(iface_fd), slots_fd_(addr_slots_fd) {}

    // kind: IG_ADDR_KIND_UNICAST, _BROADCAST (IPv4 directed broadcast) or _ANYCAST.
    Expected<void> add(const IpAddress& addr, uint8_t kind);
    Expected<void> remove(const IpAddress& addr);
    Expected<void> set_mac(const std::array<uint8_t, 6>& mac);

private:
    Expected<void> rebuild_slot(uint32_t slot);

    int addrs_fd_;
    int iface_fd_;
    int slots_fd_;
};

}  // namespace icmpguard
