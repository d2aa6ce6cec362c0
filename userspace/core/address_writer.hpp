// AddressWriter: the only writer of the local_addrs map (this host's
// addresses as the program sees them on one interface) and of the iface map
// (the interface's own MAC). The daemon's address sync drives it from
// netlink; tests drive it directly.
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
    AddressWriter(int local_addrs_fd, int iface_fd) : addrs_fd_(local_addrs_fd), iface_fd_(iface_fd) {}

    // kind: IG_ADDR_KIND_UNICAST, _BROADCAST (IPv4 directed broadcast) or _ANYCAST.
    Expected<void> add(const IpAddress& addr, uint8_t kind);
    Expected<void> remove(const IpAddress& addr);
    Expected<void> clear();
    Expected<void> set_mac(const std::array<uint8_t, 6>& mac);

private:
    int addrs_fd_;
    int iface_fd_;
};

}  // namespace icmpguard
