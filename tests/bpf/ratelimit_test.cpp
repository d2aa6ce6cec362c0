// The rate limiter in the real program, through BPF_PROG_TEST_RUN: which
// packets meet it, burst and refill of the per-source buckets (time driven
// through the coarse monotonic clock the program reads), prefix keying,
// per-type and aggregate ceilings with their random credit, the new-source
// budget, exemptions, shadow mode, and the counters each refusal moves.
#include <linux/bpf.h>
#include <time.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <set>

extern "C" {
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "icmpguard/abi.h"
#include "lib/token_bucket.h"
}

#include "common/bpf_harness.hpp"
#include "core/map_keys.hpp"
#include "core/rate_limits.hpp"

namespace icmpguard::test {
namespace {

constexpr uint64_t kNs = 1000000000ull;

ig_rl_rate rate(uint64_t pps, uint64_t burst) {
    ig_rl_rate r{};
    EXPECT_TRUE(ig_rl_rate_from_pps(pps, burst, &r));
    return r;
}

// What bpf_ktime_get_coarse_ns() returns.
uint64_t coarse_now() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * kNs + static_cast<uint64_t>(ts.tv_nsec);
}

// Limits with every budget off except what a test sets: /32 and /64 keys.
RateLimits base_limits() {
    RateLimits l;
    l.params.flags = IG_RL_F_ENABLED;
    l.params.ip4_mask = 0xffffffffu;
    l.params.ip6_mask[0] = l.params.ip6_mask[1] = 0xffffffffu;
    l.params.filter_period_ns = 8 * kNs;  // the maybe-known filter on, as by default
    return l;
}

Bytes echo4_from(const std::string& src, uint16_t seq = 1) {
    return icmp4_frame({}, {.src = src}, {.type = 8, .seq = seq, .payload = Bytes(56, 0x5a)});
}
Bytes echo6_from(const std::string& src, uint16_t seq = 1) {
    return icmp6_frame({}, {.src = src}, {.type = 128, .seq = seq, .payload = Bytes(56, 0x5a)});
}
// Port unreachable: passed to the kernel by the lab policy (class "other").
Bytes port_unreach_from(const std::string& src) {
    return icmp4_frame({}, {.src = src}, {.type = 3, .code = 3, .payload = Bytes(28, 0x45)});
}
Bytes frag_needed_from(const std::string& src) {
    return icmp4_frame({}, {.src = src}, {.type = 3, .code = 4, .payload = Bytes(28, 0x45)});
}

class RateLimit : public LabTest {
protected:
    void apply(const RateLimits& limits, uint32_t flags = 0) {
        auto m = h_->datapath().maps();
        auto r = PolicyWriter(PolicyMapFds{m.policy, m.policy_state, m.rl_params, m.rl_type_rates})
                     .apply(lab_policy(), flags, &limits);
        ASSERT_TRUE(r.has_value()) << r.error().message();
    }
    // How many of these frames the program answered (XDP_TX).
    int replies(const std::vector<Bytes>& frames) {
        int n = 0;
        for (const auto& f : frames) n += h_->run(f).action == XDP_TX;
        return n;
    }
    int replies(const Bytes& frame, int times) { return replies(std::vector<Bytes>(times, frame)); }
    int passes(const Bytes& frame, int times) {
        int n = 0;
        for (int i = 0; i < times; ++i) n += h_->run(frame).action == XDP_PASS;
        return n;
    }
    ig_rl_key key4(const char* addr) {
        ig_rl_key k{};
        k.family = IG_FAMILY_IPV4;
        inet_pton(AF_INET, addr, k.addr);
        return k;
    }
    std::optional<ig_rl_source> source(const ig_rl_key& k) {
        ig_rl_source v{};
        if (bpf_map_lookup_elem(h_->datapath().maps().rl_sources, &k, &v)) return std::nullopt;
        return v;
    }
    void set_source(const ig_rl_key& k, const ig_rl_source& v) {
        ASSERT_EQ(bpf_map_update_elem(h_->datapath().maps().rl_sources, &k, &v, BPF_ANY), 0);
    }
    uint64_t shared_tat(uint32_t slot) {
        uint64_t v = 0;
        EXPECT_EQ(bpf_map_lookup_elem(h_->datapath().maps().rl_shared, &slot, &v), 0);
        return v;
    }
    void reset_shared() {
        for (uint32_t i = 0; i < IG_RL_SHARED_ENTRIES; ++i) {
            uint64_t zero = 0;
            ASSERT_EQ(bpf_map_update_elem(h_->datapath().maps().rl_shared, &i, &zero, BPF_ANY), 0);
        }
    }
    size_t source_count() {
        auto keys = map_keys<ig_rl_key>(h_->datapath().maps().rl_sources, "rl_sources");
        EXPECT_TRUE(keys.has_value());
        return keys ? keys->size() : 0;
    }
};

TEST_F(RateLimit, OffUntilConfigured) {
    if (!set_up()) return;
    EXPECT_EQ(replies(echo4_from("198.51.100.1"), 3000), 3000);
    EXPECT_EQ(source_count(), 0u) << "no state is kept while the limiter is off";
}

TEST_F(RateLimit, ABucketAdmitsExactlyBurstAtTimeZero) {
    if (!set_up()) return;
    for (uint64_t burst : {1u, 5u, 64u}) {
        auto l = base_limits();
        l.params.per_source[IG_RL_ECHO] = rate(1, burst);  // no refill within the test
        apply(l);
        const std::string src = "198.51.100." + std::to_string(10 + burst);
        auto before = h_->stats();
        EXPECT_EQ(replies(echo4_from(src), static_cast<int>(burst) + 20), static_cast<int>(burst)) << "burst " << burst;
        auto d = diff(before, h_->stats());
        EXPECT_EQ(d[type_counter(IG_FAMILY_IPV4, 8, IG_ACTION_REPLY)].packets, burst);
        EXPECT_EQ(d[type_counter(IG_FAMILY_IPV4, 8, IG_ACTION_RATE_LIMITED)].packets, 20u);
        EXPECT_EQ(d[reason_counter(IG_FAMILY_IPV4, IG_REASON_RL_SOURCE)].packets, 20u);
        EXPECT_EQ(d.size(), 3u) << "a refusal moves exactly its type and reason counters";
        auto s = source(key4(src.c_str()));
        ASSERT_TRUE(s.has_value());
        EXPECT_EQ(s->limited, 20u);
        EXPECT_NE(s->last_limited_ns, 0u);
    }
}

TEST_F(RateLimit, ARefusedEchoIsDroppedUntouched) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1, 1);
    apply(l);
    auto frame = echo4_from("198.51.100.1");
    ASSERT_EQ(h_->run(frame).action, XDP_TX);
    auto r = h_->run(frame);
    EXPECT_EQ(r.action, XDP_DROP);
    EXPECT_EQ(r.out, frame);
}

// Drive the refill through the clock the program reads: a bucket that ran
// dry `elapsed` ago has regained floor(elapsed * rate) packets, never more
// than the burst.
TEST_F(RateLimit, RefillsAtTheConfiguredRate) {
    if (!set_up()) return;
    auto l = base_limits();
    const auto r = rate(10, 5);  // 100 ms a packet: a coarse-clock tick (<= 10 ms) cannot add one
    l.params.per_source[IG_RL_ECHO] = r;
    apply(l);
    const auto k = key4("198.51.100.1");
    for (uint64_t k_packets : {0u, 1u, 3u, 5u, 9u}) {
        const uint64_t now = coarse_now();
        const uint64_t elapsed = k_packets * r.interval_ns + r.interval_ns / 2;
        ig_rl_source s{};
        // empty at `now - elapsed`: TAT = then + tolerance + interval
        s.tat[IG_RL_ECHO] = now + r.tolerance_ns + r.interval_ns - elapsed;
        set_source(k, s);
        EXPECT_EQ(replies(echo4_from("198.51.100.1"), 20), static_cast<int>(std::min<uint64_t>(k_packets, 5)))
            << k_packets << " intervals since the bucket ran dry";
    }
}

TEST_F(RateLimit, Ipv6SourcesInOneSlash64ShareABucket) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1, 4);
    apply(l);
    std::vector<Bytes> same64;
    for (int i = 0; i < 10; ++i) same64.push_back(echo6_from("2001:db8:0:1::" + std::to_string(i + 1)));
    same64.push_back(echo6_from("2001:db8:0:1:ffff:ffff:ffff:ffff"));
    EXPECT_EQ(replies(same64), 4) << "one /64, one bucket, whatever the interface IDs";
    EXPECT_EQ(replies(echo6_from("2001:db8:0:2::1"), 10), 4) << "the next /64 has its own";
    EXPECT_EQ(replies(echo6_from("2001:db8:1:1::1"), 10), 4);
}

TEST_F(RateLimit, PrefixLengthsAreConfigurable) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1, 3);
    l.params.ip4_mask = htonl(0xffffff00u);          // /24
    l.params.ip6_mask[0] = l.params.ip6_mask[1] = 0;  // /128
    for (auto& w : l.params.ip6_mask) w = 0xffffffffu;
    apply(l);
    EXPECT_EQ(replies({echo4_from("198.51.100.1"), echo4_from("198.51.100.3"), echo4_from("198.51.100.4"),
                       echo4_from("198.51.100.200"), echo4_from("198.51.100.7")}),
              3);
    EXPECT_EQ(replies(echo4_from("203.0.113.9"), 5), 3);
    EXPECT_EQ(replies({echo6_from("2001:db8:0:1::1"), echo6_from("2001:db8:0:1::2"), echo6_from("2001:db8:0:1::3"),
                       echo6_from("2001:db8:0:1::4")}),
              4)
        << "/128: every address its own bucket";
}

TEST_F(RateLimit, PassedIcmpSpendsItsOwnBudget) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1, 2);
    l.params.per_source[IG_RL_OTHER] = rate(1, 3);
    apply(l);
    auto before = h_->stats();
    EXPECT_EQ(passes(port_unreach_from("198.51.100.1"), 10), 3);
    EXPECT_EQ(replies(echo4_from("198.51.100.1"), 10), 2) << "echo has its own bucket";
    auto d = diff(before, h_->stats());
    EXPECT_EQ(d[type_counter(IG_FAMILY_IPV4, 3, IG_ACTION_PASS)].packets, 3u);
    EXPECT_EQ(d[type_counter(IG_FAMILY_IPV4, 3, IG_ACTION_RATE_LIMITED)].packets, 7u);
    EXPECT_EQ(d[reason_counter(IG_FAMILY_IPV4, IG_REASON_POLICY_PASS)].packets, 3u);
    EXPECT_EQ(d[reason_counter(IG_FAMILY_IPV4, IG_REASON_RL_SOURCE)].packets, 7u + 8u);
}

TEST_F(RateLimit, EchoTheKernelWouldAnswerIsLimitedToo) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1, 2);
    apply(l);
    // an IPv4 option (NOP x4): passed for the kernel to answer, still from the echo budget
    auto opts = icmp4_frame({}, {.src = "198.51.100.1", .options = Bytes{1, 1, 1, 1}},
                            {.type = 8, .payload = Bytes(8, 1)});
    EXPECT_EQ(passes(opts, 10), 2);
    EXPECT_EQ(replies(echo4_from("198.51.100.1"), 3), 0) << "the same budget";
    // not for this host: never limited
    auto transit = icmp4_frame({}, {.src = "198.51.100.1", .dst = "192.0.2.9"}, {.type = 8, .payload = Bytes(8, 1)});
    EXPECT_EQ(passes(transit, 20), 20);
}

TEST_F(RateLimit, ExemptCodesAreNeverLimited) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_OTHER] = rate(1, 1);
    for (uint32_t code = 0; code < IG_ICMP_CODES; ++code)
        l.exempt[(IG_FAMILY_IPV4 * IG_ICMP_TYPES + 3) * IG_ICMP_CODES + code] = code == 4;
    apply(l);
    EXPECT_EQ(passes(frag_needed_from("198.51.100.1"), 50), 50) << "PMTUD must never be limited";
    EXPECT_EQ(passes(port_unreach_from("198.51.100.1"), 5), 1);
}

TEST_F(RateLimit, ARefusalByTheSourceBucketSpendsNoSharedCredit) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1, 2);
    l.params.total[IG_RL_ECHO] = rate(1000, 1000);
    l.type_rates[IG_FAMILY_IPV4 * IG_ICMP_TYPES + 8] = rate(1000, 1000);
    apply(l);
    reset_shared();
    EXPECT_EQ(replies(echo4_from("198.51.100.1"), 2), 2);
    const uint64_t total = shared_tat(IG_RL_SHARED_TOTAL_BASE + IG_RL_ECHO);
    const uint64_t type = shared_tat(ig_rl_type_slot(IG_FAMILY_IPV4, 8));
    EXPECT_EQ(replies(echo4_from("198.51.100.1"), 500), 0);
    EXPECT_EQ(shared_tat(IG_RL_SHARED_TOTAL_BASE + IG_RL_ECHO), total) << "CVE-2024-47678: per-source first";
    EXPECT_EQ(shared_tat(ig_rl_type_slot(IG_FAMILY_IPV4, 8)), type);
}

// The shared ceilings spend 0, 1 or 2 credits at random: how many of a
// burst a source gets back varies, so an attacker's count of answers does
// not read out how much credit others spent (SAD DNS, CVE-2020-25705).
TEST_F(RateLimit, SharedCeilingsSpendRandomCredit) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.total[IG_RL_ECHO] = rate(1, 10);  // no refill within the test
    apply(l);
    std::set<int> counts;
    int least = 1 << 30, most = 0;
    for (int trial = 0; trial < 12; ++trial) {
        reset_shared();
        std::vector<Bytes> frames;
        for (int i = 0; i < 60; ++i) frames.push_back(echo4_from("198.18.0." + std::to_string(i + 1)));
        const int n = replies(frames);
        counts.insert(n);
        least = std::min(least, n);
        most = std::max(most, n);
    }
    EXPECT_GT(counts.size(), 1u) << "every trial admitted the same number: the credit is not random";
    EXPECT_GE(least, 5) << "sum of credits > burst-1 needs at least 5 packets at 2 credits";
    EXPECT_LE(most, 50) << "credit averages 1 a packet";
}

TEST_F(RateLimit, PerTypeCeilingLimitsThatTypeAlone) {
    if (!set_up()) return;
    auto l = base_limits();
    l.type_rates[IG_FAMILY_IPV4 * IG_ICMP_TYPES + 3] = rate(1, 5);
    apply(l);
    reset_shared();
    std::vector<Bytes> unreach;
    for (int i = 0; i < 100; ++i) unreach.push_back(port_unreach_from("198.18.1." + std::to_string(i + 1)));
    auto before = h_->stats();
    int passed = 0;
    for (const auto& f : unreach) passed += h_->run(f).action == XDP_PASS;
    auto d = diff(before, h_->stats());
    EXPECT_GE(passed, 3);
    EXPECT_LE(passed, 40);
    EXPECT_EQ(d[reason_counter(IG_FAMILY_IPV4, IG_REASON_RL_TYPE)].packets, static_cast<uint64_t>(100 - passed));
    EXPECT_EQ(d[type_counter(IG_FAMILY_IPV4, 3, IG_ACTION_RATE_LIMITED)].packets, static_cast<uint64_t>(100 - passed));
    EXPECT_EQ(replies(echo4_from("198.18.1.1"), 20), 20) << "echo is another type";
}

TEST_F(RateLimit, NewSourcesBeyondTheCpuBudgetAreRefusedKnownOnesAreNot) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1000, 1000);
    apply(l);
    // a known, well-behaved source first
    ASSERT_EQ(replies(echo4_from("198.51.100.1"), 1), 1);
    l.params.new_sources = rate(1, 4);  // at most ~4 more per CPU, then one a second
    apply(l);
    auto before = h_->stats();
    int answered = 0;
    for (int i = 0; i < 500; ++i) answered += h_->run(echo4_from("198.18." + std::to_string(i / 200) + "." + std::to_string(i % 200 + 1))).action == XDP_TX;
    auto d = diff(before, h_->stats());
    EXPECT_GE(answered, 2);
    EXPECT_LE(answered, 40);
    EXPECT_EQ(d[reason_counter(IG_FAMILY_IPV4, IG_REASON_RL_SOURCE_FLOOD)].packets, static_cast<uint64_t>(500 - answered));
    EXPECT_EQ(source_count(), static_cast<size_t>(1 + answered)) << "refused sources leave no state";
    EXPECT_EQ(replies(echo4_from("198.51.100.1"), 50), 50) << "the known source is still answered";
}

TEST_F(RateLimit, ShadowModeCountsWouldDropAndPasses) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1, 2);
    apply(l, IG_POLICY_F_SHADOW);
    auto before = h_->stats();
    EXPECT_EQ(passes(echo4_from("198.51.100.1"), 5), 5);
    auto d = diff(before, h_->stats());
    EXPECT_EQ(d[type_counter(IG_FAMILY_IPV4, 8, IG_ACTION_WOULD_REPLY)].packets, 2u);
    EXPECT_EQ(d[type_counter(IG_FAMILY_IPV4, 8, IG_ACTION_WOULD_DROP)].packets, 3u);
    EXPECT_EQ(d[reason_counter(IG_FAMILY_IPV4, IG_REASON_RL_SOURCE)].packets, 3u);
}

TEST_F(RateLimit, ALimitFlipsWithThePolicyAndKeepsBucketState) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1, 3);
    apply(l);
    EXPECT_EQ(replies(echo4_from("198.51.100.1"), 2), 2);
    apply(l);  // a reload with the same limits: the source keeps its spent tokens
    EXPECT_EQ(replies(echo4_from("198.51.100.1"), 5), 1);
    RateLimits off;  // limiter off on the new side
    apply(off);
    EXPECT_EQ(replies(echo4_from("198.51.100.1"), 5), 5);
}


TEST_F(RateLimit, TrafficForOtherHostsIsNotLimited) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_OTHER] = rate(1, 1);
    l.params.per_source[IG_RL_ECHO] = rate(1, 1);
    apply(l);
    // a router or a bridge port: passed ICMP to an address that is not ours
    auto transit = icmp4_frame({}, {.src = "198.51.100.1", .dst = "192.0.2.9"},
                               {.type = 3, .code = 3, .payload = Bytes(28, 0x45)});
    EXPECT_EQ(passes(transit, 20), 20);
    auto opts = icmp4_frame({}, {.src = "198.51.100.1", .dst = "192.0.2.9", .options = Bytes{1, 1, 1, 1}},
                            {.type = 8, .payload = Bytes(8, 1)});
    EXPECT_EQ(passes(opts, 20), 20) << "an echo the kernel forwards";
    EXPECT_EQ(source_count(), 0u);
    // the same to our address and to a multicast group: limited
    EXPECT_EQ(passes(port_unreach_from("198.51.100.1"), 5), 1);
    auto mcast6 = icmp6_frame({.dst = {0x33, 0x33, 0, 0, 0, 1}}, {.src = "2001:db8::1", .dst = "ff02::1"},
                              {.type = 1, .code = 4, .payload = Bytes(48, 0x60)});
    EXPECT_EQ(passes(mcast6, 5), 1);
}

TEST_F(RateLimit, ZeroPerSourcePpsKeepsNoStateAndRefusesNoNewSource) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.new_sources = rate(1, 1);  // would refuse almost every new source
    apply(l);                           // per-source pps 0 in both classes
    int answered = 0;
    for (int i = 0; i < 50; ++i) answered += h_->run(echo4_from("198.18.2." + std::to_string(i + 1))).action == XDP_TX;
    EXPECT_EQ(answered, 50);
    EXPECT_EQ(source_count(), 0u);
}

TEST_F(RateLimit, EachClassHasItsOwnNewSourceBudget) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1000, 1000);
    l.params.per_source[IG_RL_OTHER] = rate(1000, 1000);
    l.params.new_sources = rate(1, 3);
    apply(l);
    int answered = 0;
    for (int i = 0; i < 100; ++i) answered += h_->run(echo4_from("198.18.3." + std::to_string(i + 1))).action == XDP_TX;
    ASSERT_LT(answered, 100) << "the echo budget ran out";
    // an error from a router never seen before still reaches the kernel
    EXPECT_EQ(passes(port_unreach_from("203.0.113.77"), 1), 1);
}


TEST_F(RateLimit, AKnownSourceWhoseFilterBitWasLostKeepsItsBucket) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1, 2);
    apply(l);
    ASSERT_EQ(replies(echo4_from("198.51.100.1"), 5), 2);
    // forget every bit (as a rotation would for a long-silent source)
    const int fd = h_->datapath().maps().rl_filter;
    uint32_t zero = 0;
    auto f = std::make_unique<ig_rl_filter>();
    ASSERT_EQ(bpf_map_lookup_elem(fd, &zero, f.get()), 0);
    std::memset(f->words, 0, sizeof(f->words));
    ASSERT_EQ(bpf_map_update_elem(fd, &zero, f.get(), BPF_ANY), 0);
    auto before = h_->stats();
    EXPECT_EQ(replies(echo4_from("198.51.100.1"), 3), 0) << "its LRU entry is found again: still drained";
    auto d = diff(before, h_->stats());
    EXPECT_EQ(d[reason_counter(IG_FAMILY_IPV4, IG_REASON_RL_SOURCE)].packets, 3u);
    EXPECT_EQ(source_count(), 1u);
}

TEST_F(RateLimit, TheFilterRotatesOncePerPeriod) {
    if (!set_up()) return;
    auto l = base_limits();
    l.params.per_source[IG_RL_ECHO] = rate(1000, 1000);
    apply(l);
    const int fd = h_->datapath().maps().rl_filter;
    uint32_t zero = 0;
    auto f = std::make_unique<ig_rl_filter>();
    f->rotated_ns = coarse_now();  // rotated just now: young is 0
    f->young = 0;
    std::memset(f->words[1], 0xff, sizeof(f->words[1]));
    ASSERT_EQ(bpf_map_update_elem(fd, &zero, f.get(), BPF_ANY), 0);
    ASSERT_EQ(replies(echo4_from("198.51.100.1"), 1), 1);
    ASSERT_EQ(bpf_map_lookup_elem(fd, &zero, f.get()), 0);
    EXPECT_EQ(f->words[1][100], ~0ull) << "within the period nothing is cleared";

    f->rotated_ns = coarse_now() - 9 * kNs;  // the period (8 s) is over
    ASSERT_EQ(bpf_map_update_elem(fd, &zero, f.get(), BPF_ANY), 0);
    ASSERT_EQ(replies(echo4_from("198.51.100.1"), 1), 1);
    ASSERT_EQ(bpf_map_lookup_elem(fd, &zero, f.get()), 0);
    EXPECT_EQ(f->young, 1u) << "the old generation became the young one";
    EXPECT_GT(f->rotated_ns, coarse_now() - kNs);
    size_t set = 0;
    for (auto w : f->words[1]) set += static_cast<size_t>(__builtin_popcountll(w));
    EXPECT_EQ(set, 1u) << "cleared, then marked with the one source just seen";
    ig_rl_key k = key4("198.51.100.1");
    const uint32_t bit = ig_rl_filter_bit(&k);
    EXPECT_TRUE(f->words[1][bit >> 6] >> (bit & 63) & 1);
    EXPECT_TRUE(f->words[0][bit >> 6] >> (bit & 63) & 1) << "the old generation still has it";
}

}  // namespace
}  // namespace icmpguard::test
