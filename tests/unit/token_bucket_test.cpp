// The rate limiters' token-bucket arithmetic (bpf/lib/token_bucket.h), the
// same C the XDP program will compile: burst, refill rate, idle cap, clock
// going backwards, and the 64-bit extremes.
#include <gtest/gtest.h>

extern "C" {
#include "lib/token_bucket.h"
}

namespace {

constexpr uint64_t kOne = 1000000;  // token units per packet (fixed point)

// How many of n back-to-back packets at time `now` pass.
int admit(ig_bucket& b, uint64_t now, int n, uint64_t rate, uint64_t cap) {
    int ok = 0;
    for (int i = 0; i < n; ++i) ok += ig_bucket_take(&b, now, rate, cap, kOne);
    return ok;
}

TEST(TokenBucket, AFullBucketAdmitsExactlyBurstAtTimeZero) {
    for (uint64_t burst : {1u, 2u, 20u, 1000u}) {
        ig_bucket b{burst * kOne, 0};
        EXPECT_EQ(admit(b, 0, static_cast<int>(burst) + 50, 10 * kOne, burst * kOne), static_cast<int>(burst))
            << "burst " << burst;
    }
}

TEST(TokenBucket, RefillsAtTheConfiguredRate) {
    // 100 packets per second with a 1 ms clock: 0.1 packet per tick
    const uint64_t rate = 100 * kOne / 1000, cap = 5 * kOne;
    ig_bucket b{0, 0};
    int passed = 0;
    for (uint64_t ms = 1; ms <= 10000; ++ms) passed += ig_bucket_take(&b, ms, rate, cap, kOne);
    EXPECT_EQ(passed, 1000) << "10 s at 100 pps, one attempt per ms";
}

TEST(TokenBucket, FractionalRatesAccumulateAcrossTicks) {
    // 1 packet every 3 ticks exactly: rate = kOne / 3 leaves a remainder
    const uint64_t rate = kOne / 3 + 1, cap = kOne;
    ig_bucket b{0, 0};
    int passed = 0;
    for (uint64_t t = 1; t <= 3000; ++t) passed += ig_bucket_take(&b, t, rate, cap, kOne);
    EXPECT_GE(passed, 999);
    EXPECT_LE(passed, 1000);
}

TEST(TokenBucket, ALongIdlePeriodRefillsToTheCapAndNoFurther) {
    const uint64_t rate = 7 * kOne, cap = 20 * kOne;
    ig_bucket b{0, 0};
    EXPECT_EQ(admit(b, 1000000000ull, 100, rate, cap), 20);
    EXPECT_EQ(b.tokens, 0u);
}

TEST(TokenBucket, OverTheLimitTakesNothing) {
    ig_bucket b{kOne / 2, 5};
    EXPECT_EQ(ig_bucket_take(&b, 5, 1, 10 * kOne, kOne), 0);
    EXPECT_EQ(b.tokens, kOne / 2) << "a refused packet must not spend a partial token";
}

TEST(TokenBucket, AClockThatWentBackwardsRefillsNothing) {
    ig_bucket b{0, 1000};
    EXPECT_EQ(ig_bucket_take(&b, 990, kOne, 10 * kOne, kOne), 0);
    EXPECT_EQ(b.last, 1000u) << "last never moves backwards";
    EXPECT_EQ(ig_bucket_take(&b, 1001, kOne, 10 * kOne, kOne), 1);
}

TEST(TokenBucket, ExtremesDoNotOverflow) {
    const uint64_t big = IG_BUCKET_PARAM_MAX;
    ASSERT_TRUE(ig_bucket_params_ok(big, big, kOne));
    // largest rate and cap, clock jumping across the whole 64-bit range
    ig_bucket b{0, 0};
    EXPECT_EQ(ig_bucket_take(&b, UINT64_MAX, big, big, kOne), 1);
    EXPECT_EQ(b.tokens, big - kOne) << "refilled to exactly the cap";
    // smallest rate with the largest cap: the fill time is huge, elapsed * rate still fits
    ig_bucket c{0, 0};
    EXPECT_EQ(ig_bucket_take(&c, UINT64_MAX, 1, big, kOne), 1);
    EXPECT_EQ(c.tokens, big - kOne);
    // a bucket already at the cap plus the largest refill
    ig_bucket d{big, 0};
    EXPECT_EQ(ig_bucket_take(&d, UINT64_MAX, big, big, 1), 1);
    EXPECT_EQ(d.tokens, big - 1);
}

TEST(TokenBucket, ParameterValidation) {
    EXPECT_FALSE(ig_bucket_params_ok(0, kOne, kOne)) << "zero rate";
    EXPECT_FALSE(ig_bucket_params_ok(kOne, kOne, 0)) << "zero cost";
    EXPECT_FALSE(ig_bucket_params_ok(kOne, kOne / 2, kOne)) << "cap below one packet never admits";
    EXPECT_FALSE(ig_bucket_params_ok(IG_BUCKET_PARAM_MAX + 1, kOne, kOne));
    EXPECT_FALSE(ig_bucket_params_ok(kOne, IG_BUCKET_PARAM_MAX + 1, kOne));
    EXPECT_TRUE(ig_bucket_params_ok(1, kOne, kOne));
}

}  // namespace
