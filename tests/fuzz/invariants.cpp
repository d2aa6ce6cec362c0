#include "invariants.hpp"

#include <linux/bpf.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <sstream>

extern "C" {
#include "icmpguard/abi.h"
}

namespace icmpguard::fuzz {
namespace {

uint16_t be16(const Bytes& b, size_t off) { return static_cast<uint16_t>(b[off] << 8 | b[off + 1]); }

// What this file needs to know about one frame, from its own walk. Only
// what can be read inside the frame is filled; `ok` says how far it got.
struct Walk {
    bool l3_ok = false;       // an IPv4/IPv6 header of the right version fits
    size_t l3 = 0;            // offset of the IP header
    int tags = 0;             // VLAN tags before the EtherType
    uint32_t family = IG_FAMILY_L2;
    size_t ip_len = 0;        // IPv4 tot_len / IPv6 40 + payload_len
    size_t l4 = 0;            // offset of the ICMP header
    bool icmp = false;        // an ICMP/ICMPv6 header (type, code) is readable
    uint8_t type = 0, code = 0;
    bool policy_reachable = false;  // the program must consult the policy for it
    bool v4_options = false, fragment = false, v6_ext = false;
    std::array<uint8_t, 16> src{}, dst{};
};

bool is_tpid(uint16_t t) { return t == 0x8100 || t == 0x88a8 || t == 0x9100; }
bool is_v6_ext(uint8_t nh) { return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60; }

Walk walk(const Bytes& f) {
    Walk w;
    if (f.size() < 14) return w;
    size_t off = 12;
    uint16_t et = be16(f, off);
    while (is_tpid(et) && off + 6 <= f.size()) {
        ++w.tags;
        off += 4;
        et = be16(f, off);
    }
    if (is_tpid(et)) return w;  // cut inside a tag
    w.l3 = off + 2;
    const size_t l3 = w.l3;
    if (et == 0x0800 && f.size() >= l3 + 20 && f[l3] >> 4 == 4) {
        w.l3_ok = true;
        w.family = IG_FAMILY_IPV4;
        size_t ihl = (f[l3] & 0x0f) * 4u;
        w.ip_len = be16(f, l3 + 2);
        std::memcpy(w.src.data(), &f[l3 + 12], 4);
        std::memcpy(w.dst.data(), &f[l3 + 16], 4);
        uint16_t frag = be16(f, l3 + 6);
        w.fragment = (frag & 0x3fff) != 0;
        w.v4_options = ihl > 20;
        if (ihl < 20 || l3 + ihl > f.size() || w.ip_len < ihl || l3 + w.ip_len > f.size()) return w;
        if (f[l3 + 9] != 1) return w;
        w.l4 = l3 + ihl;
        w.icmp = w.ip_len - ihl >= 2;
        if (w.icmp) w.type = f[w.l4], w.code = f[w.l4 + 1];
        // pass reasons decided before the policy: vlan_too_deep, frag_pass (non-first)
        w.policy_reachable = w.icmp && w.tags <= 2 && (frag & 0x1fff) == 0;
    } else if (et == 0x86dd && f.size() >= l3 + 40 && f[l3] >> 4 == 6) {
        w.l3_ok = true;
        w.family = IG_FAMILY_IPV6;
        size_t plen = be16(f, l3 + 4);
        w.ip_len = 40 + plen;
        std::memcpy(w.src.data(), &f[l3 + 8], 16);
        std::memcpy(w.dst.data(), &f[l3 + 24], 16);
        if (plen == 0 || l3 + w.ip_len > f.size()) return w;  // ip6_jumbo passes; ip6_trunc drops
        uint8_t nh = f[l3 + 6];
        size_t p = l3 + 40;
        bool non_first = false;
        while (is_v6_ext(nh)) {
            w.v6_ext = true;
            if (p + 8 > l3 + w.ip_len) return w;
            size_t len = nh == 44 ? 8 : nh == 51 ? (f[p + 1] + 2u) * 4 : (f[p + 1] + 1u) * 8;
            if (nh == 44) {
                w.fragment = true;
                non_first = non_first || (be16(f, p + 2) & 0xfff8) != 0;
            }
            nh = f[p];
            p += len;
            if (p > l3 + w.ip_len) return w;
        }
        if (nh != 58) return w;
        w.l4 = p;
        w.icmp = p + 2 <= l3 + w.ip_len;
        if (w.icmp) w.type = f[p], w.code = f[p + 1];
        w.policy_reachable = w.icmp && w.tags <= 2 && !non_first;
    }
    return w;
}

bool group_mac(const uint8_t* mac) { return mac[0] & 1; }

const model::LocalAddress* find_local(const model::Settings& s, uint32_t family, const std::array<uint8_t, 16>& a) {
    for (const auto& l : s.addrs)
        if (l.family == family && std::memcmp(l.addr.data(), a.data(), family == IG_FAMILY_IPV4 ? 4 : 16) == 0)
            return &l;
    return nullptr;
}

bool martian4(const std::array<uint8_t, 16>& a) {
    return a[0] == 0 || a[0] == 127 || a[0] >= 224;  // 0/8, 127/8, 224/4, 240/4
}

bool martian6(const std::array<uint8_t, 16>& a) {
    static const std::array<uint8_t, 16> unspec{}, loop{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return a == unspec || a == loop || a[0] == 0xff || std::memcmp(a.data(), mapped, 12) == 0;
}

std::string addr_text(uint32_t family, const std::array<uint8_t, 16>& a) {
    std::ostringstream o;
    if (family == IG_FAMILY_IPV4) {
        o << int(a[0]) << '.' << int(a[1]) << '.' << int(a[2]) << '.' << int(a[3]);
    } else {
        o << std::hex;
        for (int i = 0; i < 16; i += 2) o << (i ? ":" : "") << (a[i] << 8 | a[i + 1]);
    }
    return o.str();
}

// The checks of a reply (XDP_TX) against its request.
void check_reply(const Bytes& in, const Bytes& out, const model::Settings& s, std::ostringstream& v) {
    if (out.size() > in.size()) v << "reply longer than its request (" << out.size() << " > " << in.size() << ")\n";
    Walk q = walk(in), r = walk(out);
    if (!q.l3_ok || !q.icmp) {
        v << "reply to a frame that is not a readable ICMP packet\n";
        return;
    }
    // the request: an answerable echo request (docs/architecture.md §1.4)
    const bool v4 = q.family == IG_FAMILY_IPV4;
    const size_t alen = v4 ? 4 : 16;
    if (q.tags > 2) v << "reply to a frame with " << q.tags << " VLAN tags\n";
    if (q.type != (v4 ? 8 : 128) || q.code != 0) v << "reply to type " << int(q.type) << " code " << int(q.code) << "\n";
    if (q.v4_options) v << "reply to an IPv4 packet with options\n";
    if (q.fragment) v << "reply to a fragment\n";
    if (q.v6_ext) v << "reply to an IPv6 packet with extension headers\n";
    if (group_mac(&in[0])) v << "reply to a group destination MAC\n";
    if (group_mac(&in[6])) v << "reply to a group source MAC\n";
    if (s.mac_known && std::memcmp(&in[0], s.mac.data(), 6) != 0) v << "reply to a frame for another MAC\n";
    const model::LocalAddress* dst = find_local(s, q.family, q.dst);
    if (!dst || dst->kind != IG_ADDR_KIND_UNICAST)
        v << "reply from " << addr_text(q.family, q.dst) << ", not a local unicast address\n";
    if (v4 ? martian4(q.src) : martian6(q.src)) v << "reply to martian source " << addr_text(q.family, q.src) << "\n";
    if (find_local(s, q.family, q.src)) v << "reply to our own address " << addr_text(q.family, q.src) << "\n";

    // the reply: its headers and checksums, from scratch
    if (!r.l3_ok || r.family != q.family || !r.icmp || r.l3 != q.l3) {
        v << "reply is not an ICMP packet of the request's family and layout\n";
        return;
    }
    if (std::memcmp(&out[0], &in[6], 6) != 0 || std::memcmp(&out[6], &in[0], 6) != 0)
        v << "reply MACs are not the request's swapped\n";
    if (!std::equal(out.begin() + 12, out.begin() + static_cast<long>(r.l3), in.begin() + 12))
        v << "reply VLAN tags / EtherType differ from the request's\n";
    if (std::memcmp(r.src.data(), q.dst.data(), alen) != 0 || std::memcmp(r.dst.data(), q.src.data(), alen) != 0)
        v << "reply addresses are not the request's swapped\n";
    if (r.ip_len != q.ip_len) v << "reply IP length " << r.ip_len << " != request's " << q.ip_len << "\n";
    if (out.size() != r.l3 + r.ip_len) v << "reply frame carries bytes beyond its IP datagram\n";
    if (r.type != (v4 ? 0 : 129) || r.code != 0) v << "reply is type " << int(r.type) << " code " << int(r.code) << "\n";
    if (r.l3 + r.ip_len > out.size() || r.l4 + 8 > r.l3 + r.ip_len) {
        v << "reply too short to verify\n";
        return;
    }
    if (v4) {
        if (out[r.l3] != 0x45) v << "reply IPv4 header is not 20 bytes\n";
        else if (ones_sum16(&out[r.l3], 20) != 0xffff) v << "reply IPv4 header checksum does not verify\n";
        if (out[r.l3 + 8] != s.reply_ttl) v << "reply TTL " << int(out[r.l3 + 8]) << " != " << int(s.reply_ttl) << "\n";
        if (ones_sum16(&out[r.l4], r.ip_len - (r.l4 - r.l3)) != 0xffff) v << "reply ICMP checksum does not verify\n";
    } else {
        if (out[r.l3 + 6] != 58) v << "reply carries IPv6 extension headers\n";
        if (out[r.l3 + 7] != s.reply_ttl) v << "reply hop limit " << int(out[r.l3 + 7]) << " != " << int(s.reply_ttl) << "\n";
        const size_t ulen = r.ip_len - (r.l4 - r.l3);
        uint32_t pseudo = ones_sum16(&out[r.l3 + 8], 32) + static_cast<uint32_t>(ulen >> 16) +
                          static_cast<uint32_t>(ulen & 0xffff) + 58;
        if (ones_sum16(&out[r.l4], ulen, pseudo) != 0xffff) v << "reply ICMPv6 checksum does not verify\n";
    }
    // identifier, sequence and data come back unchanged
    const size_t msg = r.ip_len - (r.l4 - r.l3);
    if (q.l4 + msg <= in.size() && !std::equal(out.begin() + static_cast<long>(r.l4 + 4),
                                                 out.begin() + static_cast<long>(r.l4 + msg),
                                                 in.begin() + static_cast<long>(q.l4 + 4)))
        v << "reply identifier/sequence/data differ from the request's\n";
}

}  // namespace

uint16_t ones_sum16(const uint8_t* data, size_t len, uint32_t initial) {
    uint64_t sum = initial;
    for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
    if (len % 2) sum += static_cast<uint32_t>(data[len - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

std::string check_invariants(const Bytes& in, uint32_t action, const Bytes& out, const model::Settings& s) {
    std::ostringstream v;
    if (action != XDP_PASS && action != XDP_DROP && action != XDP_TX) v << "verdict " << action << " is not PASS/DROP/TX\n";
    if (s.shadow && action != XDP_PASS) v << "shadow mode returned " << action << ", not XDP_PASS\n";
    if (!s.reply_enabled && action == XDP_TX) v << "reply sent with replies disabled\n";
    if (action == XDP_TX) {
        check_reply(in, out, s, v);
    } else if (out.size() > in.size() || !std::equal(out.begin(), out.end(), in.begin())) {
        // only link padding may be cut from a frame that is not answered
        v << "a frame not answered was changed (not just trimmed)\n";
    }
    if (!s.shadow && action != XDP_DROP) {
        Walk w = walk(in);
        if (w.policy_reachable &&
            (s.rule(w.family, w.type, w.code) & IG_POLICY_ACTION_MASK) == IG_ACTION_DROP)
            v << "policy drops " << (w.family == IG_FAMILY_IPV4 ? "ICMPv4" : "ICMPv6") << " type " << int(w.type)
              << " code " << int(w.code) << " but the frame was " << (action == XDP_TX ? "answered" : "passed")
              << "\n";
    }
    return v.str();
}

}  // namespace icmpguard::fuzz
