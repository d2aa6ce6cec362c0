// The echo responder: which echo requests are answered in XDP, and the
// reply (docs/architecture.md §1.4, docs/policy.md §2, RFC-NOTES §3).
//
// Interpretations:
//   EC-1  The rules run in the order of the architecture §1.4 table; the
//         first failure decides. The MAC rule ("destination MAC is this
//         interface's") refuses only a *unicast* MAC that is not ours
//         (RFC-NOTES §3.2 "other unicast -> pass l2_other_host", row 65); a
//         group MAC was judged by l2_bcast_ucast_ip already, so a directed-
//         broadcast echo behind the broadcast MAC goes on to echo_bcast.
//         (First written literally as "any MAC but ours"; the fixture
//         v4_echo_directed_bcast_bcast_mac showed the §3.2 reading.)
//   EC-2  echo_bcast / echo_mcast by destination class: IPv4 224/4 or
//         255.255.255.255 -> echo_bcast; IPv6 ff00::/8 -> echo_mcast. By
//         address-set kind, whatever the family: broadcast -> echo_bcast,
//         anycast -> echo_mcast. An address not in the set -> dst_not_local.
//   EC-3  The own-address source check (E4) refuses a source that is in the
//         address set with any kind (unicast, directed broadcast, anycast).
//   EC-4  echo_too_long: ICMP message (type byte to the end of the IP
//         length) longer than 4351 bytes.
//   EC-5  The link padding is cut after every rule above has passed, right
//         before the checksum is verified (§1.4: "before the checksum is
//         verified"); frames refused by an earlier rule keep their padding.
//         So icmp_bad_csum and a shadow-mode would_reply leave the trimmed
//         frame behind.
//   EC-6  The reply: MACs swapped, VLAN tags as they were, addresses
//         swapped, TTL / hop limit = reply_ttl, type 0 / 129, every other
//         byte kept (TOS, ID, flags incl. DF, traffic class, flow label,
//         code, identifier, sequence, data); the IPv4 header and ICMP
//         checksums computed from scratch (RFC 1071), the ICMPv4 one over
//         an all-zero reply is 0xFFFF.

#include <algorithm>

#include "model/address.hpp"
#include "model/checksum.hpp"
#include "model/packet.hpp"

namespace icmpguard::model {
namespace {

constexpr size_t kEchoMaxIcmpLen = 4351;

}  // namespace

bool is_echo_request(const Packet& p) {
    return p.type_read && ((p.family == IG_FAMILY_IPV4 && p.type == 8) ||
                           (p.family == IG_FAMILY_IPV6 && p.type == 128));
}

uint32_t echo_rules(const FrameView& v, const Settings& s, const Packet& p) {
    // E15: replies switched off at load time; the kernel answers.
    if (!s.reply_enabled) return IG_REASON_ECHO_DISABLED;
    const bool v4 = p.family == IG_FAMILY_IPV4;
    if (v4) {
        // E8: the data must come back whole; the kernel reassembles.
        if (p.ip4_more_fragments) return IG_REASON_FRAG_PASS;
        // E7: options (RR, TS, source routes) need the kernel's handling.
        if (p.ip4_hdr_len > 20) return IG_REASON_IP4_OPTS_PASS;
        // E3: no smurf amplification.
        if (ip4_multicast(p.dst) || ip4_limited_broadcast(p.dst)) return IG_REASON_ECHO_BCAST;
    } else {
        if (p.frag_more) return IG_REASON_FRAG_PASS;
        // E7/E8: an in-place reply would reflect the headers (RFC 6946 for
        // atomic fragments).
        if (p.ext_headers > 0) return IG_REASON_IP6_EH_PASS;
        if (ip6_multicast(p.dst)) return IG_REASON_ECHO_MCAST;
    }
    // Never answer for another station (promiscuous mode, bridge port): a
    // unicast MAC that is not ours.
    const auto dst_mac = v.array<6>(0);
    if (s.mac_known && !(dst_mac[0] & 1) && dst_mac != s.mac) return IG_REASON_L2_OTHER_HOST;
    // E4.
    if (v4 ? ip4_martian_source(p.src) : ip6_martian_source(p.src)) return IG_REASON_SRC_MARTIAN;
    // E2/E3: answer only for one of our unicast addresses.
    switch (local_kind(s, p.family, p.dst)) {
        case IG_ADDR_KIND_UNICAST:
            break;
        case IG_ADDR_KIND_BROADCAST:
            return IG_REASON_ECHO_BCAST;
        case IG_ADDR_KIND_ANYCAST:
            return IG_REASON_ECHO_MCAST;
        default:
            return IG_REASON_DST_NOT_LOCAL;
    }
    // E4: a source that is one of our own addresses is forged.
    if (local_kind(s, p.family, p.src) != IG_ADDR_KIND_NONE) return IG_REASON_SRC_MARTIAN;
    // RFC 792: echo code is 0; the kernel replies keeping another code.
    if (p.code != 0) return IG_REASON_ECHO_CODE_NZ;
    // Never answer what the checksum walk did not verify whole.
    if (p.icmp_len > kEchoMaxIcmpLen) return IG_REASON_ECHO_TOO_LONG;
    return IG_REASON_NONE;
}

bool echo_checksum_ok(const FrameView& trimmed, const Packet& p) {
    // E9 / RFC-NOTES row 69: over the IP length only, never the padding.
    const auto msg = trimmed.bytes(p.icmp_off, p.icmp_len);
    if (msg.size() != p.icmp_len) return false;
    if (p.family == IG_FAMILY_IPV4) return verifies(msg);
    // RFC 4443 §2.3: with the pseudo-header; the upper-layer length is the
    // ICMPv6 message length (no extension headers here).
    return verifies(msg, ip6_pseudo_sum(p.src, p.dst, static_cast<uint32_t>(p.icmp_len), kProtoIcmp6));
}

Bytes build_reply(const Bytes& trimmed, const Packet& p, const Settings& s) {
    Bytes out = trimmed;
    if (out.size() < p.icmp_off + p.icmp_len || p.icmp_len < kIcmpHeaderLen) return out;  // never here
    auto put16 = [&out](size_t off, uint16_t val) {
        out[off] = static_cast<uint8_t>(val >> 8);
        out[off + 1] = static_cast<uint8_t>(val);
    };
    const auto span = [&out](size_t off, size_t len) { return std::span<const uint8_t>(out.data() + off, len); };

    // Ethernet: swap the MACs; VLAN tags and EtherType untouched (E11).
    std::swap_ranges(out.begin(), out.begin() + 6, out.begin() + 6);

    const size_t l3 = p.l3_off;
    if (p.family == IG_FAMILY_IPV4) {
        // E2: the reply comes from the request's specific destination.
        std::swap_ranges(out.begin() + l3 + 12, out.begin() + l3 + 16, out.begin() + l3 + 16);
        out[l3 + 8] = s.reply_ttl;  // E10: a fresh TTL, never the request's
        put16(l3 + 10, 0);
        put16(l3 + 10, checksum(span(l3, 20)));
        out[p.icmp_off] = 0;  // Echo Reply, RFC 792
        put16(p.icmp_off + 2, 0);
        put16(p.icmp_off + 2, checksum(span(p.icmp_off, p.icmp_len)));
    } else {
        std::swap_ranges(out.begin() + l3 + 8, out.begin() + l3 + 24, out.begin() + l3 + 24);
        out[l3 + 7] = s.reply_ttl;
        out[p.icmp_off] = 129;  // Echo Reply, RFC 4443 §4.2
        put16(p.icmp_off + 2, 0);
        std::array<uint8_t, 16> src{}, dst{};
        std::copy_n(out.begin() + l3 + 8, 16, src.begin());
        std::copy_n(out.begin() + l3 + 24, 16, dst.begin());
        const uint64_t pseudo = ip6_pseudo_sum(src, dst, static_cast<uint32_t>(p.icmp_len), kProtoIcmp6);
        put16(p.icmp_off + 2, checksum(span(p.icmp_off, p.icmp_len), pseudo));
    }
    return out;
}

}  // namespace icmpguard::model
