// The rate limiters' bucket arithmetic (bpf/lib/token_bucket.h, GCRA form),
// the same C the XDP program compiles: burst at time zero, refill at the
// configured rate, the idle cap, conversion from pps, and the 64-bit extremes.
#include <gtest/gtest.h>

#include <cstdint>

extern "C" {
#include "lib/token_bucket.h"
}

namespace {

constexpr uint64_t kSecond = 1000000000ull;

ig_rl_rate rate_of(uint64_t pps, uint64_t burst) {
    ig_rl_rate r{};
    EXPECT_TRUE(ig_rl_rate_from_pps(pps, burst, &r)) << pps << " pps, burst " << burst;
    return r;
}

// How many of n back-to-back packets at time `now` pass.
int admit(__u64& tat, uint64_t now, int n, const ig_rl_rate& r) {
    int ok = 0;
    for (int i = 0; i < n; ++i) ok += ig_tb_take(&tat, now, &r);
    return ok;
}

TEST(TokenBucket, AFreshBucketAdmitsExactlyBurstAtTimeZero) {
    for (uint64_t burst : {1u, 2u, 20u, 1000u}) {
        for (uint64_t now : {0ull, 12345ull, 1ull << 50}) {
            __u64 tat = 0;  // a zeroed state is a full bucket
            EXPECT_EQ(admit(tat, now, static_cast<int>(burst) + 50, rate_of(10, burst)), static_cast<int>(burst))
                << "burst " << burst << " at " << now;
        }
    }
}

TEST(TokenBucket, RefillsAtTheConfiguredRate) {
    // 100 pps, burst 5, one attempt per ms for 10 s: 5 + 100/s * 10 s (the
    // first 5 from the burst, then one per 10 ms)
    const auto r = rate_of(100, 5);
    __u64 tat = 0;
    int passed = 0;
    for (uint64_t ms = 1; ms <= 10000; ++ms) passed += ig_tb_take(&tat, ms * 1000000, &r);
    EXPECT_GE(passed, 1000);
    EXPECT_LE(passed, 1005);
}

TEST(TokenBucket, RefillsByWholeTicksOfACoarseClock) {
    // a 4 ms clock (HZ=250): 1000 pps refills 4 packets a tick; 10 s -> 10,000 + burst
    const auto r = rate_of(1000, 10);
    __u64 tat = 0;
    int passed = 0;
    for (uint64_t tick = 1; tick <= 2500; ++tick) passed += admit(tat, tick * 4000000, 50, r);
    EXPECT_GE(passed, 10000);
    EXPECT_LE(passed, 10010);
}

TEST(TokenBucket, FractionalIntervalsDoNotDrift) {
    // 3 pps: an interval of 333,333,333 ns; 1000 s should admit 3000 + the
    // burst. (With burst 1 a 7 ms poll would lose up to 7 ms per packet: a
    // bucket of depth 1 cannot bank lateness, GCRA or not.)
    const auto r = rate_of(3, 2);
    __u64 tat = 0;
    int passed = 0;
    for (uint64_t ms = 0; ms <= 1000000; ms += 7) passed += ig_tb_take(&tat, ms * 1000000, &r);
    EXPECT_GE(passed, 3001);
    EXPECT_LE(passed, 3002);
}

TEST(TokenBucket, ALongIdlePeriodRefillsToTheBurstAndNoFurther) {
    const auto r = rate_of(7, 20);
    __u64 tat = 0;
    EXPECT_EQ(admit(tat, 5 * kSecond, 100, r), 20);
    EXPECT_EQ(admit(tat, 5000 * kSecond, 100, r), 20) << "1000 s idle still gives exactly one burst";
}

TEST(TokenBucket, ARefusedPacketSpendsNothing) {
    const auto r = rate_of(10, 1);
    __u64 tat = 0;
    ASSERT_EQ(ig_tb_take(&tat, kSecond, &r), 1);
    const uint64_t before = tat;
    EXPECT_EQ(ig_tb_take(&tat, kSecond, &r), 0);
    EXPECT_EQ(tat, before);
    EXPECT_EQ(ig_tb_take(&tat, kSecond + r.interval_ns, &r), 1) << "one interval later one more goes";
}

TEST(TokenBucket, AClockThatWentBackwardsRefillsNothing) {
    const auto r = rate_of(10, 2);
    __u64 tat = 0;
    EXPECT_EQ(admit(tat, 10 * kSecond, 5, r), 2);
    EXPECT_EQ(admit(tat, 9 * kSecond, 5, r), 0) << "another CPU's earlier reading";
}

TEST(TokenBucket, RandomCreditsAverageOnePacket) {
    // credits cycling 0,1,2 spend on average one interval per packet
    const auto r = rate_of(100, 1);
    __u64 tat = 0;
    int passed = 0;
    uint32_t credits = 0;
    for (uint64_t us = 0; us < 30 * 1000000ull; us += 100) {
        const uint64_t now = us * 1000;
        if (ig_tb_conforms(tat, now, &r)) {
            tat = ig_tb_advance(tat, now, &r, credits);
            credits = (credits + 1) % 3;
            ++passed;
        }
    }
    EXPECT_NEAR(passed, 3000, 10) << "30 s at 100 pps";
}

TEST(TokenBucket, ZeroPpsIsUnlimited) {
    ig_rl_rate r{};
    ASSERT_TRUE(ig_rl_rate_from_pps(0, 0, &r));
    EXPECT_EQ(r.interval_ns, 0u);
    __u64 tat = 0;
    EXPECT_EQ(admit(tat, 0, 100000, r), 100000);
}

TEST(TokenBucket, ConversionRejectsWhatCouldOverflow) {
    ig_rl_rate r{};
    EXPECT_FALSE(ig_rl_rate_from_pps(1, 0, &r)) << "burst 0";
    EXPECT_FALSE(ig_rl_rate_from_pps(1000000001ull, 1, &r)) << "over 1e9 pps";
    EXPECT_FALSE(ig_rl_rate_from_pps(1, (IG_RL_TOLERANCE_MAX / kSecond) + 2, &r)) << "tolerance over 2^61";
    EXPECT_TRUE(ig_rl_rate_from_pps(1, (IG_RL_TOLERANCE_MAX / kSecond) + 1, &r));
    EXPECT_LE(r.tolerance_ns, IG_RL_TOLERANCE_MAX);
    EXPECT_TRUE(ig_rl_rate_from_pps(1000000000ull, 1000000000ull, &r));
    EXPECT_EQ(r.interval_ns, 1u);
    EXPECT_EQ(ig_rl_rate_from_pps(3, 1, &r), 1);
    EXPECT_EQ(r.interval_ns, 333333333u);
}

TEST(TokenBucket, ExtremesStayBelow2To63) {
    // the largest tolerance, interval and credits at 146 years of uptime
    ig_rl_rate r{};
    ASSERT_TRUE(ig_rl_rate_from_pps(1, (IG_RL_TOLERANCE_MAX / kSecond) + 1, &r));
    const uint64_t now = (1ull << 62) - 1;
    __u64 tat = now + r.tolerance_ns;  // a bucket spent to the limit
    EXPECT_TRUE(ig_tb_conforms(tat, now, &r));
    tat = ig_tb_advance(tat, now, &r, 2);
    EXPECT_LT(tat, 1ull << 63);
    EXPECT_FALSE(ig_tb_conforms(tat, now, &r));
    EXPECT_LT(now + r.tolerance_ns, 1ull << 63);
}


TEST(TokenBucket, ARaisedLimitDoesNotInheritTheOldDebt) {
    // drained at 1 pps with a burst of 600: the TAT is ~600 s ahead
    const auto slow = rate_of(1, 600);
    __u64 tat = 0;
    ASSERT_EQ(admit(tat, kSecond, 1000, slow), 600);
    // a reload raises the limit to 1000 pps: a few ms later packets go again
    const auto fast = rate_of(1000, 1000);
    EXPECT_EQ(admit(tat, kSecond + 3000000, 10, fast), 1) << "not locked out for the old 600 s: one now";
    EXPECT_EQ(admit(tat, kSecond + 5000000, 10, fast), 2) << "then the new rate, 1 per ms";
    EXPECT_EQ(ig_tb_clamp(1ull << 61, kSecond, &fast), kSecond + fast.tolerance_ns);
    EXPECT_EQ(ig_tb_clamp(5, kSecond, &fast), 5u) << "a TAT the rate can produce is untouched";
}

}  // namespace
