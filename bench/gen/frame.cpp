#include "frame.hpp"

#include <algorithm>
#include <cstring>

namespace gen {

namespace {

// RFC 1071 over big-endian 16-bit words, not folded.
uint32_t sum_be(const uint8_t* p, size_t len, uint32_t sum = 0) {
    for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(p[i] << 8 | p[i + 1]);
    if (len & 1) sum += static_cast<uint32_t>(p[len - 1] << 8);
    return sum;
}

uint16_t checksum(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

void put16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

// A 16-bit word as the program loads it from the packet: native order. The
// one's complement sum works in either order (RFC 1071 §2(B)), as long as
// the program stores its result in the order it loaded the words.
uint16_t native16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}

}  // namespace

std::vector<uint8_t> build_frame(const FrameSpec& s) {
    const bool v6 = s.src.family == 6;
    const size_t l3 = 14, l4 = l3 + (v6 ? 40 : 20);
    std::vector<uint8_t> f(s.size, 0);
    std::memcpy(&f[0], s.dst_mac.data(), 6);
    std::memcpy(&f[6], s.src_mac.data(), 6);
    put16(&f[12], v6 ? 0x86dd : 0x0800);

    uint8_t* icmp = &f[l4];
    icmp[0] = s.type;
    icmp[1] = s.code;
    put16(icmp + 4, 0x6967);  // id "ig"
    put16(icmp + 6, 1);       // seq
    for (size_t k = l4 + 8; k < s.size; k++) f[k] = static_cast<uint8_t>(k - l4 - 8);
    const size_t icmp_len = s.size - l4;

    uint8_t* ip = &f[l3];
    if (v6) {
        ip[0] = 0x60;
        put16(ip + 4, static_cast<uint16_t>(icmp_len));
        ip[6] = 58;  // ICMPv6
        ip[7] = 64;  // hop limit
        std::memcpy(ip + 8, s.src.b.data(), 16);
        std::memcpy(ip + 24, s.dst.b.data(), 16);
        // Pseudo-header (RFC 8200 §8.1): addresses, upper-layer length, next header.
        uint32_t pseudo = sum_be(ip + 8, 32) + static_cast<uint32_t>(icmp_len) + 58;
        put16(icmp + 2, checksum(sum_be(icmp, icmp_len, pseudo)));
    } else {
        ip[0] = 0x45;
        put16(ip + 2, static_cast<uint16_t>(s.size - l3));
        put16(ip + 6, 0x4000);  // DF, offset 0
        ip[8] = 64;             // TTL
        ip[9] = 1;              // ICMP
        std::memcpy(ip + 12, s.src.b.data(), 4);
        std::memcpy(ip + 16, s.dst.b.data(), 4);
        put16(ip + 10, checksum(sum_be(ip, 20)));
        put16(icmp + 2, checksum(sum_be(icmp, icmp_len)));
    }
    return f;
}

gen_cfg make_cfg(const std::vector<uint8_t>& frame, int family, const std::optional<Prefix>& random,
                 uint64_t legit_every, uint64_t seed) {
    gen_cfg c{};
    const size_t hdr_len = family == 6 ? GEN_HDR6_LEN : GEN_HDR4_LEN;
    std::memcpy(c.hdr, frame.data(), hdr_len);
    c.family = static_cast<uint32_t>(family);
    c.random = random.has_value();
    c.legit_every = legit_every;
    c.seed = seed;
    if (!random) return c;

    const size_t words = family == 6 ? 4 : 1;
    for (size_t w = 0; w < words; w++) {
        uint8_t net[4], mask[4];
        for (int k = 0; k < 4; k++) {
            int bit0 = static_cast<int>(w * 32) + k * 8;  // first bit of this byte
            int keep = std::min(8, std::max(0, random->bits - bit0));
            mask[k] = static_cast<uint8_t>(0xff >> keep);  // the host bits of the byte
            net[k] = random->net.b[w * 4 + k];
        }
        std::memcpy(&c.rnd_net[w], net, 4);
        std::memcpy(&c.rnd_mask[w], mask, 4);
    }
    // RFC 1624 eqn. 3, HC' = ~(~HC + ~m + m'), with the part that does not
    // change per frame precomputed: ~HC and ~m for each word m of the
    // template's source. The program adds the words m' of the new source.
    const size_t csum_off = family == 6 ? GEN_OFF6_CSUM : GEN_OFF4_CSUM;
    const size_t src_off = family == 6 ? GEN_OFF6_SRC : GEN_OFF4_SRC;
    uint32_t base = static_cast<uint16_t>(~native16(&frame[csum_off]));
    for (size_t k = 0; k < words * 4; k += 2) base += static_cast<uint16_t>(~native16(&frame[src_off + k]));
    c.csum_base = base;
    return c;
}

}  // namespace gen
