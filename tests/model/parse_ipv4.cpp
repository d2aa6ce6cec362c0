// The IPv4 header up to the ICMP type (docs/architecture.md §1.1,
// RFC-NOTES §4 rows 9-19), in the order of the architecture table.
//
// Interpretations:
//   V4-1  "Family is l2 when no IP header was recognised": the header is
//         recognised once 20 bytes with version 4 are there, so ip4_short
//         and ip4_bad_ver count under l2, every later reason under ipv4.
//         (First written as "ipv4 from the EtherType on"; the fixtures
//         v4_short_19 / v4_bad_ver_6 showed the other reading.)
//   V4-2  The protocol test comes right after the version (non-ICMP
//         traffic "leaves here, after one branch"): a TCP packet with a bad
//         IHL, checksum or length is not_icmp, never an ip4_* drop.
//   V4-3  "header inside the frame" and "tot_len <= frame" count the bytes
//         from the IP header to the end of the frame (padding included).
//   V4-4  Only a non-zero fragment offset is frag_pass here; a first
//         fragment (MF = 1, offset 0) is parsed as ICMP and only an echo
//         whose action is reply refuses it (echo rule frag_pass).
//   V4-5  icmp_short: tot_len - IHL*4 < 8. The type counts as read only
//         after that check, so icmp_short moves no type counter.

#include "model/checksum.hpp"
#include "model/packet.hpp"

namespace icmpguard::model {

uint32_t parse_ipv4(const FrameView& v, Packet& p) {
    const size_t l3 = p.l3_off;
    if (!v.has(l3, 20)) return IG_REASON_IP4_SHORT;
    const uint8_t ver_ihl = v.u8(l3);
    if (ver_ihl >> 4 != 4) return IG_REASON_IP4_BAD_VER;
    p.family = IG_FAMILY_IPV4;
    if (v.u8(l3 + 9) != kProtoIcmp) return IG_REASON_NOT_ICMP;

    const size_t hdr_len = (ver_ihl & 0x0fu) * 4u;
    if (hdr_len < 20) return IG_REASON_IP4_BAD_IHL;           // RFC 791: IHL >= 5
    if (!v.has(l3, hdr_len)) return IG_REASON_IP4_TRUNC_HDR;  // options cut off
    if (!verifies(v.bytes(l3, hdr_len))) return IG_REASON_IP4_BAD_CSUM;  // RFC 1122 §3.2.1.2

    const size_t tot_len = v.be16(l3 + 2);
    if (tot_len < hdr_len) return IG_REASON_IP4_BAD_LEN;        // RFC 1812 §5.2.2 (5)
    if (tot_len > v.size() - l3) return IG_REASON_IP4_TRUNC;    // E6: the IP length wins

    const uint16_t flags_frag = v.be16(l3 + 6);
    // A non-first fragment's payload is attacker data, never an ICMP header
    // (RFC 1812 §4.3.2.7).
    if (flags_frag & 0x1fff) return IG_REASON_FRAG_PASS;
    p.ip4_more_fragments = (flags_frag & 0x2000) != 0;

    if (tot_len - hdr_len < kIcmpHeaderLen) return IG_REASON_ICMP_SHORT;

    p.ip_len = tot_len;
    p.ip4_hdr_len = hdr_len;
    const auto s = v.array<4>(l3 + 12);
    const auto d = v.array<4>(l3 + 16);
    for (size_t i = 0; i < 4; ++i) {
        p.src[i] = s[i];
        p.dst[i] = d[i];
    }
    p.icmp_off = l3 + hdr_len;
    p.icmp_len = tot_len - hdr_len;
    p.type = v.u8(p.icmp_off);
    p.code = v.u8(p.icmp_off + 1);
    p.type_read = true;
    return IG_REASON_NONE;
}

}  // namespace icmpguard::model
