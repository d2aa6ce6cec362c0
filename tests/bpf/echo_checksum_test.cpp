// "The reply checksum is correct for all 65,536 request checksum values, in
// both families" (RFC-NOTES §3.4, required test 2, on the real program).
//
// For every target t a valid echo request is built whose stored ICMP
// checksum is exactly t: one data word is solved so the message verifies
// with t in the checksum field. 0xFFFF, which no full computation yields, is
// the non-canonical form of 0x0000 and is reached the same way, so every
// stored value is covered. Each request goes through BPF_PROG_TEST_RUN once;
// the output must be XDP_TX and byte-identical to the packet builder's reply,
// whose checksums are computed from scratch (never by bpf/lib/csum.h).
#include <linux/bpf.h>

#include <cstdint>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include "icmpguard/abi.h"
}

#include "common/bpf_harness.hpp"

namespace icmpguard::test {
namespace {

uint16_t be16(const Bytes& b, size_t off) { return static_cast<uint16_t>(b[off] << 8 | b[off + 1]); }

constexpr size_t kL3 = 14;  // no VLAN tags here

struct EchoCase {
    Bytes request;
    Bytes reply;     // expected, from the builder
    size_t l4 = 0;   // offset of the ICMP header in both frames
};

// An echo request (198.51.100.1 -> 198.51.100.2, or 2001:db8::1 ->
// 2001:db8::2) with `payload_len` data bytes whose stored checksum is
// `stored`. The solved word is the first data word, or the identifier when
// there are fewer than two data bytes. pad_to > 0 adds link padding of
// non-zero bytes, which the program must neither sum nor echo.
EchoCase make_echo(bool v6, uint16_t stored, size_t payload_len, size_t pad_to = 0) {
    EthSpec eth;
    Ipv4Spec ip4s;
    Ipv6Spec ip6s;
    IcmpSpec icmp;
    // TTL / hop limit and IPv4 ID vary too, so the rebuilt IPv4 header
    // checksum (and the reset to 64) is checked over many inputs as well.
    ip4s.ttl = static_cast<uint8_t>(1 + stored % 255);
    ip4s.id = static_cast<uint16_t>(stored * 40503u);
    ip6s.hop_limit = static_cast<uint8_t>(1 + stored % 255);
    icmp.type = v6 ? 128 : 8;
    icmp.id = 0x4242;
    icmp.seq = 1;
    icmp.payload.resize(payload_len);
    for (size_t i = 0; i < payload_len; ++i) icmp.payload[i] = static_cast<uint8_t>(0x61 + i % 23);

    const bool word_in_data = payload_len >= 2;
    auto set_free_word = [&](uint16_t w) {
        if (word_in_data) {
            icmp.payload[0] = static_cast<uint8_t>(w >> 8);
            icmp.payload[1] = static_cast<uint8_t>(w);
        } else {
            icmp.id = w;
        }
    };
    set_free_word(0);
    icmp.checksum = 0;
    Bytes m = v6 ? icmp6_message(icmp, ip6s) : icmp4_message(icmp);
    uint32_t pseudo = v6 ? ip6_pseudo_sum(ip6(ip6s.src), ip6(ip6s.dst), static_cast<uint32_t>(m.size()), 58)
                         : 0;
    // checksum field t and free word w must make the sum all ones: w = ~(S + t)
    set_free_word(free_word_for_checksum(ones_sum(m.data(), m.size(), pseudo), stored));
    icmp.checksum = stored;

    EchoCase c;
    if (v6) {
        c.request = icmp6_frame(eth, ip6s, icmp);
        c.reply = expected_echo6_reply(eth, ip6s, icmp);
        c.l4 = kL3 + 40;
    } else {
        c.request = icmp4_frame(eth, ip4s, icmp);
        c.reply = expected_echo4_reply(eth, ip4s, icmp);
        c.l4 = kL3 + 20;
    }
    if (pad_to > c.request.size()) c.request.resize(pad_to, 0xa5);
    return c;
}

bool icmp_ok(bool v6, const Bytes& f) { return v6 ? icmp6_checksum_ok(f, kL3) : icmp4_checksum_ok(f, kL3); }

class EchoChecksum : public ::testing::Test {
protected:
    static void SetUpTestSuite() { harness_ = BpfHarness::create(LoadOptions{}, &why_).release(); }
    static void TearDownTestSuite() {
        delete harness_;
        harness_ = nullptr;
    }
    void SetUp() override {
        if (!harness_) GTEST_SKIP() << "cannot load the XDP program: " << why_;
        auto lab = harness_->install_lab();
        ASSERT_TRUE(lab.has_value()) << "install_lab: " << lab.error().message();
    }

    // Runs one case; returns "" or a description of what went wrong.
    static std::string run_case(bool v6, uint16_t stored, const EchoCase& c) {
        std::ostringstream err;
        if (be16(c.request, c.l4 + 2) != stored || !icmp_ok(v6, c.request)) {
            err << "test bug: request for " << hex16(stored) << " is not a valid request carrying it";
            return err.str();
        }
        RunResult r = harness_->run(c.request);
        if (r.err) {
            err << "BPF_PROG_TEST_RUN: " << std::strerror(r.err);
            return err.str();
        }
        bool verifies = r.out.size() > c.l4 + 4 && icmp_ok(v6, r.out);
        if (r.action != XDP_TX || r.out != c.reply || !verifies) {
            err << (v6 ? "ICMPv6" : "ICMPv4") << " request checksum " << hex16(stored) << ": action "
                << r.action << " (want XDP_TX " << XDP_TX << ")";
            if (r.out.size() > c.l4 + 4)
                err << ", reply checksum " << hex16(be16(r.out, c.l4 + 2))
                    << (verifies ? " verifies" : " does NOT verify");
            err << ", expected " << hex16(be16(c.reply, c.l4 + 2)) << "\ngot:\n"
                << hex(r.out) << "\nexpected:\n" << hex(c.reply);
        }
        return err.str();
    }

    static void expect_every_stored_value(bool v6, size_t payload_len) {
        SCOPED_TRACE(std::string(v6 ? "IPv6" : "IPv4") + ", " + std::to_string(payload_len) + " data bytes");
        const uint32_t family = v6 ? IG_FAMILY_IPV6 : IG_FAMILY_IPV4;
        const uint32_t type = v6 ? 128 : 8;
        StatsSnapshot before = harness_->stats();
        size_t frame_len = 0;
        int failures = 0;
        for (uint32_t t = 0; t <= 0xffff; ++t) {
            EchoCase c = make_echo(v6, static_cast<uint16_t>(t), payload_len);
            frame_len = c.request.size();
            std::string e = run_case(v6, static_cast<uint16_t>(t), c);
            if (!e.empty() && ++failures <= 5) ADD_FAILURE() << e;
        }
        EXPECT_EQ(failures, 0) << "of 65536 stored checksum values failed";
        // Exactly 65,536 replies were counted, and nothing else moved.
        Deltas want{{type_counter(family, type, IG_ACTION_REPLY), {65536, 65536 * frame_len}}};
        Deltas got = diff(before, harness_->stats());
        EXPECT_EQ(got, want);
        for (const auto& [k, d] : got) {
            if (!want.count(k)) ADD_FAILURE() << "unexpected counter " << describe(k) << " +" << d.packets;
        }
    }

    static BpfHarness* harness_;
    static std::string why_;
};
BpfHarness* EchoChecksum::harness_ = nullptr;
std::string EchoChecksum::why_;

TEST_F(EchoChecksum, Ipv4EveryStoredChecksumValue) { expect_every_stored_value(false, 56); }

TEST_F(EchoChecksum, Ipv6EveryStoredChecksumValue) { expect_every_stored_value(true, 56); }

// The values where a byte-swapped carry or borrow goes wrong (RFC-NOTES
// §3.4), the canonical/non-canonical zero pair and a spread of others.
std::vector<uint16_t> sample_values() {
    std::vector<uint16_t> v = {0x0000, 0x0001, 0x00ff, 0x0100, 0x07ff, 0x0800, 0x7fff, 0x8000,
                               0x80ff, 0xf7fe, 0xf7ff, 0xfeff, 0xff00, 0xfffe, 0xffff};
    for (uint32_t hi = 0xf8; hi <= 0xff; ++hi) v.push_back(static_cast<uint16_t>(hi << 8 | 0xff));
    for (uint32_t t = 7; t <= 0xffff; t += 509) v.push_back(static_cast<uint16_t>(t));
    return v;
}

// Odd lengths: the last byte is summed as a word padded with zero (RFC 1071),
// by the program's 1-byte tail. The long ones cross bpf_csum_diff()'s
// 256-byte chunks and every power-of-two remainder.
TEST_F(EchoChecksum, OddAndShortPayloadLengths) {
    for (bool v6 : {false, true}) {
        for (size_t len : {0u, 1u, 2u, 3u, 5u, 7u, 55u, 57u, 255u, 257u, 1001u, 1399u}) {
            SCOPED_TRACE(std::string(v6 ? "IPv6" : "IPv4") + ", " + std::to_string(len) + " data bytes");
            int failures = 0;
            for (uint16_t t : sample_values()) {
                std::string e = run_case(v6, t, make_echo(v6, t, len));
                if (!e.empty() && ++failures <= 3) ADD_FAILURE() << e;
            }
            EXPECT_EQ(failures, 0);
        }
    }
}

// Link padding after the datagram (a 42-byte IPv4 echo padded to the
// 60-byte Ethernet minimum, and padded IPv6 frames): trimmed before the
// checksum is verified and never echoed, so the reply is the bare datagram.
TEST_F(EchoChecksum, PaddedFrames) {
    struct Pad {
        bool v6;
        size_t payload;
        size_t pad_to;
    } pads[] = {{false, 0, 60}, {false, 3, 60}, {false, 4, 64}, {true, 0, 64}, {true, 1, 80}, {true, 6, 128}};
    for (const auto& p : pads) {
        SCOPED_TRACE(std::string(p.v6 ? "IPv6" : "IPv4") + ", " + std::to_string(p.payload) +
                     " data bytes padded to " + std::to_string(p.pad_to));
        int failures = 0;
        for (uint16_t t : sample_values()) {
            EchoCase c = make_echo(p.v6, t, p.payload, p.pad_to);
            ASSERT_EQ(c.request.size(), p.pad_to) << "test bug: no padding";
            ASSERT_LT(c.reply.size(), c.request.size());
            std::string e = run_case(p.v6, t, c);
            if (!e.empty() && ++failures <= 3) ADD_FAILURE() << e;
        }
        EXPECT_EQ(failures, 0);
    }
}

// An ICMPv4 echo request with identifier 0, sequence 0 and no data, or
// all-zero data (08 00 F7 FF 00 00 00 00 ..., valid; e.g. nping --icmp-id 0
// --icmp-seq 0). The reply is all zeros apart from its checksum, and the only
// checksum that verifies is 0xFFFF (a sum of zeros is +0). RFC 1624 eqn. 3
// gives 0x0000 here (see CsumProperty.AllZeroIcmp4ReplyIsOutsideEqn3sContract),
// so the program must not rely on the incremental update alone.
TEST_F(EchoChecksum, Ipv4AllZeroReplyMessage) {
    for (size_t data : {0u, 56u}) {
        SCOPED_TRACE(std::to_string(data) + " zero data bytes, id 0, seq 0");
        EthSpec eth;
        Ipv4Spec ip;
        IcmpSpec icmp;
        icmp.id = 0;
        icmp.seq = 0;
        icmp.payload.assign(data, 0);
        Bytes req = icmp4_frame(eth, ip, icmp);
        ASSERT_EQ(be16(req, kL3 + 20 + 2), 0xF7FF);
        Bytes want = expected_echo4_reply(eth, ip, icmp);
        ASSERT_EQ(be16(want, kL3 + 20 + 2), 0xFFFF) << "oracle: the only verifying checksum";

        RunResult r = harness_->run(req);
        ASSERT_EQ(r.err, 0) << std::strerror(r.err);
        EXPECT_EQ(r.action, static_cast<uint32_t>(XDP_TX));
        ASSERT_EQ(r.out.size(), want.size());
        EXPECT_TRUE(icmp4_checksum_ok(r.out, kL3)) << "reply checksum " << hex16(be16(r.out, kL3 + 22))
                                                   << " does not verify: the receiver drops the reply";
        EXPECT_EQ(hex(r.out), hex(want));
    }
}

}  // namespace
}  // namespace icmpguard::test
