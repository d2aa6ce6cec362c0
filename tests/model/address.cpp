#include "model/address.hpp"

namespace icmpguard::model {

uint8_t local_kind(const Settings& s, uint32_t family, const Addr& addr) {
    // The program's set is a hash map keyed by (family, 16 bytes): a later
    // write of the same key replaces an earlier one, so the last matching
    // entry wins. Kinds outside unicast / broadcast / anycast never mark an
    // address as ours.
    uint8_t kind = IG_ADDR_KIND_NONE;
    for (const LocalAddress& a : s.addrs) {
        if (a.family == family && a.addr == addr) kind = a.kind;
    }
    switch (kind) {
        case IG_ADDR_KIND_UNICAST:
        case IG_ADDR_KIND_BROADCAST:
        case IG_ADDR_KIND_ANYCAST:
            return kind;
        default:
            return IG_ADDR_KIND_NONE;
    }
}

bool ip4_multicast(const Addr& a) { return (a[0] & 0xf0) == 0xe0; }

bool ip4_limited_broadcast(const Addr& a) {
    return a[0] == 0xff && a[1] == 0xff && a[2] == 0xff && a[3] == 0xff;
}

bool ip4_martian_source(const Addr& a) {
    // RFC 1122 §3.2.1.3 / RFC 1812 §5.3.7: "this network" 0/8, loopback
    // 127/8 from the wire, multicast 224/4, reserved 240/4 (which holds
    // 255.255.255.255).
    return a[0] == 0 || a[0] == 127 || a[0] >= 224;
}

bool ip6_multicast(const Addr& a) { return a[0] == 0xff; }

bool ip6_unspecified(const Addr& a) {
    for (uint8_t b : a)
        if (b) return false;
    return true;
}

bool ip6_link_local(const Addr& a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }

bool ip6_martian_source(const Addr& a) {
    bool first_ten_zero = true;
    for (int i = 0; i < 10; ++i)
        if (a[i]) first_ten_zero = false;
    bool loopback = first_ten_zero && a[10] == 0 && a[11] == 0 && a[12] == 0 && a[13] == 0 &&
                    a[14] == 0 && a[15] == 1;
    bool v4_mapped = first_ten_zero && a[10] == 0xff && a[11] == 0xff;  // RFC 4291 §2.5.5.2
    return ip6_unspecified(a) || loopback || ip6_multicast(a) || v4_mapped;
}

}  // namespace icmpguard::model
