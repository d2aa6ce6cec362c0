#include "core/netdev.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/unique_fd.hpp"

namespace icmpguard {

Expected<std::array<uint8_t, 6>> read_interface_mac(const std::string& name) {
    UniqueFd fd(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd.valid()) return Error::from_errno(errno, "socket for SIOCGIFHWADDR");
    ifreq ifr{};
    std::memcpy(ifr.ifr_name, name.data(), std::min(name.size(), static_cast<size_t>(IFNAMSIZ - 1)));
    if (ioctl(fd.get(), SIOCGIFHWADDR, &ifr) != 0) return Error::from_errno(errno, "reading the MAC of " + name);
    std::array<uint8_t, 6> mac{};
    std::memcpy(mac.data(), ifr.ifr_hwaddr.sa_data, mac.size());
    return mac;
}

}  // namespace icmpguard
