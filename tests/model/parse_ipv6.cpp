// The IPv6 header and extension-header chain up to the ICMPv6 type
// (docs/architecture.md §1.1, RFC-NOTES §2.4 and §4 rows 38-46).
//
// Interpretations:
//   V6-1  As V4-1: ip6_short and ip6_bad_ver count under l2, every later
//         reason under ipv6.
//   V6-2  Only a *direct* next header of TCP (6) or UDP (17) leaves before
//         the payload-length checks; any other non-ICMPv6 upper layer is
//         not_icmp after the walk (so e.g. ESP with payload_len 0 is
//         ip6_jumbo).
//   V6-3  The walk reads within the IP payload (40 + payload_len), not the
//         frame: a header that runs into link padding is cut off.
//   V6-4  Extension headers: 0 HBH, 43 routing, 44 fragment, 51 AH,
//         60 destination options. AH is (hdrlen + 2) * 4 bytes (RFC 4302
//         §2.2), the Fragment header always 8 (its second byte is
//         reserved), the others (hdrlen + 1) * 8 (RFC 8200 §4). Everything
//         else (ESP 50, No Next Header 59, mobility, ...) is "any other
//         upper layer": not_icmp.
//   V6-5  At walk step i (0-based) a header that is an extension header is
//         eh_too_many if i >= max_ext_hdrs (clamped to the compile-time 8;
//         0 allows none), then eh_hbh_not_first if it is HBH and i > 0, then
//         it is bounds-checked (eh_trunc). An extension header after 8 is
//         eh_too_many.
//   V6-6  A Fragment header with a non-zero offset ends the walk at once:
//         frag_pass (what follows is never parsed, RFC-NOTES row 19/46).
//   V6-7  RFC 7112: once a Fragment header with M = 1 (a first fragment)
//         has been walked, a later header cut short, or an ICMPv6 header of
//         fewer than 8 bytes, is frag_chain_incomplete instead of eh_trunc /
//         icmp_short (the first fragment must hold the whole chain up to and
//         including the upper-layer header).
//   V6-8  The ICMPv6 message must hold 8 bytes (icmp_short otherwise), as
//         for IPv4; the type counts as read only after that check.

#include <algorithm>

#include "model/packet.hpp"

namespace icmpguard::model {
namespace {

constexpr unsigned kMaxExtHeadersCeiling = 8;
constexpr uint8_t kHopByHop = 0, kRouting = 43, kFragment = 44, kAuth = 51, kDestOpts = 60;

bool is_ext_header(uint8_t nh) {
    return nh == kHopByHop || nh == kRouting || nh == kFragment || nh == kAuth || nh == kDestOpts;
}

}  // namespace

uint32_t parse_ipv6(const FrameView& v, const Settings& s, Packet& p) {
    const size_t l3 = p.l3_off;
    if (!v.has(l3, 40)) return IG_REASON_IP6_SHORT;
    if (v.u8(l3) >> 4 != 6) return IG_REASON_IP6_BAD_VER;
    p.family = IG_FAMILY_IPV6;
    uint8_t nh = v.u8(l3 + 6);
    if (nh == kProtoTcp || nh == kProtoUdp) return IG_REASON_NOT_ICMP;

    const size_t payload_len = v.be16(l3 + 4);
    // 0: a jumbogram (RFC 2675) or bogus; never treated as length 0.
    if (payload_len == 0) return IG_REASON_IP6_JUMBO;
    if (payload_len > v.size() - l3 - 40) return IG_REASON_IP6_TRUNC;  // RFC 8200 §3

    p.ip_len = 40 + payload_len;
    p.hop_limit = v.u8(l3 + 7);
    p.src = v.array<16>(l3 + 8);
    p.dst = v.array<16>(l3 + 24);

    const size_t end = l3 + p.ip_len;
    const unsigned limit = std::min<unsigned>(s.max_ext_hdrs, kMaxExtHeadersCeiling);
    size_t off = l3 + 40;
    auto cut_short = [&p] {
        return p.frag_more ? IG_REASON_FRAG_CHAIN_INCOMPLETE : IG_REASON_EH_TRUNC;
    };
    for (unsigned i = 0; i < kMaxExtHeadersCeiling && is_ext_header(nh); ++i) {
        if (i >= limit) return IG_REASON_EH_TOO_MANY;
        // RFC 8200 §4.1: Hop-by-Hop only directly after the IPv6 header.
        if (nh == kHopByHop && i > 0) return IG_REASON_EH_HBH_NOT_FIRST;
        if (off + 2 > end) return cut_short();
        size_t len;
        if (nh == kFragment) len = 8;
        else if (nh == kAuth) len = (v.u8(off + 1) + 2u) * 4u;
        else len = (v.u8(off + 1) + 1u) * 8u;
        if (len > end - off) return cut_short();
        if (nh == kFragment) {
            const uint16_t offset_flags = v.be16(off + 2);
            p.frag_header = true;
            if (offset_flags >> 3) return IG_REASON_FRAG_PASS;  // non-first fragment
            if (offset_flags & 1) p.frag_more = true;
        }
        ++p.ext_headers;
        nh = v.u8(off);
        off += len;
    }
    if (is_ext_header(nh)) return IG_REASON_EH_TOO_MANY;
    if (nh != kProtoIcmp6) return IG_REASON_NOT_ICMP;

    if (end - off < kIcmpHeaderLen)
        return p.frag_more ? IG_REASON_FRAG_CHAIN_INCOMPLETE : IG_REASON_ICMP_SHORT;
    p.icmp_off = off;
    p.icmp_len = end - off;
    p.type = v.u8(off);
    p.code = v.u8(off + 1);
    p.type_read = true;
    return IG_REASON_NONE;
}

}  // namespace icmpguard::model
