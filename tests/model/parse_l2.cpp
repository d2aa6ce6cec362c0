// Ethernet and VLAN tags (docs/architecture.md §1.1, RFC-NOTES §4 rows 1-5).
//
// Interpretations:
//   L2-1  A frame shorter than the 14-byte Ethernet header is l2_trunc
//         (RFC-NOTES row 1 calls it l2_short, which lists.h does not have).
//   L2-2  A tag is the 4 bytes after its TPID: TCI and the next EtherType.
//         A frame that ends inside them is l2_trunc. A frame that ends right
//         after a complete tag is not: the missing IP header is then
//         ip4_short / ip6_short (RFC-NOTES row 5 "or right after it" read as
//         "right after the TPID").
//   L2-3  A third TPID (0x8100, 0x88a8 or 0x9100 after two tags) is
//         vlan_too_deep without any bounds check of the third tag.
//   L2-4  These reasons, and l2_not_ip, are counted with family l2: no IP
//         header was recognised (nor for ip4/ip6_short and _bad_ver, V4-1).

#include "model/packet.hpp"

namespace icmpguard::model {
namespace {

constexpr int kMaxVlanTags = 2;

bool is_vlan_tpid(uint16_t t) { return t == 0x8100 || t == 0x88a8 || t == 0x9100; }

}  // namespace

uint32_t parse_l2(const FrameView& v, Packet& p, uint16_t& ethertype) {
    p.family = IG_FAMILY_L2;
    if (!v.has(0, kEthHeaderLen)) return IG_REASON_L2_TRUNC;
    size_t off = 12;  // the EtherType (or the first TPID)
    uint16_t type = v.be16(off);
    for (int tags = 0; is_vlan_tpid(type); ++tags) {
        if (tags == kMaxVlanTags) return IG_REASON_VLAN_TOO_DEEP;
        // TCI at off + 2, the encapsulated EtherType at off + 4.
        if (!v.has(off + 2, 4)) return IG_REASON_L2_TRUNC;
        off += 4;
        type = v.be16(off);
    }
    p.l3_off = off + 2;
    ethertype = type;
    if (type != kEthIpv4 && type != kEthIpv6) return IG_REASON_L2_NOT_IP;
    return IG_REASON_NONE;
}

}  // namespace icmpguard::model
