// Facts about a network interface in the current network namespace, asked
// of the kernel directly (not /sys, which `nsenter --net` leaves pointing at
// the namespace it was mounted in).
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace icmpguard {

// The interface's hardware address (SIOCGIFHWADDR).
Expected<std::array<uint8_t, 6>> read_interface_mac(const std::string& name);

}  // namespace icmpguard
