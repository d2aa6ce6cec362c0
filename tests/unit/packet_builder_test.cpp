// The packet builder is the oracle every bpf-tier test trusts, so it is
// checked here against vectors that do not come from it: the RFC 1071 worked
// example, a captured IPv4 header, and whole echo frames whose checksums
// tshark 4.0 marked "[correct]" (hex below). Frame layouts (VLAN tags,
// padding, extension-header chaining, fragment and AH encoding) are checked
// byte by byte against the RFCs' wire formats.
#include <cstdint>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/packet_builder.hpp"

namespace icmpguard::test {
namespace {

Bytes from_hex(const std::string& text) {
    Bytes b;
    std::string digits;
    for (char c : text)
        if (c != ' ' && c != '\n') digits += c;
    for (size_t i = 0; i + 1 < digits.size(); i += 2)
        b.push_back(static_cast<uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
    return b;
}

uint16_t be16(const Bytes& b, size_t off) { return static_cast<uint16_t>(b[off] << 8 | b[off + 1]); }

Bytes payload_10_to_17() {
    Bytes p;
    for (uint8_t v = 0x10; v < 0x18; ++v) p.push_back(v);
    return p;
}

// ---- ones_sum / internet_checksum ---------------------------------------

// RFC 1071 §3: bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (checksum 220d).
TEST(OracleChecksum, Rfc1071WorkedExample) {
    const Bytes d = from_hex("00 01 f2 03 f4 f5 f6 f7");
    EXPECT_EQ(ones_sum(d.data(), d.size()), 0xddf2);
    EXPECT_EQ(internet_checksum(d.data(), d.size()), 0x220d);
}

// A captured IPv4/UDP header (192.168.0.1 -> 192.168.0.199) with checksum b861.
TEST(OracleChecksum, CapturedIpv4Header) {
    Bytes h = from_hex("45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7");
    EXPECT_EQ(ones_sum(h.data(), h.size()), 0xffff) << "a correct header sums to all ones";
    EXPECT_TRUE(ip4_header_checksum_ok(h, 0));
    h[10] = h[11] = 0;
    EXPECT_EQ(internet_checksum(h.data(), h.size()), 0xb861);

    // The builder produces exactly that header from the same fields.
    Ipv4Spec ip;
    ip.src = "192.168.0.1";
    ip.dst = "192.168.0.199";
    ip.id = 0;
    ip.flags_frag = 0x4000;
    ip.ttl = 64;
    ip.protocol = 17;
    Bytes pkt = ipv4_packet(ip, Bytes(0x73 - 20, 0));
    EXPECT_EQ(hex(Bytes(pkt.begin(), pkt.begin() + 20)),
              hex(from_hex("45 00 00 73 00 00 40 00 40 11 b8 61 c0 a8 00 01 c0 a8 00 c7")));
}

TEST(OracleChecksum, OddLengthPadsWithZeroAndFoldsCarries) {
    const Bytes one = {0x01};
    EXPECT_EQ(ones_sum(one.data(), 1), 0x0100) << "the odd byte is the high byte of its word";
    const Bytes three = {0xab, 0xcd, 0xef};
    EXPECT_EQ(ones_sum(three.data(), 3), 0x9ace);  // abcd + ef00 = 19acd -> 9ace
    const Bytes carry = {0xff, 0xff, 0x00, 0x01};
    EXPECT_EQ(ones_sum(carry.data(), 4), 0x0001);  // ffff + 0001 = 10000 -> 0001
    const Bytes ones = {0xff, 0xff, 0xff, 0xff};
    EXPECT_EQ(ones_sum(ones.data(), 4), 0xffff);
    // `initial` is folded in like any other word, carries included.
    EXPECT_EQ(ones_sum(one.data(), 1, 0x1ff00), 0x0002);  // 1ff00 + 0100 = 20000 -> 0002
}

// Zero data sums to +0, so the checksum that makes it verify is 0xFFFF (the
// header comment says "0 for an all-zero message": the code is right, the
// comment is not, see the report).
TEST(OracleChecksum, AllZeroMessage) {
    const Bytes z(8, 0);
    EXPECT_EQ(ones_sum(z.data(), z.size()), 0x0000);
    EXPECT_EQ(internet_checksum(z.data(), z.size()), 0xffff);
    EXPECT_EQ(ones_sum(z.data(), 0), 0x0000);
}

// Any message with a non-zero word: the canonical checksum is never 0xFFFF.
TEST(OracleChecksum, CanonicalChecksumIsNeverAllOnesForNonZeroData) {
    for (uint32_t w = 1; w <= 0xffff; ++w) {
        const Bytes d = {static_cast<uint8_t>(w >> 8), static_cast<uint8_t>(w)};
        uint16_t c = internet_checksum(d.data(), d.size());
        ASSERT_NE(c, 0xffff) << "word " << w;
        ASSERT_EQ(static_cast<uint16_t>(c + w), 0xffff) << "word " << w;  // w + ~w, no carry
    }
}

TEST(OracleChecksum, Ipv6PseudoHeaderSum) {
    // 2001:db8::1 -> 2001:db8::2, upper length 0x10010, next header 58: the
    // length is summed as two 16-bit words (RFC 8200 §8.1, 32-bit field).
    uint32_t want = 0x2001 + 0x0db8 + 0x0001 + 0x2001 + 0x0db8 + 0x0002 + 0x0001 + 0x0010 + 58;
    EXPECT_EQ(ip6_pseudo_sum(ip6("2001:db8::1"), ip6("2001:db8::2"), 0x10010, 58), want);
}

// ---- whole frames against tshark-verified captures ------------------------

TEST(OracleFrames, Icmp4EchoRequestMatchesTsharkVerifiedCapture) {
    IcmpSpec icmp;
    icmp.payload = payload_10_to_17();
    Bytes f = icmp4_frame(EthSpec{}, Ipv4Spec{}, icmp);
    // tshark: IPv4 header checksum 0xd43a [correct], ICMP checksum 0x696c [correct]
    EXPECT_EQ(hex(f), hex(from_hex("02 00 00 00 00 02 02 00 00 00 00 01 08 00"
                                   "45 00 00 24 12 34 40 00 40 01 d4 3a c6 33 64 01 c6 33 64 02"
                                   "08 00 69 6c 42 42 00 01 10 11 12 13 14 15 16 17")));
    EXPECT_TRUE(ip4_header_checksum_ok(f, 14));
    EXPECT_TRUE(icmp4_checksum_ok(f, 14));
}

TEST(OracleFrames, Icmp6EchoRequestMatchesTsharkVerifiedCapture) {
    IcmpSpec icmp;
    icmp.type = 128;
    icmp.payload = payload_10_to_17();
    Bytes f = icmp6_frame(EthSpec{}, Ipv6Spec{}, icmp);
    // tshark: ICMPv6 checksum 0x95ac [correct] (pseudo-header included)
    EXPECT_EQ(hex(f), hex(from_hex("02 00 00 00 00 02 02 00 00 00 00 01 86 dd"
                                   "60 00 00 00 00 10 3a 40"
                                   "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 01"
                                   "20 01 0d b8 00 00 00 00 00 00 00 00 00 00 00 02"
                                   "80 00 95 ac 42 42 00 01 10 11 12 13 14 15 16 17")));
    EXPECT_TRUE(icmp6_checksum_ok(f, 14));
}

TEST(OracleFrames, VerifiersRejectEverySingleBitFlip) {
    IcmpSpec icmp;
    icmp.payload = payload_10_to_17();
    const Bytes f4 = icmp4_frame(EthSpec{}, Ipv4Spec{}, icmp);
    for (size_t bit = 0; bit < 8 * 8; ++bit) {  // ICMP header bits
        Bytes g = f4;
        g[34 + bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        EXPECT_FALSE(icmp4_checksum_ok(g, 14)) << "bit " << bit;
    }
    for (size_t bit = 0; bit < 20 * 8; ++bit) {  // IPv4 header bits (IHL stays 5)
        if (bit / 8 == 0) continue;
        Bytes g = f4;
        g[14 + bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        EXPECT_FALSE(ip4_header_checksum_ok(g, 14)) << "bit " << bit;
    }
    icmp.type = 128;
    const Bytes f6 = icmp6_frame(EthSpec{}, Ipv6Spec{}, icmp);
    for (size_t byte = 22; byte < 54; ++byte) {  // addresses are in the pseudo-header
        Bytes g = f6;
        g[byte] ^= 0x01;
        EXPECT_FALSE(icmp6_checksum_ok(g, 14)) << "address byte " << byte;
    }
}

// ---- layouts --------------------------------------------------------------

TEST(OracleLayout, VlanTagsSitBeforeTheEtherType) {
    EthSpec eth;
    eth.vlans = {VlanTag{0x88a8, 0x0064}, VlanTag{0x8100, 0x2005}};
    Bytes f = eth_frame(eth, 0x0800, Bytes{0xaa, 0xbb});
    ASSERT_EQ(f.size(), 6u + 6u + 4u + 4u + 2u + 2u);
    EXPECT_EQ(Bytes(f.begin(), f.begin() + 6), Bytes(kServerMac.begin(), kServerMac.end()));
    EXPECT_EQ(Bytes(f.begin() + 6, f.begin() + 12), Bytes(kClientMac.begin(), kClientMac.end()));
    EXPECT_EQ(be16(f, 12), 0x88a8);
    EXPECT_EQ(be16(f, 14), 0x0064);
    EXPECT_EQ(be16(f, 16), 0x8100);
    EXPECT_EQ(be16(f, 18), 0x2005);
    EXPECT_EQ(be16(f, 20), 0x0800);
    EXPECT_EQ(f[22], 0xaa);
    EXPECT_EQ(f[23], 0xbb);
}

TEST(OracleLayout, PaddingToTheEthernetMinimumIsZerosAfterTheDatagram) {
    IcmpSpec icmp;  // 14 + 20 + 8 = 42 bytes
    Bytes f = icmp4_frame(EthSpec{}, Ipv4Spec{}, icmp, 60);
    ASSERT_EQ(f.size(), 60u);
    EXPECT_EQ(be16(f, 16), 28) << "tot_len counts the datagram, not the padding";
    for (size_t i = 42; i < 60; ++i) EXPECT_EQ(f[i], 0) << "byte " << i;
    EXPECT_TRUE(icmp4_checksum_ok(f, 14));
    Bytes big = icmp4_frame(EthSpec{}, Ipv4Spec{}, icmp, 10);
    EXPECT_EQ(big.size(), 42u) << "min_len never truncates";
}

TEST(OracleLayout, ExtensionHeadersChainTheirNextHeaders) {
    Ipv6Spec ip;
    ip.ext = {hop_by_hop(16), dest_opts(8), routing(0, 4), fragment(0, false, 1), dest_opts(24)};
    Bytes p = ipv6_packet(ip, Bytes(8, 0x5a));
    const size_t lens[] = {16, 8, 8, 8, 24};
    const uint8_t next[] = {60, 43, 44, 60, 58};
    ASSERT_EQ(p.size(), 40u + 16 + 8 + 8 + 8 + 24 + 8);
    EXPECT_EQ(p[6], 0) << "IPv6 next header names the first extension header (HBH)";
    EXPECT_EQ(be16(p, 4), 16 + 8 + 8 + 8 + 24 + 8) << "payload length covers the headers";
    size_t off = 40;
    for (size_t i = 0; i < 5; ++i) {
        SCOPED_TRACE("extension header " + std::to_string(i));
        EXPECT_EQ(p[off], next[i]);
        if (ip.ext[i].type != 44) {
            EXPECT_EQ(p[off + 1], lens[i] / 8 - 1) << "Hdr Ext Len in 8-octet units";
        }
        off += lens[i];
    }
    EXPECT_EQ(off, 40u + 64);
    EXPECT_EQ(p[off], 0x5a);
    // PadN fills options headers: type 1, length = rest of the header.
    EXPECT_EQ(p[42], 1);
    EXPECT_EQ(p[43], 12);
}

TEST(OracleLayout, FragmentHeaderEncoding) {
    Ipv6Spec ip;
    ip.ext = {fragment(185, true, 0xdeadbeef)};
    Bytes p = ipv6_packet(ip, {});
    ASSERT_EQ(p.size(), 48u);
    EXPECT_EQ(p[6], 44);
    EXPECT_EQ(p[40], 58);  // next header
    EXPECT_EQ(p[41], 0);   // reserved
    EXPECT_EQ(be16(p, 42), 185 << 3 | 1) << "offset in 8-octet units, Res 2 bits, M last";
    EXPECT_EQ(be16(p, 44), 0xdead);
    EXPECT_EQ(be16(p, 46), 0xbeef);
    ip.ext = {fragment(1, false, 7)};
    Bytes last = ipv6_packet(ip, {});
    EXPECT_EQ(be16(last, 42), 0x0008);
}

TEST(OracleLayout, AuthHeaderLengthIsIn4OctetUnitsMinus2) {
    for (size_t total : {12u, 16u, 24u}) {
        Ipv6Spec ip;
        ip.ext = {auth_header(total)};
        Bytes p = ipv6_packet(ip, {});
        ASSERT_EQ(p.size(), 40 + total);
        EXPECT_EQ(p[6], 51);
        EXPECT_EQ(p[40], 58);
        EXPECT_EQ(p[41], total / 4 - 2) << "RFC 4302 §2.2, total " << total;
    }
}

TEST(OracleLayout, OverridesProduceTheInvalidFieldsAsked) {
    Ipv4Spec ip;
    ip.ihl = 4;
    ip.tot_len = 1000;
    ip.checksum = 0x1234;
    ip.version = 6;
    Bytes p = ipv4_packet(ip, Bytes(8, 0));
    EXPECT_EQ(p[0], 0x64);
    EXPECT_EQ(be16(p, 2), 1000);
    EXPECT_EQ(be16(p, 10), 0x1234);
    IcmpSpec icmp;
    icmp.checksum = 0xbeef;
    EXPECT_EQ(be16(icmp4_message(icmp), 2), 0xbeef);
    icmp.rest = std::array<uint8_t, 4>{0, 0, 0x05, 0x00};
    Bytes m = icmp4_message(icmp);
    EXPECT_EQ(be16(m, 4), 0);
    EXPECT_EQ(be16(m, 6), 0x0500);
}

// ---- expected replies ------------------------------------------------------

TEST(OracleReplies, Echo4ReplySwapsAddressesResetsTtlAndKeepsData) {
    EthSpec eth;
    Ipv4Spec ip;
    ip.ttl = 3;
    ip.tos = 0x28;
    IcmpSpec icmp;
    icmp.payload = payload_10_to_17();
    Bytes req = icmp4_frame(eth, ip, icmp, 80);
    Bytes rep = expected_echo4_reply(eth, ip, icmp, 64);
    ASSERT_EQ(rep.size(), 14u + 20 + 16) << "no padding in the reply";
    EXPECT_EQ(Bytes(rep.begin(), rep.begin() + 6), Bytes(req.begin() + 6, req.begin() + 12));
    EXPECT_EQ(Bytes(rep.begin() + 6, rep.begin() + 12), Bytes(req.begin(), req.begin() + 6));
    EXPECT_EQ(rep[15], 0x28);
    EXPECT_EQ(rep[22], 64);
    EXPECT_EQ(Bytes(rep.begin() + 26, rep.begin() + 30), Bytes(req.begin() + 30, req.begin() + 34));
    EXPECT_EQ(Bytes(rep.begin() + 30, rep.begin() + 34), Bytes(req.begin() + 26, req.begin() + 30));
    EXPECT_EQ(rep[34], 0);
    EXPECT_EQ(Bytes(rep.begin() + 38, rep.end()), Bytes(req.begin() + 38, req.begin() + 50));
    EXPECT_TRUE(ip4_header_checksum_ok(rep, 14));
    EXPECT_TRUE(icmp4_checksum_ok(rep, 14));
    // Type 8 -> 0 moves the checksum by exactly 0x0800 (one's complement).
    uint32_t s = be16(req, 36) + 0x0800u;
    EXPECT_EQ(be16(rep, 36), static_cast<uint16_t>((s & 0xffff) + (s >> 16)));
}

TEST(OracleReplies, Echo6ReplySwapsAddressesResetsHopLimitAndVerifies) {
    EthSpec eth;
    Ipv6Spec ip;
    ip.hop_limit = 7;
    ip.flow_label = 0xabcde;
    IcmpSpec icmp;
    icmp.type = 128;
    icmp.payload = payload_10_to_17();
    Bytes req = icmp6_frame(eth, ip, icmp);
    Bytes rep = expected_echo6_reply(eth, ip, icmp, 64);
    ASSERT_EQ(rep.size(), req.size());
    EXPECT_EQ(rep[21], 64);
    EXPECT_EQ(Bytes(rep.begin() + 14, rep.begin() + 18), Bytes(req.begin() + 14, req.begin() + 18))
        << "traffic class and flow label kept";
    EXPECT_EQ(Bytes(rep.begin() + 22, rep.begin() + 38), Bytes(req.begin() + 38, req.begin() + 54));
    EXPECT_EQ(Bytes(rep.begin() + 38, rep.begin() + 54), Bytes(req.begin() + 22, req.begin() + 38));
    EXPECT_EQ(rep[54], 129);
    EXPECT_TRUE(icmp6_checksum_ok(rep, 14));
    // 128 -> 129 lowers the checksum by 0x0100; the address swap changes nothing.
    EXPECT_EQ(be16(rep, 56), static_cast<uint16_t>(be16(req, 56) - 0x0100));
}

}  // namespace
}  // namespace icmpguard::test

namespace icmpguard::test {
namespace {

// The shared solver the checksum tests build their requests with: for every
// stored value, the solved message verifies and carries exactly that value.
TEST(PacketBuilder, FreeWordForChecksumReachesEveryStoredValue) {
    Bytes m = {0x08, 0x00, 0x00, 0x00, 0x42, 0x42, 0x00, 0x01, 0x00, 0x00, 0x61, 0x62, 0x63};
    const uint16_t without = ones_sum(m.data(), m.size());  // checksum field and free word (8..9) zero
    for (uint32_t stored = 0; stored <= 0xffff; ++stored) {
        uint16_t w = free_word_for_checksum(without, static_cast<uint16_t>(stored));
        m[8] = static_cast<uint8_t>(w >> 8);
        m[9] = static_cast<uint8_t>(w);
        m[2] = static_cast<uint8_t>(stored >> 8);
        m[3] = static_cast<uint8_t>(stored);
        ASSERT_EQ(ones_sum(m.data(), m.size()), 0xffff) << "stored " << hex16(stored);
    }
}

}  // namespace
}  // namespace icmpguard::test
