#include "core/address_writer.hpp"
#include "core/map_keys.hpp"

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


Expected<void> AddressWriter::rebuild_slot(uint32_t slot) {
    if (slots_fd_ < 0) return Error(EINVAL, "no addr_slots map given to AddressWriter");
    auto keys = map_keys<ig_addr_key>(addrs_fd_, "local_addrs");  // small: <= 4096
    if (!keys) return keys.error();
    ig_addr_slot want{};  // empty: kind none
    int users = 0;
    for (const auto& k : *keys) {
        if (ig_addr_slot_index(&k) != slot) continue;
        ig_addr_info info{};
        if (bpf_map_lookup_elem(addrs_fd_, &k, &info)) continue;
        if (++users == 1) {
            std::memcpy(want.addr, k.addr, sizeof(want.addr));
            want.family = k.family;
            want.kind = info.kind;
        }
    }
    if (users > 1) {
        want = ig_addr_slot{};
        want.kind = IG_ADDR_SLOT_COLLISION;
    }

    // three steps, so no reader ever sees a half-written slot as a match:
    // 1. mark it a collision (readers go to the hash), keeping its bytes
    ig_addr_slot cur{};
    if (bpf_map_lookup_elem(slots_fd_, &slot, &cur)) return Error::from_errno(errno, "reading addr_slots");
    cur.kind = IG_ADDR_SLOT_COLLISION;
    if (bpf_map_update_elem(slots_fd_, &slot, &cur, BPF_ANY)) return Error::from_errno(errno, "writing addr_slots");
    // 2. the new address and family, still marked
    ig_addr_slot mid = want;
    mid.kind = IG_ADDR_SLOT_COLLISION;
    if (bpf_map_update_elem(slots_fd_, &slot, &mid, BPF_ANY)) return Error::from_errno(errno, "writing addr_slots");
    // 3. the final kind: only this byte differs from step 2
    if (bpf_map_update_elem(slots_fd_, &slot, &want, BPF_ANY)) return Error::from_errno(errno, "writing addr_slots");
    return Ok{};
}

Expected<void> AddressWriter::add(const IpAddress& addr, uint8_t kind) {
    ig_addr_key key = make_key(addr);
    ig_addr_info info{};
    info.kind = kind;
    if (bpf_map_update_elem(addrs_fd_, &key, &info, BPF_ANY))
        return Error::from_errno(errno, "adding to local_addrs");
    return rebuild_slot(ig_addr_slot_index(&key));
}

Expected<void> AddressWriter::remove(const IpAddress& addr) {
    ig_addr_key key = make_key(addr);
    // mark the slot first, so the program consults the hash (and no longer
    // finds the address) from the moment the entry goes, not a moment later
    if (slots_fd_ >= 0) {
        uint32_t slot = ig_addr_slot_index(&key);
        ig_addr_slot cur{};
        if (bpf_map_lookup_elem(slots_fd_, &slot, &cur) == 0 && cur.kind != IG_ADDR_SLOT_COLLISION) {
            cur.kind = IG_ADDR_SLOT_COLLISION;
            if (bpf_map_update_elem(slots_fd_, &slot, &cur, BPF_ANY))
                return Error::from_errno(errno, "writing addr_slots");
        }
    }
    if (bpf_map_delete_elem(addrs_fd_, &key) && errno != ENOENT)
        return Error::from_errno(errno, "removing from local_addrs");
    return rebuild_slot(ig_addr_slot_index(&key));
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
