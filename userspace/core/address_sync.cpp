#include "core/address_sync.hpp"

#include "core/map_keys.hpp"
#include "core/netdev.hpp"

#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <set>
#include <tuple>

#include <libmnl/libmnl.h>

extern "C" {
#include <bpf/bpf.h>

#include "icmpguard/abi.h"
}

namespace icmpguard {
namespace {

int attr_cb(const nlattr* attr, void* data) {
    auto* a = static_cast<KernelAddress*>(data);
    size_t len = a->family == AF_INET ? 4 : 16;
    uint16_t type = mnl_attr_get_type(attr);
    auto copy = [&](std::array<uint8_t, 16>& dst, bool& flag) {
        if (mnl_attr_get_payload_len(attr) < len) return;
        std::memcpy(dst.data(), mnl_attr_get_payload(attr), len);
        flag = true;
    };
    if (type == IFA_ADDRESS) copy(a->addr, a->has_addr);
    else if (type == IFA_LOCAL) copy(a->local, a->has_local);
    else if (type == IFA_BROADCAST) copy(a->broadcast, a->has_broadcast);
    else if (type == IFA_FLAGS && mnl_attr_get_payload_len(attr) >= 4) a->flags = mnl_attr_get_u32(attr);
    return MNL_CB_OK;
}

int addr_cb(const nlmsghdr* nlh, void* data) {
    auto* out = static_cast<std::vector<KernelAddress>*>(data);
    const auto* ifa = static_cast<const ifaddrmsg*>(mnl_nlmsg_get_payload(nlh));
    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6) return MNL_CB_OK;
    KernelAddress a;
    a.ifindex = static_cast<int>(ifa->ifa_index);
    a.family = ifa->ifa_family;
    a.prefixlen = ifa->ifa_prefixlen;
    a.flags = ifa->ifa_flags;
    mnl_attr_parse(nlh, sizeof(*ifa), attr_cb, &a);
    out->push_back(a);
    return MNL_CB_OK;
}

Expected<std::vector<KernelAddress>> dump_addresses() {
    mnl_socket* nl = mnl_socket_open(NETLINK_ROUTE);
    if (!nl) return Error::from_errno(errno, "opening rtnetlink");
    std::vector<KernelAddress> out;
    auto close_nl = [&] { mnl_socket_close(nl); };
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int err = errno;
        close_nl();
        return Error::from_errno(err, "binding rtnetlink");
    }
    char buf[MNL_SOCKET_BUFFER_SIZE];
    nlmsghdr* nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = RTM_GETADDR;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    uint32_t seq = static_cast<uint32_t>(time(nullptr));
    nlh->nlmsg_seq = seq;
    auto* req = static_cast<ifaddrmsg*>(mnl_nlmsg_put_extra_header(nlh, sizeof(ifaddrmsg)));
    req->ifa_family = AF_UNSPEC;
    if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0) {
        int err = errno;
        close_nl();
        return Error::from_errno(err, "requesting the address dump");
    }
    uint32_t portid = mnl_socket_get_portid(nl);
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
        if (n < 0) {
            int err = errno;
            close_nl();
            return Error::from_errno(err, "reading the address dump");
        }
        int r = mnl_cb_run(buf, static_cast<size_t>(n), seq, portid, addr_cb, &out);
        if (r == MNL_CB_STOP) break;
        if (r < 0) {
            int err = errno;
            close_nl();
            return Error::from_errno(err, "parsing the address dump");
        }
    }
    close_nl();
    return out;
}

IpAddress to_ip(uint8_t af, const std::array<uint8_t, 16>& bytes) {
    IpAddress ip;
    ip.family = af == AF_INET ? IG_FAMILY_IPV4 : IG_FAMILY_IPV6;
    std::memcpy(ip.bytes.data(), bytes.data(), af == AF_INET ? 4 : 16);
    return ip;
}

bool is_loopback(const IpAddress& ip) {
    if (ip.family == IG_FAMILY_IPV4) return ip.bytes[0] == 127;
    static const std::array<uint8_t, 16> one{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    return ip.bytes == one;
}

bool is_link_local6(const IpAddress& ip) {
    return ip.family == IG_FAMILY_IPV6 && ip.bytes[0] == 0xfe && (ip.bytes[1] & 0xc0) == 0x80;
}

using EntryKey = std::tuple<uint32_t, std::array<uint8_t, 16>>;

std::map<EntryKey, uint8_t> entries_for(const std::vector<KernelAddress>& kernel, int ifindex) {
    std::map<EntryKey, uint8_t> want;
    auto put = [&](const IpAddress& ip, uint8_t kind) {
        // a unicast address always wins over an anycast/broadcast of the same value
        auto key = EntryKey{ip.family, ip.bytes};
        auto it = want.find(key);
        if (it == want.end() || kind == IG_ADDR_KIND_UNICAST) want[key] = kind;
    };
    for (const auto& a : kernel) {
        if (a.family == AF_INET) {
            IpAddress ip = to_ip(AF_INET, a.has_local ? a.local : a.addr);
            if ((!a.has_local && !a.has_addr) || is_loopback(ip)) continue;
            put(ip, IG_ADDR_KIND_UNICAST);
            if (a.has_broadcast) put(to_ip(AF_INET, a.broadcast), IG_ADDR_KIND_BROADCAST);
            // Linux treats the subnet's all-ones address as broadcast for
            // prefixes shorter than /31 whether or not IFA_BROADCAST was set
            // (fib_add_ifaddr), so a "ping -b" to it must never be answered.
            if (a.prefixlen < 31) {
                IpAddress bcast = ip;
                for (int bit = a.prefixlen; bit < 32; ++bit)
                    bcast.bytes[bit / 8] |= static_cast<uint8_t>(0x80 >> (bit % 8));
                put(bcast, IG_ADDR_KIND_BROADCAST);
            }
        } else {
            if (!a.has_addr) continue;
            if (a.flags & (IFA_F_TENTATIVE | IFA_F_DADFAILED)) continue;  // RFC 4862 §5.4
            IpAddress ip = to_ip(AF_INET6, a.addr);
            if (is_loopback(ip)) continue;
            if (is_link_local6(ip) && a.ifindex != ifindex) continue;
            put(ip, IG_ADDR_KIND_UNICAST);
            if (a.prefixlen < 127 && !is_link_local6(ip)) {  // subnet-router anycast, RFC 4291 §2.6.1
                IpAddress any = ip;
                for (int bit = a.prefixlen; bit < 128; ++bit)
                    any.bytes[bit / 8] &= static_cast<uint8_t>(~(0x80 >> (bit % 8)));
                if (any.bytes != ip.bytes) put(any, IG_ADDR_KIND_ANYCAST);
            }
        }
    }
    return want;
}

Expected<void> apply_to_map(const MapFds& maps, const std::map<EntryKey, uint8_t>& want) {
    const int fd = maps.local_addrs;
    // what the map holds now
    std::map<EntryKey, uint8_t> have;
    auto keys = map_keys<ig_addr_key>(fd, "local_addrs");
    if (!keys) return keys.error();
    for (const auto& k : *keys) {
        ig_addr_info info{};
        if (bpf_map_lookup_elem(fd, &k, &info) == 0) {
            std::array<uint8_t, 16> bytes{};
            std::memcpy(bytes.data(), k.addr, 16);
            have[{k.family, bytes}] = info.kind;
        }
    }
    AddressWriter writer(fd, maps.iface, maps.addr_slots);
    for (const auto& [k, kind] : want) {  // add first: no valid address is ever missing
        auto it = have.find(k);
        if (it != have.end() && it->second == kind) continue;
        IpAddress ip;
        ip.family = std::get<0>(k);
        ip.bytes = std::get<1>(k);
        if (auto r = writer.add(ip, kind); !r) return r;
    }
    for (const auto& [k, kind] : have) {
        if (want.count(k)) continue;
        IpAddress ip;
        ip.family = std::get<0>(k);
        ip.bytes = std::get<1>(k);
        if (auto r = writer.remove(ip); !r) return r;
    }
    return Ok{};
}

// The interface's current MAC into the iface map, if it changed (a bond's
// fail_over_mac, VRRP, `ip link set address`): the program compares frames
// against it, so a stale value would stop replies and drop the new owner's
// traffic as l2_bad_src.
Expected<void> refresh_mac(int ifindex, int iface_fd) {
    if (iface_fd < 0) return Ok{};
    char name[IF_NAMESIZE] = {};
    if (!if_indextoname(static_cast<unsigned>(ifindex), name)) return Ok{};  // gone: reconcile handles it
    auto read = read_interface_mac(name);
    if (!read) return read.error();
    const std::array<uint8_t, 6>& mac = *read;
    uint32_t zero = 0;
    ig_iface cur{};
    if (bpf_map_lookup_elem(iface_fd, &zero, &cur) == 0 && cur.mac_known && std::memcmp(cur.mac, mac.data(), 6) == 0)
        return Ok{};
    return AddressWriter(-1, iface_fd).set_mac(mac);
}

}  // namespace

std::vector<AddressEntry> desired_entries(const std::vector<KernelAddress>& kernel, int ifindex) {
    std::vector<AddressEntry> out;
    for (const auto& [k, kind] : entries_for(kernel, ifindex)) {
        AddressEntry e;
        e.addr.family = std::get<0>(k);
        e.addr.bytes = std::get<1>(k);
        e.kind = kind;
        out.push_back(e);
    }
    return out;
}

Expected<std::unique_ptr<AddressSync>> AddressSync::open() {
    mnl_socket* nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (!nl) return Error::from_errno(errno, "opening rtnetlink for address events");
    // address changes, and link changes (MAC address, re-created devices)
    if (mnl_socket_bind(nl, RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_LINK, MNL_SOCKET_AUTOPID) < 0) {
        int err = errno;
        mnl_socket_close(nl);
        return Error::from_errno(err, "subscribing to address events");
    }
    return std::unique_ptr<AddressSync>(new AddressSync(nl));
}

AddressSync::~AddressSync() { mnl_socket_close(events_); }

int AddressSync::fd() const { return mnl_socket_get_fd(events_); }

void AddressSync::add_target(int ifindex, const MapFds& maps) { targets_[ifindex] = maps; }
void AddressSync::remove_target(int ifindex) { targets_.erase(ifindex); }

Expected<std::vector<AddressEntry>> AddressSync::desired(int ifindex) {
    auto kernel = dump_addresses();
    if (!kernel) return kernel.error();
    return desired_entries(*kernel, ifindex);
}

Expected<void> AddressSync::resync() {
    auto kernel = dump_addresses();
    if (!kernel) return kernel.error();
    // every target gets its turn even if one fails; the errors are combined
    std::string errors;
    int code = 0;
    for (const auto& [ifindex, maps] : targets_) {
        if (auto r = apply_to_map(maps, entries_for(*kernel, ifindex)); !r) {
            errors += (errors.empty() ? "" : "; ") + r.error().wrap("ifindex " + std::to_string(ifindex)).message();
            code = r.error().code();
        }
        if (auto r = refresh_mac(ifindex, maps.iface); !r) {
            errors += (errors.empty() ? "" : "; ") + r.error().wrap("ifindex " + std::to_string(ifindex)).message();
            code = r.error().code();
        }
    }
    if (!errors.empty()) return Error(code, errors);
    return Ok{};
}

Expected<void> AddressSync::on_readable() {
    char buf[MNL_SOCKET_BUFFER_SIZE];
    bool changed = false;
    for (;;) {
        ssize_t n = mnl_socket_recvfrom(events_, buf, sizeof(buf));
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) break;
            if (errno == ENOBUFS) {  // events were lost: the dump below repairs everything
                changed = true;
                continue;
            }
            return Error::from_errno(errno, "reading address events");
        }
        if (n > 0) changed = true;  // every message on this socket is an address change
    }
    if (changed) return resync();
    return Ok{};
}

}  // namespace icmpguard
