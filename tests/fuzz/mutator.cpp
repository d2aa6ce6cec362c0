#include "mutator.hpp"

#include <algorithm>
#include <array>
#include <cstring>

extern "C" {
#include "icmpguard/abi.h"
}

#include "invariants.hpp"
#include "profiles.hpp"

namespace icmpguard::fuzz {
namespace {

using Addr = std::array<uint8_t, 16>;
using Mac = std::array<uint8_t, 6>;

void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}
void set16(Bytes& b, size_t off, uint16_t v) {
    b[off] = static_cast<uint8_t>(v >> 8);
    b[off + 1] = static_cast<uint8_t>(v);
}
uint16_t get16(const Bytes& b, size_t off) { return static_cast<uint16_t>(b[off] << 8 | b[off + 1]); }

template <class T, size_t N>
const T& pick(Rng& r, const T (&a)[N]) {
    return a[r.below(N)];
}

Addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d) { return Addr{a, b, c, d}; }
Addr v6(std::initializer_list<uint16_t> words, uint16_t last = 0) {
    Addr a{};
    size_t i = 0;
    for (uint16_t w : words) a[i++] = static_cast<uint8_t>(w >> 8), a[i++] = static_cast<uint8_t>(w);
    a[14] = static_cast<uint8_t>(last >> 8), a[15] = static_cast<uint8_t>(last);
    return a;
}

// A local address of the profile of this family (and kind, if given).
bool local(Rng& r, const model::Settings& s, uint32_t family, int kind, Addr& out) {
    std::vector<const model::LocalAddress*> c;
    for (const auto& a : s.addrs)
        if (a.family == family && (kind < 0 || a.kind == kind)) c.push_back(&a);
    if (c.empty()) return false;
    out = c[r.below(static_cast<uint32_t>(c.size()))]->addr;
    return true;
}

Addr random_addr(Rng& r, bool is_v4) {
    Addr a{};
    for (size_t i = 0; i < (is_v4 ? 4u : 16u); ++i) a[i] = r.byte();
    return a;
}

Addr src4(Rng& r, const model::Settings& s) {
    Addr a;
    switch (r.below(20)) {
    case 0: return v4(0, 0, 0, 0);
    case 1: return v4(0, r.byte(), r.byte(), 1);
    case 2: return v4(127, 0, 0, 1);
    case 3: return v4(static_cast<uint8_t>(224 + r.below(16)), 0, 0, 5);
    case 4: return v4(static_cast<uint8_t>(240 + r.below(16)), 0, 0, 1);
    case 5: return v4(255, 255, 255, 255);
    case 6: case 7: if (local(r, s, IG_FAMILY_IPV4, -1, a)) return a; return v4(203, 0, 113, 2);
    case 8: return random_addr(r, true);
    case 9: return v4(192, 0, 2, r.byte());
    default: return v4(198, 51, 100, r.chance(70) ? 1 : r.byte());
    }
}

Addr dst4(Rng& r, const model::Settings& s) {
    Addr a;
    switch (r.below(20)) {
    case 0: if (local(r, s, IG_FAMILY_IPV4, IG_ADDR_KIND_BROADCAST, a)) return a; [[fallthrough]];
    case 1: return v4(255, 255, 255, 255);
    case 2: return v4(224, 0, 0, 1);
    case 3: return v4(static_cast<uint8_t>(224 + r.below(32)), r.byte(), r.byte(), r.byte());
    case 4: return v4(198, 51, 100, 3);
    case 5: return random_addr(r, true);
    case 6: return v4(0, 0, 0, 0);
    case 7: return v4(127, 0, 0, 1);
    default: if (local(r, s, IG_FAMILY_IPV4, r.chance(85) ? IG_ADDR_KIND_UNICAST : -1, a)) return a;
             return v4(198, 51, 100, 2);
    }
}

Addr src6(Rng& r, const model::Settings& s) {
    Addr a;
    switch (r.below(22)) {
    case 0: return Addr{};
    case 1: return v6({}, 1);
    case 2: return v6({0xff02}, 1);
    case 3: return v6({static_cast<uint16_t>(0xff00 | r.byte())}, r.u16());
    case 4: { a = v6({}, 0); a[10] = a[11] = 0xff; a[12] = 198; a[13] = 51; a[14] = 100; a[15] = 1; return a; }
    case 5: case 6: if (local(r, s, IG_FAMILY_IPV6, -1, a)) return a; return v6({0x2001, 0xdb8}, 2);
    case 7: return random_addr(r, false);
    case 8: case 9: case 10: case 11: return v6({0xfe80}, static_cast<uint16_t>(r.chance(70) ? 1 : r.u16()));
    case 12: return v6({0x2001, 0xdb8}, r.u16());
    default: return v6({0x2001, 0xdb8}, 1);
    }
}

Addr dst6(Rng& r, const model::Settings& s) {
    Addr a;
    switch (r.below(22)) {
    case 0: if (local(r, s, IG_FAMILY_IPV6, IG_ADDR_KIND_ANYCAST, a)) return a; [[fallthrough]];
    case 1: return v6({0xff02}, 1);
    case 2: return v6({0xff02}, 2);
    case 3: return v6({0xff02}, 0x16);
    case 4: { a = v6({0xff02, 0, 0, 0, 0, 1, 0xff00}, 2); return a; }
    case 5: return Addr{};
    case 6: return v6({0x2001, 0xdb8}, 3);
    case 7: return random_addr(r, false);
    case 8: return v6({}, 1);
    default: if (local(r, s, IG_FAMILY_IPV6, r.chance(85) ? IG_ADDR_KIND_UNICAST : -1, a)) return a;
             return v6({0x2001, 0xdb8}, 2);
    }
}

Mac dst_mac(Rng& r, const model::Settings& s) {
    switch (r.below(16)) {
    case 0: return {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    case 1: return {0x01, 0x00, 0x5e, 0x00, 0x00, static_cast<uint8_t>(r.chance(50) ? 1 : r.byte())};
    case 2: return {0x33, 0x33, 0x00, 0x00, 0x00, static_cast<uint8_t>(r.chance(50) ? 1 : r.byte())};
    case 3: return {0x02, 0x00, 0x00, 0x00, 0x00, 0x03};
    case 4: return {r.byte(), r.byte(), r.byte(), r.byte(), r.byte(), r.byte()};
    case 5: return {0x02, 0x00, 0x00, 0x00, 0x00, 0x02};  // the lab MAC, whatever the profile's
    default: return s.mac;
    }
}

Mac src_mac(Rng& r, const model::Settings& s) {
    switch (r.below(16)) {
    case 0: return {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};
    case 1: return {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    case 2: return s.mac;
    case 3: return {r.byte(), r.byte(), r.byte(), r.byte(), r.byte(), r.byte()};
    default: return {0x02, 0x00, 0x00, 0x00, 0x00, 0x01};
    }
}

// ICMP payload after the 8-byte header.
Bytes payload(Rng& r) {
    size_t n;
    switch (r.below(10)) {
    case 0: case 1: n = 0; break;
    case 2: case 3: case 4: n = r.below(64); break;
    case 5: case 6: n = 56; break;
    case 7: case 8: n = 64 + r.below(1440); break;
    default: n = r.below(3500); break;
    }
    Bytes p(n);
    unsigned style = r.below(4);
    for (size_t i = 0; i < n; ++i)
        p[i] = style == 0 ? 0 : style == 1 ? r.byte() : static_cast<uint8_t>(0xa5 + i * 7);
    return p;
}

// An ICMP message; the checksum is set later (it may need the pseudo-header).
Bytes icmp_message(Rng& r, bool is_v4, uint8_t& hop_hint) {
    static const uint8_t t4[] = {8, 8, 8, 8, 8, 8, 0, 3, 3, 4, 5, 11, 12, 13, 14, 15, 17, 42, 43, 9, 10};
    static const uint8_t t6[] = {128, 128, 128, 128, 128, 129, 1, 2, 2, 3, 4, 130, 131, 132, 143,
                                 133, 134, 135, 136, 137, 139, 140, 141, 142, 148, 149, 151, 152, 153, 144};
    uint8_t type = r.chance(8) ? r.byte() : is_v4 ? pick(r, t4) : pick(r, t6);
    uint8_t code = r.chance(75) ? 0 : r.chance(60) ? static_cast<uint8_t>(r.below(16)) : r.byte();
    Bytes m{type, code, 0, 0};
    bool zero_echo = (type == 8 || type == 128) && r.chance(6);
    if ((type == 2 && !is_v4) || (type == 3 && code == 4 && is_v4)) {
        static const uint32_t mtus[] = {1280, 1279, 0, 1500, 68, 576, 9000, 65535, 1281};
        uint32_t mtu = r.chance(80) ? pick(r, mtus) : static_cast<uint32_t>(r.u16()) << (r.chance(20) ? 16 : 0);
        if (is_v4) m.insert(m.end(), {0, 0, static_cast<uint8_t>(mtu >> 8), static_cast<uint8_t>(mtu)});
        else
            m.insert(m.end(), {static_cast<uint8_t>(mtu >> 24), static_cast<uint8_t>(mtu >> 16),
                               static_cast<uint8_t>(mtu >> 8), static_cast<uint8_t>(mtu)});
    } else if (zero_echo) {
        m.insert(m.end(), {0, 0, 0, 0});
    } else {
        for (int i = 0; i < 4; ++i) m.push_back(r.byte());
    }
    if (zero_echo) m.resize(8 + (r.chance(50) ? 0 : r.below(64)), 0);
    else {
        Bytes p = payload(r);
        m.insert(m.end(), p.begin(), p.end());
    }
    // ND and router messages want hop limit 255, MRD 1: hint it most of the time
    if ((type >= 133 && type <= 137) || type == 141 || type == 142 || type == 148 || type == 149) hop_hint = 255;
    if (type >= 151 && type <= 153) hop_hint = 1;
    if (type >= 130 && type <= 132) hop_hint = 1;
    return m;
}

// Store a checksum into the message at 2..3: right, off by one bit, a chosen
// stored value reached by solving the first payload word, or random.
void set_icmp_checksum(Rng& r, Bytes& m, uint32_t pseudo) {
    set16(m, 2, 0);
    uint16_t good = static_cast<uint16_t>(~ones_sum16(m.data(), m.size(), pseudo));
    unsigned how = r.below(100);
    if (how < 84) {
        set16(m, 2, good);
    } else if (how < 91) {
        set16(m, 2, static_cast<uint16_t>(good ^ (1u << r.below(16))));
    } else if (how < 97 && m.size() >= 10) {
        static const uint16_t targets[] = {0x0000, 0xffff, 0xfeff, 0xf7ff, 0x0001};
        uint16_t target = r.chance(80) ? pick(r, targets) : r.u16();
        m[8] = m[9] = 0;
        uint16_t sum = ones_sum16(m.data(), m.size(), pseudo);  // word and checksum zero
        uint8_t two[4] = {static_cast<uint8_t>(sum >> 8), static_cast<uint8_t>(sum), static_cast<uint8_t>(target >> 8),
                          static_cast<uint8_t>(target)};
        uint16_t w = static_cast<uint16_t>(~ones_sum16(two, 4));
        set16(m, 8, w);
        set16(m, 2, target);
    } else {
        set16(m, 2, r.u16());
    }
}

uint32_t pseudo6(const Addr& s, const Addr& d, size_t len) {
    uint32_t sum = 0;
    for (size_t i = 0; i < 16; i += 2) sum += static_cast<uint32_t>(s[i] << 8 | s[i + 1]) + static_cast<uint32_t>(d[i] << 8 | d[i + 1]);
    return sum + static_cast<uint32_t>(len >> 16) + static_cast<uint32_t>(len & 0xffff) + 58;
}

Bytes ipv4_options(Rng& r) {
    Bytes o;
    switch (r.below(5)) {
    case 0: o = {1, 1, 1, 0}; break;                          // NOP NOP NOP EOL
    case 1: o = {7, 7, 4, 0, 0, 0, 0, 1}; break;              // record route + NOP
    case 2: o = {68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}; break;  // timestamp
    case 3: o = {0x94, 4, 0, 0}; break;                       // router alert
    default: {
        size_t n = 4 * (1 + r.below(10));
        for (size_t i = 0; i < n; ++i) o.push_back(r.byte());
    }
    }
    return o;
}

Bytes build_ipv4(Rng& r, const model::Settings& s) {
    uint8_t hop = 64;
    Bytes m = icmp_message(r, true, hop);
    uint8_t proto = r.chance(92) ? 1 : r.chance(50) ? static_cast<uint8_t>(r.chance(50) ? 6 : 17) : r.byte();
    set_icmp_checksum(r, m, 0);
    Bytes opts = r.chance(88) ? Bytes{} : ipv4_options(r);
    size_t hlen = 20 + opts.size();
    Bytes p;
    p.push_back(static_cast<uint8_t>((r.chance(97) ? 4 : r.below(16)) << 4 |
                                     (r.chance(95) ? hlen / 4 : r.below(16))));
    p.push_back(r.chance(80) ? 0 : r.byte());
    size_t tot = hlen + m.size();
    put16(p, static_cast<uint16_t>(r.chance(92) ? tot : r.chance(50) ? tot + r.below(64) - 32 : r.u16()));
    put16(p, r.u16());
    uint16_t ff;
    switch (r.below(16)) {
    case 0: ff = 0x2000; break;                                     // MF: first fragment
    case 1: ff = static_cast<uint16_t>(1 + r.below(0x1fff)); break;  // non-first
    case 2: ff = static_cast<uint16_t>(0x2000 | (1 + r.below(0x1fff))); break;
    case 3: ff = 0; break;
    case 4: ff = r.u16(); break;
    default: ff = 0x4000;
    }
    put16(p, ff);
    p.push_back(r.chance(80) ? hop : r.byte());
    p.push_back(proto);
    put16(p, 0);
    Addr src = src4(r, s), dst = dst4(r, s);
    p.insert(p.end(), src.begin(), src.begin() + 4);
    p.insert(p.end(), dst.begin(), dst.begin() + 4);
    p.insert(p.end(), opts.begin(), opts.end());
    uint16_t c = static_cast<uint16_t>(~ones_sum16(p.data(), hlen));
    set16(p, 10, r.chance(94) ? c : static_cast<uint16_t>(c ^ (1u << r.below(16))));
    p.insert(p.end(), m.begin(), m.end());
    return p;
}

// One IPv6 extension header (next-header byte filled in by the caller).
Bytes ext_header(Rng& r, uint8_t type) {
    Bytes h;
    if (type == 44) {  // fragment
        uint16_t off = r.chance(60) ? 0 : static_cast<uint16_t>(r.below(0x2000));
        bool more = r.chance(40);
        h = {0, 0, static_cast<uint8_t>(off >> 5), static_cast<uint8_t>((off << 3) | (more ? 1 : 0)),
             r.byte(), r.byte(), r.byte(), r.byte()};
    } else if (type == 51) {  // AH: (len + 2) * 4 bytes
        uint8_t len = static_cast<uint8_t>(r.chance(80) ? 1 + r.below(4) : r.byte() % 8);
        h.assign((len + 2u) * 4, 0);
        h[1] = len;
    } else {  // HBH, routing, destination options: (len + 1) * 8 bytes
        uint8_t len = static_cast<uint8_t>(r.chance(85) ? r.below(3) : r.below(8));
        h.assign((len + 1u) * 8, 0);
        h[1] = len;
        if (type == 43) h[2] = static_cast<uint8_t>(r.chance(50) ? 4 : r.below(5)), h[3] = static_cast<uint8_t>(r.below(3));
        else if (h.size() > 2) h[2] = 1, h[3] = static_cast<uint8_t>(h.size() - 4);  // PadN
    }
    return h;
}

Bytes build_ipv6(Rng& r, const model::Settings& s) {
    uint8_t hop = r.chance(50) ? 64 : 255;
    Bytes m = icmp_message(r, false, hop);
    Addr src = src6(r, s), dst = dst6(r, s);
    uint8_t upper = r.chance(92) ? 58 : r.chance(50) ? static_cast<uint8_t>(r.chance(50) ? 6 : 17) : r.byte();
    // extension headers: HBH first usually, then a mix
    std::vector<uint8_t> chain;
    if (r.chance(28)) {
        static const uint8_t types[] = {0, 60, 43, 44, 51, 60, 44};
        size_t n = 1 + (r.chance(70) ? r.below(3) : r.below(10));
        for (size_t i = 0; i < n; ++i) chain.push_back(i == 0 && r.chance(40) ? 0 : pick(r, types));
    }
    set_icmp_checksum(r, m, pseudo6(src, dst, m.size()));
    Bytes ext;
    for (size_t i = 0; i < chain.size(); ++i) {
        Bytes h = ext_header(r, chain[i]);
        h[0] = i + 1 < chain.size() ? chain[i + 1] : upper;
        ext.insert(ext.end(), h.begin(), h.end());
    }
    if (!ext.empty() && r.chance(10)) ext.resize(r.below(static_cast<uint32_t>(ext.size())));  // cut a header short
    Bytes p;
    uint32_t vtf = (r.chance(97) ? 6u : r.below(16)) << 28;
    if (r.chance(20)) vtf |= (r.u16() & 0xfffu) << 16 | r.u16();
    put16(p, static_cast<uint16_t>(vtf >> 16));
    put16(p, static_cast<uint16_t>(vtf));
    size_t plen = ext.size() + m.size();
    put16(p, static_cast<uint16_t>(r.chance(91) ? plen : r.chance(30) ? 0 : r.chance(50) ? plen + r.below(32) - 16 : r.u16()));
    p.push_back(chain.empty() ? upper : chain[0]);
    p.push_back(r.chance(85) ? hop : r.chance(50) ? static_cast<uint8_t>(r.chance(50) ? 1 : 254) : r.byte());
    p.insert(p.end(), src.begin(), src.end());
    p.insert(p.end(), dst.begin(), dst.end());
    p.insert(p.end(), ext.begin(), ext.end());
    p.insert(p.end(), m.begin(), m.end());
    return p;
}

// Offsets of one frame, as far as they can be found.
struct Layout {
    size_t l3 = 0;       // 0: none
    bool v4 = false, v6 = false;
    size_t l4 = 0;       // 0: no ICMP header found
};

Layout layout(const Bytes& f) {
    Layout L;
    if (f.size() < 14) return L;
    size_t off = 12;
    int tags = 0;
    while (off + 2 <= f.size() && tags < 4) {
        uint16_t et = get16(f, off);
        if (et != 0x8100 && et != 0x88a8 && et != 0x9100) break;
        off += 4;
        ++tags;
    }
    if (off + 2 > f.size()) return L;
    uint16_t et = get16(f, off);
    size_t l3 = off + 2;
    if (et == 0x0800 && f.size() >= l3 + 20) {
        L.l3 = l3, L.v4 = true;
        size_t ihl = (f[l3] & 0xf) * 4u;
        if (ihl >= 20 && l3 + ihl + 4 <= f.size() && f[l3 + 9] == 1) L.l4 = l3 + ihl;
    } else if (et == 0x86dd && f.size() >= l3 + 40) {
        L.l3 = l3, L.v6 = true;
        uint8_t nh = f[l3 + 6];
        size_t p = l3 + 40;
        for (int i = 0; i < 10 && (nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60); ++i) {
            if (p + 8 > f.size()) return L;
            size_t len = nh == 44 ? 8 : nh == 51 ? (f[p + 1] + 2u) * 4 : (f[p + 1] + 1u) * 8;
            nh = f[p];
            p += len;
        }
        if (nh == 58 && p + 4 <= f.size()) L.l4 = p;
    }
    return L;
}

const model::Settings& settings_of(const Bytes& input) {
    return profiles()[profile_index(input.empty() ? 0 : input[0])].settings;
}

}  // namespace

void fix_checksums(Bytes& f, bool fix_lengths) {
    Layout L = layout(f);
    if (L.v4) {
        size_t ihl = (f[L.l3] & 0xf) * 4u;
        if (ihl < 20 || L.l3 + ihl > f.size()) return;
        if (fix_lengths) set16(f, L.l3 + 2, static_cast<uint16_t>(std::min<size_t>(f.size() - L.l3, 0xffff)));
        set16(f, L.l3 + 10, 0);
        set16(f, L.l3 + 10, static_cast<uint16_t>(~ones_sum16(&f[L.l3], ihl)));
        size_t end = L.l3 + get16(f, L.l3 + 2);
        if (L.l4 && end <= f.size() && end >= L.l4 + 4) {
            set16(f, L.l4 + 2, 0);
            set16(f, L.l4 + 2, static_cast<uint16_t>(~ones_sum16(&f[L.l4], end - L.l4)));
        }
    } else if (L.v6) {
        if (fix_lengths) set16(f, L.l3 + 4, static_cast<uint16_t>(std::min<size_t>(f.size() - L.l3 - 40, 0xffff)));
        size_t end = L.l3 + 40 + get16(f, L.l3 + 4);
        if (L.l4 && end <= f.size() && end >= L.l4 + 4) {
            Addr s{}, d{};
            std::memcpy(s.data(), &f[L.l3 + 8], 16);
            std::memcpy(d.data(), &f[L.l3 + 24], 16);
            set16(f, L.l4 + 2, 0);
            set16(f, L.l4 + 2, static_cast<uint16_t>(~ones_sum16(&f[L.l4], end - L.l4, pseudo6(s, d, end - L.l4))));
        }
    }
}

Bytes random_input(Rng& r, size_t max_size, unsigned profiles) {
    Bytes in{static_cast<uint8_t>(r.byte() % (profiles ? profiles : kProfileCount))};
    const model::Settings& s = settings_of(in);
    Mac d = dst_mac(r, s), sm = src_mac(r, s);
    in.insert(in.end(), d.begin(), d.end());
    in.insert(in.end(), sm.begin(), sm.end());
    unsigned tags = r.chance(75) ? 0 : r.chance(45) ? 1 : r.chance(60) ? 2 : 3;
    for (unsigned i = 0; i < tags; ++i) {
        static const uint16_t tpids[] = {0x8100, 0x88a8, 0x9100};
        put16(in, r.chance(95) ? pick(r, tpids) : r.u16());
        put16(in, r.u16() & 0x0fff);
    }
    unsigned l3 = r.below(100);
    if (l3 < 46) {
        put16(in, 0x0800);
        Bytes p = build_ipv4(r, s);
        in.insert(in.end(), p.begin(), p.end());
    } else if (l3 < 93) {
        put16(in, 0x86dd);
        Bytes p = build_ipv6(r, s);
        in.insert(in.end(), p.begin(), p.end());
    } else {
        put16(in, r.chance(50) ? 0x0806 : r.u16());
        for (unsigned i = 0, n = r.below(80); i < n; ++i) in.push_back(r.byte());
    }
    if (r.chance(12)) in.resize(std::max<size_t>(in.size(), 61), 0);  // Ethernet minimum (60) + selector
    if (r.chance(12)) {                                              // link padding, zero or garbage
        bool garbage = r.chance(50);
        for (unsigned i = 0, n = 1 + r.below(40); i < n; ++i) in.push_back(garbage ? r.byte() : 0);
    }
    if (r.chance(4)) in.resize(1 + 14 + r.below(static_cast<uint32_t>(in.size() - 14)));  // truncated
    if (in.size() > max_size) in.resize(max_size);
    return in;
}

void mutate_fields(Bytes& in, Rng& r, size_t max_size) {
    if (in.size() < 15) {
        in = random_input(r, max_size);
        return;
    }
    Bytes f(in.begin() + 1, in.end());
    const model::Settings& s = settings_of(in);
    Layout L = layout(f);
    for (unsigned n = 1 + r.below(3); n > 0; --n) {
        switch (r.below(14)) {
        case 0: { Mac m = dst_mac(r, s); std::copy(m.begin(), m.end(), f.begin()); break; }
        case 1: { Mac m = src_mac(r, s); std::copy(m.begin(), m.end(), f.begin() + 6); break; }
        case 2:  // add or remove a VLAN tag after the MACs
            if (r.chance(50) && f.size() + 4 <= max_size) {
                f.insert(f.begin() + 12, {0x81, 0x00, 0x00, static_cast<uint8_t>(r.below(4095))});
            } else if (f.size() >= 18 && (get16(f, 12) == 0x8100 || get16(f, 12) == 0x88a8 || get16(f, 12) == 0x9100)) {
                f.erase(f.begin() + 12, f.begin() + 16);
            }
            L = layout(f);
            break;
        case 3:
            if (L.v4) { Addr a = dst4(r, s); std::copy(a.begin(), a.begin() + 4, f.begin() + static_cast<long>(L.l3 + 16)); }
            if (L.v6) { Addr a = dst6(r, s); std::copy(a.begin(), a.end(), f.begin() + static_cast<long>(L.l3 + 24)); }
            break;
        case 4:
            if (L.v4) { Addr a = src4(r, s); std::copy(a.begin(), a.begin() + 4, f.begin() + static_cast<long>(L.l3 + 12)); }
            if (L.v6) { Addr a = src6(r, s); std::copy(a.begin(), a.end(), f.begin() + static_cast<long>(L.l3 + 8)); }
            break;
        case 5:
            if (L.l4) {
                uint8_t hop = 0;
                Bytes m = icmp_message(r, L.v4, hop);
                f[L.l4] = m[0];
                if (r.chance(50)) f[L.l4 + 1] = m[1];
            }
            break;
        case 6:
            if (L.l4) f[L.l4 + 1] = r.chance(50) ? 0 : r.byte();
            break;
        case 7: {  // TTL / hop limit
            static const uint8_t hops[] = {1, 64, 255, 254, 0};
            uint8_t h = r.chance(80) ? pick(r, hops) : r.byte();
            if (L.v4) f[L.l3 + 8] = h;
            if (L.v6) f[L.l3 + 7] = h;
            break;
        }
        case 8:  // fragment fields
            if (L.v4) set16(f, L.l3 + 6, r.chance(50) ? 0x2000 : r.chance(50) ? 0x4000 : r.u16());
            break;
        case 9:  // version / IHL
            if (L.l3) f[L.l3] = r.chance(50) ? static_cast<uint8_t>((f[L.l3] & 0xf0) | r.below(16)) : r.byte();
            break;
        case 10:  // lengths
            if (L.v4) set16(f, L.l3 + 2, static_cast<uint16_t>(get16(f, L.l3 + 2) + r.below(16) - 8));
            if (L.v6) set16(f, L.l3 + 4, r.chance(20) ? 0 : static_cast<uint16_t>(get16(f, L.l3 + 4) + r.below(16) - 8));
            break;
        case 11:  // padding or truncation
            if (r.chance(50) && f.size() + 40 < max_size) {
                bool garbage = r.chance(50);
                for (unsigned i = 0, k = 1 + r.below(40); i < k; ++i) f.push_back(garbage ? r.byte() : 0);
            } else if (f.size() > 14) {
                f.resize(14 + r.below(static_cast<uint32_t>(f.size() - 14)));
            }
            L = layout(f);
            break;
        case 12: {  // one bit in the headers
            size_t lim = std::min<size_t>(f.size(), L.l4 ? L.l4 + 8 : 80);
            size_t i = r.below(static_cast<uint32_t>(lim));
            f[i] ^= static_cast<uint8_t>(1u << r.below(8));
            break;
        }
        default:  // another profile
            in[0] = r.byte();
        }
    }
    if (r.chance(75)) fix_checksums(f, r.chance(40));
    in.resize(1);
    in.insert(in.end(), f.begin(), f.end());
    if (in.size() > max_size) in.resize(max_size);
}

size_t custom_mutate(uint8_t* data, size_t size, size_t max_size, unsigned seed, ByteMutator fallback) {
    Rng r(seed);
    Bytes in(data, data + size);
    unsigned how = r.below(100);
    if (how < 30 || size < 15) {
        in = random_input(r, max_size);
    } else if (how < 65 || !fallback) {
        mutate_fields(in, r, max_size);
    } else {
        // bytes mutated by libFuzzer, the selector kept; then often re-valid
        size_t n = fallback(data + 1, size - 1, max_size - 1);
        in.assign(data, data + 1 + n);
        if (r.chance(50) && in.size() > 1) {
            Bytes f(in.begin() + 1, in.end());
            fix_checksums(f, r.chance(30));
            std::copy(f.begin(), f.end(), in.begin() + 1);
        }
    }
    if (in.size() > max_size) in.resize(max_size);
    std::copy(in.begin(), in.end(), data);
    return in.size();
}

}  // namespace icmpguard::fuzz
