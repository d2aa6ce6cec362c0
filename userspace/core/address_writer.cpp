#include "core/address_writer.hpp"

#include <arpa/inet.h>

#include <cerrno>
#include <cstring>
#include <vector>

extern "C" {
#include <bpf/bpf.h>

#include "icmpguard/abi.h"
}

namespace icmpguard {
namespace {

ig_addr_key make_key(const IpAddress& addr) {
    ig_addr_key key{};  // zeroed: the hash compares padding too
    key.family = static_cast<__u8>(addr.family);
    std::memcpy(key.addr, addr.bytes.data(), addr.family == IG_FAMILY_IPV4 ? 4 : 16);
    return key;
}

}  // namespace

Expected<IpAddress> IpAddress::parse(const std::string& text) {
    IpAddress a;
    if (inet_pton(AF_INET, text.c_str(), a.bytes.data()) == 1) {
        a.family = IG_FAMILY_IPV4;
        return a;
    }
    if (inet_pton(AF_INET6, text.c_str(), a.bytes.data()) == 1) {
        a.family = IG_FAMILY_IPV6;
        return a;
    }
    return Error(EINVAL, "not an IPv4 or IPv6 address: \"" + text + "\"");
}

Expected<void> AddressWriter::add(const IpAddress& addr, uint8_t kind) {
    ig_addr_key key = make_key(addr);
    ig_addr_info info{};
    info.kind = kind;
    if (bpf_map_update_elem(addrs_fd_, &key, &info, BPF_ANY))
        return Error::from_errno(errno, "adding to local_addrs");
    return Ok{};
}

Expected<void> AddressWriter::remove(const IpAddress& addr) {
    ig_addr_key key = make_key(addr);
    if (bpf_map_delete_elem(addrs_fd_, &key) && errno != ENOENT)
        return Error::from_errno(errno, "removing from local_addrs");
    return Ok{};
}

Expected<void> AddressWriter::clear() {
    std::vector<ig_addr_key> keys;
    ig_addr_key key{}, next{};
    const void* prev = nullptr;
    while (bpf_map_get_next_key(addrs_fd_, prev, &next) == 0) {
        keys.push_back(next);
        key = next;
        prev = &key;
    }
    for (const auto& k : keys)
        if (bpf_map_delete_elem(addrs_fd_, &k) && errno != ENOENT)
            return Error::from_errno(errno, "clearing local_addrs");
    return Ok{};
}

Expected<void> AddressWriter::set_mac(const std::array<uint8_t, 6>& mac) {
    uint32_t zero = 0;
    ig_iface value{};
    std::memcpy(value.mac, mac.data(), 6);
    value.mac_known = 1;
    if (bpf_map_update_elem(iface_fd_, &zero, &value, BPF_ANY))
        return Error::from_errno(errno, "writing iface");
    return Ok{};
}

}  // namespace icmpguard
