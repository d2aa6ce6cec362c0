// Checks on every ICMP packet, before policy and beyond its reach
// (docs/architecture.md §1.2, RFC-NOTES §2.1 and §4 rows 6, 7, 49-54).
//
// Interpretations:
//   CK-1  l2_bad_src comes before l2_bcast_ucast_ip (the order of the
//         architecture table; RFC-NOTES §3.2 lists the destination first).
//   CK-2  mac_known = false disables both uses of the interface MAC: the
//         "source is our own MAC" half of l2_bad_src and, in echo.cpp,
//         l2_other_host. A group source MAC is l2_bad_src regardless.
//   CK-3  "IP destination is unicast" for l2_bcast_ucast_ip: IPv4 not
//         224/4, not 255.255.255.255 and not a directed broadcast of the
//         address set (kind broadcast); 240/4 and 0.0.0.0 count as unicast.
//         IPv6: not ff00::/8; :: and anycast addresses count as unicast.
//   CK-4  The ICMPv6 checks run in this order: dst6_unspec, then the one
//         check of the packet's type. "No Fragment header" means no
//         Fragment header at all, atomic fragments included (RFC 6980).
//         Link-local is fe80::/10.
//   CK-5  PTB: the MTU is the 32-bit field at ICMPv6 bytes 4-7, any code.

#include "model/address.hpp"
#include "model/packet.hpp"

namespace icmpguard::model {
namespace {

bool ip_dst_unicast(const Settings& s, const Packet& p) {
    if (p.family == IG_FAMILY_IPV4) {
        return !ip4_multicast(p.dst) && !ip4_limited_broadcast(p.dst) &&
               local_kind(s, IG_FAMILY_IPV4, p.dst) != IG_ADDR_KIND_BROADCAST;
    }
    return !ip6_multicast(p.dst);
}

}  // namespace

uint32_t check_l2(const FrameView& v, const Settings& s, const Packet& p) {
    const auto dst_mac = v.array<6>(0);
    const auto src_mac = v.array<6>(6);
    // A group address (I/G bit) is never a sender; our own MAC as source is
    // a reflection or a loop.
    if (src_mac[0] & 1) return IG_REASON_L2_BAD_SRC;
    if (s.mac_known && src_mac == s.mac) return IG_REASON_L2_BAD_SRC;
    // RFC 1122 §3.3.6: a link-layer broadcast/multicast carrying an IP
    // unicast destination is discarded.
    if ((dst_mac[0] & 1) && ip_dst_unicast(s, p)) return IG_REASON_L2_BCAST_UCAST_IP;
    return IG_REASON_NONE;
}

uint32_t check_icmp6(const FrameView& v, const Packet& p) {
    if (ip6_unspecified(p.dst)) return IG_REASON_DST6_UNSPEC;  // RFC 4291 §2.5.2
    const bool link_local_src = ip6_link_local(p.src);
    switch (p.type) {
        case 133:  // RS, RA, NS, NA, Redirect: RFC 4861 §6.1.1, §6.1.2, §7.1.1, §7.1.2, §8.1
        case 134:
        case 135:
        case 136:
        case 137:
            if (p.hop_limit != 255 || p.code != 0 || p.frag_header) return IG_REASON_ND_INVALID;
            // RA and Redirect come from a router's link-local address.
            if ((p.type == 134 || p.type == 137) && !link_local_src) return IG_REASON_ND_INVALID;
            return IG_REASON_NONE;
        case 141:  // Inverse ND (RFC 3122) and SEND CPS/CPA (RFC 3971): hop limit 255,
        case 142:  // not fragmented (RFC 6980)
        case 148:
        case 149:
            if (p.hop_limit != 255 || p.frag_header) return IG_REASON_ND_INVALID;
            return IG_REASON_NONE;
        case 130:  // MLD query: link-local source (RFC 2710 §3, RFC 3810 §5)
            return link_local_src ? IG_REASON_NONE : IG_REASON_MLD_INVALID;
        case 131:  // reports and done may also come from :: (RFC 3590)
        case 132:
        case 143:
            return link_local_src || ip6_unspecified(p.src) ? IG_REASON_NONE : IG_REASON_MLD_INVALID;
        case 151:  // MRD (RFC 4286): link-local source, hop limit 1
        case 152:
        case 153:
            return link_local_src && p.hop_limit == 1 ? IG_REASON_NONE : IG_REASON_MRD_INVALID;
        case 2:  // RFC 8201 §4: a PTB below the IPv6 minimum MTU is discarded
            return v.be32(p.icmp_off + 4) < 1280 ? IG_REASON_PTB_BELOW_MIN : IG_REASON_NONE;
        default:
            return IG_REASON_NONE;
    }
}

}  // namespace icmpguard::model
