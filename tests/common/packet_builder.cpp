#include "common/packet_builder.hpp"

#include <arpa/inet.h>

#include <cstdio>
#include <stdexcept>

namespace icmpguard::test {
namespace {

void put16(Bytes& b, uint16_t v) {
    b.push_back(static_cast<uint8_t>(v >> 8));
    b.push_back(static_cast<uint8_t>(v));
}

void put32(Bytes& b, uint32_t v) {
    put16(b, static_cast<uint16_t>(v >> 16));
    put16(b, static_cast<uint16_t>(v));
}

void set16(Bytes& b, size_t off, uint16_t v) {
    b[off] = static_cast<uint8_t>(v >> 8);
    b[off + 1] = static_cast<uint8_t>(v);
}

uint16_t get16(const Bytes& b, size_t off) {
    return static_cast<uint16_t>((b[off] << 8) | b[off + 1]);
}

// Extension header with a PadN-filled body (HBH and destination options).
ExtHeader options_header(uint8_t type, size_t total_len) {
    if (total_len < 8 || total_len % 8) throw std::invalid_argument("options header length");
    ExtHeader h;
    h.type = type;
    size_t body = total_len - 2;
    h.body.assign(body, 0);
    h.body[0] = 1;  // PadN
    h.body[1] = static_cast<uint8_t>(body - 2);
    return h;
}

}  // namespace

uint16_t ones_sum(const uint8_t* data, size_t len, uint32_t initial) {
    uint64_t sum = initial;
    for (size_t i = 0; i + 1 < len; i += 2) sum += static_cast<uint32_t>(data[i] << 8 | data[i + 1]);
    if (len % 2) sum += static_cast<uint32_t>(data[len - 1] << 8);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

uint16_t internet_checksum(const uint8_t* data, size_t len, uint32_t initial) {
    return static_cast<uint16_t>(~ones_sum(data, len, initial));
}

uint16_t free_word_for_checksum(uint16_t sum_without, uint16_t stored) {
    const uint8_t two[4] = {static_cast<uint8_t>(sum_without >> 8), static_cast<uint8_t>(sum_without),
                            static_cast<uint8_t>(stored >> 8), static_cast<uint8_t>(stored)};
    return static_cast<uint16_t>(~ones_sum(two, sizeof(two)));
}

uint32_t ip6_pseudo_sum(const std::array<uint8_t, 16>& src, const std::array<uint8_t, 16>& dst,
                        uint32_t upper_len, uint8_t next_header) {
    uint32_t sum = 0;
    for (size_t i = 0; i < 16; i += 2) {
        sum += static_cast<uint32_t>(src[i] << 8 | src[i + 1]);
        sum += static_cast<uint32_t>(dst[i] << 8 | dst[i + 1]);
    }
    sum += upper_len >> 16;
    sum += upper_len & 0xffff;
    sum += next_header;
    return sum;
}

std::array<uint8_t, 4> ip4(const std::string& text) {
    std::array<uint8_t, 4> a{};
    if (inet_pton(AF_INET, text.c_str(), a.data()) != 1) throw std::invalid_argument(text);
    return a;
}

std::array<uint8_t, 16> ip6(const std::string& text) {
    std::array<uint8_t, 16> a{};
    if (inet_pton(AF_INET6, text.c_str(), a.data()) != 1) throw std::invalid_argument(text);
    return a;
}

ExtHeader hop_by_hop(size_t total_len) { return options_header(0, total_len); }
ExtHeader dest_opts(size_t total_len) { return options_header(60, total_len); }

ExtHeader routing(uint8_t segments_left, uint8_t routing_type) {
    ExtHeader h;
    h.type = 43;
    h.body = {routing_type, segments_left, 0, 0, 0, 0};
    return h;
}

ExtHeader fragment(uint16_t offset_units, bool more, uint32_t ident) {
    ExtHeader h;
    h.type = 44;
    h.hdrlen = 0;  // the reserved byte sits where other headers keep their length
    uint16_t fo = static_cast<uint16_t>(offset_units << 3 | (more ? 1 : 0));
    h.body = {static_cast<uint8_t>(fo >> 8), static_cast<uint8_t>(fo)};
    for (int s = 24; s >= 0; s -= 8) h.body.push_back(static_cast<uint8_t>(ident >> s));
    return h;
}

ExtHeader auth_header(size_t total_len) {
    if (total_len < 12 || total_len % 4) throw std::invalid_argument("AH length");
    ExtHeader h;
    h.type = 51;
    h.body.assign(total_len - 2, 0);
    h.hdrlen = static_cast<uint8_t>(total_len / 4 - 2);
    return h;
}

Bytes icmp4_message(const IcmpSpec& icmp) {
    Bytes m{icmp.type, icmp.code, 0, 0};
    if (icmp.rest) {
        m.insert(m.end(), icmp.rest->begin(), icmp.rest->end());
    } else {
        put16(m, icmp.id);
        put16(m, icmp.seq);
    }
    m.insert(m.end(), icmp.payload.begin(), icmp.payload.end());
    set16(m, 2, icmp.checksum ? *icmp.checksum : internet_checksum(m.data(), m.size()));
    return m;
}

Bytes icmp6_message(const IcmpSpec& icmp, const Ipv6Spec& ip) {
    Bytes m = icmp4_message(IcmpSpec{icmp.type, icmp.code, icmp.id, icmp.seq, icmp.payload, std::nullopt, icmp.rest});
    set16(m, 2, 0);
    uint32_t pseudo = ip6_pseudo_sum(ip6(ip.src), ip6(ip.dst), static_cast<uint32_t>(m.size()), 58);
    set16(m, 2, icmp.checksum ? *icmp.checksum : internet_checksum(m.data(), m.size(), pseudo));
    return m;
}

Bytes ipv4_packet(const Ipv4Spec& ip, const Bytes& payload) {
    size_t hlen = 20 + ip.options.size();
    uint8_t ihl = ip.ihl ? *ip.ihl : static_cast<uint8_t>(hlen / 4);
    Bytes p;
    p.push_back(static_cast<uint8_t>(ip.version << 4 | (ihl & 0x0f)));
    p.push_back(ip.tos);
    put16(p, ip.tot_len ? *ip.tot_len : static_cast<uint16_t>(hlen + payload.size()));
    put16(p, ip.id);
    put16(p, ip.flags_frag);
    p.push_back(ip.ttl);
    p.push_back(ip.protocol);
    put16(p, 0);
    auto s = ip4(ip.src), d = ip4(ip.dst);
    p.insert(p.end(), s.begin(), s.end());
    p.insert(p.end(), d.begin(), d.end());
    p.insert(p.end(), ip.options.begin(), ip.options.end());
    set16(p, 10, ip.checksum ? *ip.checksum : internet_checksum(p.data(), hlen));
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

Bytes ipv6_packet(const Ipv6Spec& ip, const Bytes& payload) {
    Bytes ext;
    for (size_t i = 0; i < ip.ext.size(); ++i) {
        const ExtHeader& h = ip.ext[i];
        uint8_t next = i + 1 < ip.ext.size() ? ip.ext[i + 1].type : ip.upper;
        size_t total = 2 + h.body.size();
        uint8_t len;
        if (h.hdrlen) len = *h.hdrlen;
        else if (h.type == 51) len = static_cast<uint8_t>(total / 4 - 2);
        else len = static_cast<uint8_t>(total / 8 - 1);
        ext.push_back(next);
        ext.push_back(len);
        ext.insert(ext.end(), h.body.begin(), h.body.end());
    }
    Bytes p;
    uint32_t vtf = static_cast<uint32_t>(ip.version) << 28 | static_cast<uint32_t>(ip.traffic_class) << 20 |
                   (ip.flow_label & 0xfffff);
    put32(p, vtf);
    put16(p, ip.payload_len ? *ip.payload_len : static_cast<uint16_t>(ext.size() + payload.size()));
    p.push_back(ip.ext.empty() ? ip.upper : ip.ext[0].type);
    p.push_back(ip.hop_limit);
    auto s = ip6(ip.src), d = ip6(ip.dst);
    p.insert(p.end(), s.begin(), s.end());
    p.insert(p.end(), d.begin(), d.end());
    p.insert(p.end(), ext.begin(), ext.end());
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

Bytes eth_frame(const EthSpec& eth, uint16_t ethertype, const Bytes& l3, size_t min_len) {
    Bytes f(eth.dst.begin(), eth.dst.end());
    f.insert(f.end(), eth.src.begin(), eth.src.end());
    for (const auto& v : eth.vlans) {
        put16(f, v.tpid);
        put16(f, v.tci);
    }
    put16(f, ethertype);
    f.insert(f.end(), l3.begin(), l3.end());
    if (f.size() < min_len) f.resize(min_len, 0);
    return f;
}

Bytes icmp4_frame(const EthSpec& eth, const Ipv4Spec& ip, const IcmpSpec& icmp, size_t min_len) {
    return eth_frame(eth, 0x0800, ipv4_packet(ip, icmp4_message(icmp)), min_len);
}

Bytes icmp6_frame(const EthSpec& eth, const Ipv6Spec& ip, const IcmpSpec& icmp, size_t min_len) {
    return eth_frame(eth, 0x86dd, ipv6_packet(ip, icmp6_message(icmp, ip)), min_len);
}

Bytes expected_echo4_reply(EthSpec eth, Ipv4Spec ip, IcmpSpec icmp, uint8_t ttl) {
    std::swap(eth.dst, eth.src);
    std::swap(ip.src, ip.dst);
    ip.ttl = ttl;
    ip.checksum.reset();
    ip.tot_len.reset();
    icmp.type = 0;
    icmp.checksum.reset();
    return icmp4_frame(eth, ip, icmp);
}

Bytes expected_echo6_reply(EthSpec eth, Ipv6Spec ip, IcmpSpec icmp, uint8_t ttl) {
    std::swap(eth.dst, eth.src);
    std::swap(ip.src, ip.dst);
    ip.hop_limit = ttl;
    ip.payload_len.reset();
    icmp.type = 129;
    icmp.checksum.reset();
    return icmp6_frame(eth, ip, icmp);
}

bool ip4_header_checksum_ok(const Bytes& frame, size_t l3_off) {
    size_t hlen = (frame[l3_off] & 0x0f) * 4u;
    return ones_sum(&frame[l3_off], hlen) == 0xffff;
}

bool icmp4_checksum_ok(const Bytes& frame, size_t l3_off) {
    size_t hlen = (frame[l3_off] & 0x0f) * 4u;
    size_t tot = get16(frame, l3_off + 2);
    return ones_sum(&frame[l3_off + hlen], tot - hlen) == 0xffff;
}

bool icmp6_checksum_ok(const Bytes& frame, size_t l3_off) {
    size_t plen = get16(frame, l3_off + 4);
    std::array<uint8_t, 16> s{}, d{};
    std::copy(&frame[l3_off + 8], &frame[l3_off + 24], s.begin());
    std::copy(&frame[l3_off + 24], &frame[l3_off + 40], d.begin());
    return ones_sum(&frame[l3_off + 40], plen, ip6_pseudo_sum(s, d, static_cast<uint32_t>(plen), 58)) ==
           0xffff;
}

std::string hex(const Bytes& b) {
    std::string s;
    char buf[4];
    for (size_t i = 0; i < b.size(); ++i) {
        std::snprintf(buf, sizeof(buf), "%02x", b[i]);
        s += buf;
        if (i % 16 == 15) s += '\n';
        else s += ' ';
    }
    return s;
}

std::string hex16(uint32_t v) {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "0x%04X", v);
    return buf;
}

}  // namespace icmpguard::test
