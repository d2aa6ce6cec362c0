// The double-buffered policy (STYLE §3.5): PolicyWriter::apply fills the
// side the program is not reading and flips policy_state; the program reads
// the state once per packet and uses only the live side. Checked through the
// maps themselves (bpf_map_lookup_elem) and through verdicts and counters of
// real runs, including flips from another thread while frames run.
#include <linux/bpf.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include <bpf/bpf.h>

#include "icmpguard/abi.h"
#include "icmpguard/icmp_types.h"
}

#include "common/bpf_harness.hpp"
#include "core/names.hpp"

namespace icmpguard::test {
namespace {

Bytes v4_frame(uint8_t type, uint8_t code = 0) {
    IcmpSpec icmp;
    icmp.type = type;
    icmp.code = code;
    icmp.payload.assign(12, 0x11);
    return icmp4_frame(EthSpec{}, Ipv4Spec{}, icmp);
}

Bytes v6_frame(uint8_t type, uint8_t code = 0) {
    IcmpSpec icmp;
    icmp.type = type;
    icmp.code = code;
    icmp.payload.assign(12, 0x22);
    return icmp6_frame(EthSpec{}, Ipv6Spec{}, icmp);
}

ig_policy_state read_state(BpfHarness& h) {
    uint32_t key = 0;
    ig_policy_state st{};
    EXPECT_EQ(bpf_map_lookup_elem(h.datapath().maps().policy_state, &key, &st), 0) << std::strerror(errno);
    return st;
}

// All rows of one side, [family][type], as the map holds them.
std::vector<ig_policy_row> read_side(BpfHarness& h, uint32_t side) {
    std::vector<ig_policy_row> rows(IG_ICMP_FAMILIES * IG_ICMP_TYPES);
    int fd = h.datapath().maps().policy;
    for (uint32_t family = 0; family < IG_ICMP_FAMILIES; ++family) {
        for (uint32_t type = 0; type < IG_ICMP_TYPES; ++type) {
            uint32_t key = ig_policy_index(side, family, type);
            EXPECT_EQ(bpf_map_lookup_elem(fd, &key, &rows[family * IG_ICMP_TYPES + type]), 0)
                << "policy[" << key << "]: " << std::strerror(errno);
        }
    }
    return rows;
}

// Where a side differs from a table: "" or the first difference.
std::string side_vs_table(const std::vector<ig_policy_row>& rows, const PolicyTable& t) {
    for (uint32_t family = 0; family < IG_ICMP_FAMILIES; ++family) {
        for (uint32_t type = 0; type < IG_ICMP_TYPES; ++type) {
            const ig_policy_row& r = rows[family * IG_ICMP_TYPES + type];
            for (uint32_t code = 0; code < IG_ICMP_CODES; ++code) {
                uint8_t want = t.action(family, static_cast<uint8_t>(type), static_cast<uint8_t>(code));
                if (r.code_action[code] != want)
                    return "family " + std::to_string(family) + " type " + std::to_string(type) + " code " +
                           std::to_string(code) + ": map " + std::to_string(r.code_action[code]) +
                           ", table " + std::to_string(want);
            }
        }
    }
    return "";
}

bool rows_equal(const std::vector<ig_policy_row>& a, const std::vector<ig_policy_row>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(ig_policy_row)) == 0;
}

// Table A drops IPv4 timestamp-request (13), address-mask-request (17) and
// IPv6 type 139. Table B passes 13 and 139, still drops 17, and drops IPv4
// destination-unreachable only for code 4 (frag-needed). Both pass the rest.
PolicyTable table_a() {
    PolicyTable t;
    t.set_type(IG_FAMILY_IPV4, IG_ICMP4_TIMESTAMP_REQUEST, IG_ACTION_DROP);
    t.set_type(IG_FAMILY_IPV4, IG_ICMP4_ADDRESS_MASK_REQUEST, IG_ACTION_DROP);
    t.set_type(IG_FAMILY_IPV6, 139, IG_ACTION_DROP);
    return t;
}
PolicyTable table_b() {
    PolicyTable t;
    t.set_type(IG_FAMILY_IPV4, IG_ICMP4_ADDRESS_MASK_REQUEST, IG_ACTION_DROP);
    t.set_code(IG_FAMILY_IPV4, IG_ICMP4_DEST_UNREACH, 4, IG_ACTION_DROP);  // frag-needed only
    return t;
}

// Tests that need generation 0 load their own program; the others share
// one (a load and verification costs over a second) and only assert deltas
// and sides relative to the state they find.
class PolicySwap : public ::testing::Test {
protected:
    static void TearDownTestSuite() { shared_.reset(); }

    // A freshly loaded program: policy never written.
    std::unique_ptr<BpfHarness> fresh() {
        std::string why;
        auto h = BpfHarness::create(LoadOptions{}, &why);
        if (!h) skip_why_ = "cannot load the XDP program: " + why;
        return h;
    }
    BpfHarness* shared() {
        if (!shared_) shared_ = fresh();
        return shared_.get();
    }
    std::string skip_why_;

private:
    static std::unique_ptr<BpfHarness> shared_;
};
std::unique_ptr<BpfHarness> PolicySwap::shared_;

#define SKIP_WITHOUT_HARNESS(h) \
    if (!(h)) GTEST_SKIP() << skip_why_

// A never-written policy (generation 0, both sides zero) passes everything:
// the empty policy fails open to the kernel.
TEST_F(PolicySwap, NeverWrittenPolicyPassesEverything) {
    auto h = fresh();
    SKIP_WITHOUT_HARNESS(h);

    ig_policy_state st = read_state(*h);
    EXPECT_EQ(st.generation, 0u);
    EXPECT_EQ(st.active_side, 0u);
    EXPECT_TRUE(side_vs_table(read_side(*h, 0), PolicyTable{}).empty());
    EXPECT_TRUE(side_vs_table(read_side(*h, 1), PolicyTable{}).empty());

    struct Probe {
        uint32_t family;
        uint8_t type;
    } probes[] = {{IG_FAMILY_IPV4, 0},   {IG_FAMILY_IPV4, 8},   {IG_FAMILY_IPV4, 13}, {IG_FAMILY_IPV4, 17},
                  {IG_FAMILY_IPV4, 42},  {IG_FAMILY_IPV4, 255}, {IG_FAMILY_IPV6, 128}, {IG_FAMILY_IPV6, 129},
                  {IG_FAMILY_IPV6, 139}, {IG_FAMILY_IPV6, 200}};
    for (const auto& p : probes) {
        SCOPED_TRACE(std::string(family_label(p.family)) + " type " + std::to_string(p.type));
        Bytes f = p.family == IG_FAMILY_IPV4 ? v4_frame(p.type) : v6_frame(p.type);
        StatsSnapshot before = h->stats();
        RunResult r = h->run(f);
        ASSERT_EQ(r.err, 0) << std::strerror(r.err);
        EXPECT_EQ(r.action, static_cast<uint32_t>(XDP_PASS));
        Deltas want{{type_counter(p.family, p.type, IG_ACTION_PASS), {1, f.size()}},
                    {reason_counter(p.family, IG_REASON_POLICY_PASS), {1, f.size()}}};
        EXPECT_EQ(diff(before, h->stats()), want);
    }
}

// Each apply targets the side not live, flips to it and bumps the generation.
TEST_F(PolicySwap, ApplyAlternatesSidesAndBumpsGeneration) {
    auto h = fresh();
    SKIP_WITHOUT_HARNESS(h);
    PolicyWriter w = h->policy();

    ig_policy_state prev = read_state(*h);
    ASSERT_EQ(prev.generation, 0u);
    for (int i = 1; i <= 6; ++i) {
        SCOPED_TRACE("apply #" + std::to_string(i));
        auto applied = w.apply(i % 2 ? table_a() : table_b());
        ASSERT_TRUE(applied.has_value()) << applied.error().message();
        ig_policy_state st = read_state(*h);
        EXPECT_EQ(st.generation, prev.generation + 1);
        EXPECT_EQ(st.active_side, prev.active_side ^ 1u) << "the live side must change on every apply";
        EXPECT_LE(st.active_side, 1u);
        EXPECT_EQ(st.flags, 0u) << "apply() without flags";
        EXPECT_EQ(applied->active_side, st.active_side);
        EXPECT_EQ(applied->generation, st.generation);
        auto via_state = w.state();
        ASSERT_TRUE(via_state.has_value()) << via_state.error().message();
        EXPECT_EQ(via_state->active_side, st.active_side);
        EXPECT_EQ(via_state->generation, st.generation);
        // the live side holds exactly the applied table
        EXPECT_EQ(side_vs_table(read_side(*h, st.active_side), i % 2 ? table_a() : table_b()), "");
        prev = st;
    }
}

// Verdicts follow the applied table, per type and per code.
TEST_F(PolicySwap, VerdictFollowsTheAppliedTable) {
    BpfHarness* h = shared();
    SKIP_WITHOUT_HARNESS(h);
    auto lab = h->install_lab();
    ASSERT_TRUE(lab.has_value()) << lab.error().message();
    PolicyWriter w = h->policy();

    struct Probe {
        const char* name;
        Bytes frame;
        uint32_t family;
        uint8_t type;
        bool drop_a, drop_b;
    } probes[] = {
        {"v4 timestamp-request", v4_frame(13), IG_FAMILY_IPV4, 13, true, false},
        {"v4 address-mask-request", v4_frame(17), IG_FAMILY_IPV4, 17, true, true},
        {"v4 destination-unreachable/frag-needed", v4_frame(3, 4), IG_FAMILY_IPV4, 3, false, true},
        {"v4 destination-unreachable/port", v4_frame(3, 3), IG_FAMILY_IPV4, 3, false, false},
        {"v6 139", v6_frame(139), IG_FAMILY_IPV6, 139, true, false},
        {"v6 echo-reply", v6_frame(129), IG_FAMILY_IPV6, 129, false, false},
    };
    const char* names[] = {"A", "B", "A", "B"};
    for (int step = 0; step < 4; ++step) {
        bool is_a = step % 2 == 0;
        auto applied = w.apply(is_a ? table_a() : table_b());
        ASSERT_TRUE(applied.has_value()) << applied.error().message();
        for (const auto& p : probes) {
            SCOPED_TRACE(std::string("table ") + names[step] + ", " + p.name);
            bool drop = is_a ? p.drop_a : p.drop_b;
            StatsSnapshot before = h->stats();
            RunResult r = h->run(p.frame);
            ASSERT_EQ(r.err, 0) << std::strerror(r.err);
            EXPECT_EQ(r.action, static_cast<uint32_t>(drop ? XDP_DROP : XDP_PASS));
            Deltas want{
                {type_counter(p.family, p.type, drop ? IG_ACTION_DROP : IG_ACTION_PASS), {1, p.frame.size()}},
                {reason_counter(p.family, drop ? IG_REASON_POLICY_DROP : IG_REASON_POLICY_PASS),
                 {1, p.frame.size()}}};
            EXPECT_EQ(diff(before, h->stats()), want);
        }
    }
}

#ifdef IG_POLICY_F_SHADOW
// The flags travel in the same policy_state update as the side: applying A
// in shadow mode passes what A drops (counted would_drop), and the next
// apply without the flag enforces it again.
TEST_F(PolicySwap, ShadowFlagFlipsWithTheSide) {
    BpfHarness* h = shared();
    SKIP_WITHOUT_HARNESS(h);
    PolicyWriter w = h->policy();
    const Bytes f = v4_frame(IG_ICMP4_TIMESTAMP_REQUEST);

    auto shadow = w.apply(table_a(), IG_POLICY_F_SHADOW);
    ASSERT_TRUE(shadow.has_value()) << shadow.error().message();
    EXPECT_EQ(read_state(*h).flags, static_cast<uint32_t>(IG_POLICY_F_SHADOW));
    StatsSnapshot before = h->stats();
    RunResult r = h->run(f);
    ASSERT_EQ(r.err, 0) << std::strerror(r.err);
    EXPECT_EQ(r.action, static_cast<uint32_t>(XDP_PASS)) << "shadow mode must not drop";
    Deltas want{{type_counter(IG_FAMILY_IPV4, 13, IG_ACTION_WOULD_DROP), {1, f.size()}},
                {reason_counter(IG_FAMILY_IPV4, IG_REASON_POLICY_DROP), {1, f.size()}}};
    EXPECT_EQ(diff(before, h->stats()), want);

    auto enforce = w.apply(table_a());
    ASSERT_TRUE(enforce.has_value()) << enforce.error().message();
    EXPECT_EQ(read_state(*h).flags, 0u);
    r = h->run(f);
    ASSERT_EQ(r.err, 0) << std::strerror(r.err);
    EXPECT_EQ(r.action, static_cast<uint32_t>(XDP_DROP));
}
#endif

// apply() writes only the side that is not live: the live side's rows are
// byte-for-byte the same after the next apply, and the program never reads
// the inactive side.
TEST_F(PolicySwap, LiveSideIsUntouchedUntilFlipped) {
    BpfHarness* h = shared();
    SKIP_WITHOUT_HARNESS(h);
    PolicyWriter w = h->policy();
    const PolicyTable a = table_a(), b = table_b(), lab = lab_policy();

    ASSERT_TRUE(w.apply(a).has_value());
    const uint32_t side_a = read_state(*h).active_side;
    const auto rows_a = read_side(*h, side_a);
    ASSERT_EQ(side_vs_table(rows_a, a), "");

    ASSERT_TRUE(w.apply(b).has_value());
    const uint32_t side_b = read_state(*h).active_side;
    ASSERT_NE(side_b, side_a);
    EXPECT_TRUE(rows_equal(read_side(*h, side_a), rows_a)) << "apply(B) wrote the side that was live";
    const auto rows_b = read_side(*h, side_b);
    EXPECT_EQ(side_vs_table(rows_b, b), "");

    ASSERT_TRUE(w.apply(lab).has_value());
    EXPECT_EQ(read_state(*h).active_side, side_a);
    EXPECT_TRUE(rows_equal(read_side(*h, side_b), rows_b)) << "apply(lab) wrote the side that was live";
    EXPECT_EQ(side_vs_table(read_side(*h, side_a), lab), "");

    // The program reads only the live side: with B live (timestamp-request
    // passes), poison the inactive side's row for it by hand.
    ASSERT_TRUE(w.apply(b).has_value());  // live: B (passes 13), inactive: lab
    const uint32_t live = read_state(*h).active_side;
    ig_policy_row drop_all{};
    std::memset(drop_all.code_action, IG_ACTION_DROP, sizeof(drop_all.code_action));
    uint32_t key = ig_policy_index(live ^ 1u, IG_FAMILY_IPV4, IG_ICMP4_TIMESTAMP_REQUEST);
    ASSERT_EQ(bpf_map_update_elem(h->datapath().maps().policy, &key, &drop_all, BPF_ANY), 0);
    RunResult r = h->run(v4_frame(IG_ICMP4_TIMESTAMP_REQUEST));
    ASSERT_EQ(r.err, 0) << std::strerror(r.err);
    EXPECT_EQ(r.action, static_cast<uint32_t>(XDP_PASS)) << "the program read the inactive side";
}

// Flips under traffic: a writer thread applies A and B alternately while
// this thread runs frames. Every verdict must be one a whole table gives:
// 13 is dropped by A and passed by B; 17 is dropped by both and 0 passed by
// both, so a packet seeing a half-written or zeroed side shows up as a wrong
// verdict for those. The counters must account for every frame.
TEST_F(PolicySwap, FlipsUnderTrafficGiveWholeTableVerdicts) {
    BpfHarness* h = shared();
    SKIP_WITHOUT_HARNESS(h);
    auto lab = h->install_lab();
    ASSERT_TRUE(lab.has_value()) << lab.error().message();

    const PolicyTable a = table_a(), b = table_b();
    PolicyWriter writer = h->policy();
    ASSERT_TRUE(writer.apply(a).has_value());

    std::atomic<bool> stop{false};
    std::atomic<int> flips{0};
    std::string writer_error;
    std::thread flipper([&] {
        for (int i = 0; !stop.load(std::memory_order_relaxed); ++i) {
            auto applied = writer.apply(i % 2 ? a : b);
            if (!applied) {
                writer_error = applied.error().message();
                return;
            }
            flips.fetch_add(1, std::memory_order_relaxed);
        }
    });

    const Bytes f13 = v4_frame(IG_ICMP4_TIMESTAMP_REQUEST);
    const Bytes f17 = v4_frame(IG_ICMP4_ADDRESS_MASK_REQUEST);
    const Bytes f0 = v4_frame(IG_ICMP4_ECHO_REPLY);
    const Bytes* frames[] = {&f13, &f17, &f0};
    uint64_t sent = 0, drops13 = 0, passes13 = 0, drops17 = 0, passes0 = 0, wrong = 0;
    StatsSnapshot before = h->stats();
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while ((flips.load() < 200 || sent < 30000) && std::chrono::steady_clock::now() < deadline &&
           writer_error.empty()) {
        const Bytes& f = *frames[sent % 3];
        RunResult r = h->run(f);
        ++sent;
        if (r.err) {
            stop = true;
            flipper.join();
            FAIL() << "BPF_PROG_TEST_RUN: " << std::strerror(r.err);
        }
        if (&f == &f13 && r.action == XDP_DROP) ++drops13;
        else if (&f == &f13 && r.action == XDP_PASS) ++passes13;
        else if (&f == &f17 && r.action == XDP_DROP) ++drops17;
        else if (&f == &f0 && r.action == XDP_PASS) ++passes0;
        else if (++wrong <= 5)
            ADD_FAILURE() << "frame #" << sent << " type " << int(f[34]) << ": verdict " << r.action
                          << " matches neither table";
    }
    stop = true;
    flipper.join();
    StatsSnapshot after = h->stats();

    ASSERT_EQ(writer_error, "") << "apply failed under traffic";
    EXPECT_GE(flips.load(), 200) << "not enough flips before the deadline";
    EXPECT_EQ(wrong, 0u);
    EXPECT_EQ(drops13 + passes13 + drops17 + passes0, sent);
    EXPECT_GT(drops13, 0u) << "table A was never seen";
    EXPECT_GT(passes13, 0u) << "table B was never seen";

    const uint64_t drops = drops13 + drops17, passes = passes13 + passes0;
    const uint64_t len = f13.size();  // all three frames have the same length
    ASSERT_EQ(f17.size(), len);
    ASSERT_EQ(f0.size(), len);
    Deltas want{
        {type_counter(IG_FAMILY_IPV4, 13, IG_ACTION_DROP), {drops13, drops13 * len}},
        {type_counter(IG_FAMILY_IPV4, 13, IG_ACTION_PASS), {passes13, passes13 * len}},
        {type_counter(IG_FAMILY_IPV4, 17, IG_ACTION_DROP), {drops17, drops17 * len}},
        {type_counter(IG_FAMILY_IPV4, 0, IG_ACTION_PASS), {passes0, passes0 * len}},
        {reason_counter(IG_FAMILY_IPV4, IG_REASON_POLICY_DROP), {drops, drops * len}},
        {reason_counter(IG_FAMILY_IPV4, IG_REASON_POLICY_PASS), {passes, passes * len}},
    };
    for (auto it = want.begin(); it != want.end();) it = it->second.packets ? std::next(it) : want.erase(it);
    Deltas got = diff(before, after);
    EXPECT_EQ(got, want);
    EXPECT_EQ(after.total_reason_packets() - before.total_reason_packets(), sent)
        << "policy_drop + policy_pass must equal the frames sent";
    RecordProperty("frames", std::to_string(sent));
    RecordProperty("flips", std::to_string(flips.load()));
}

}  // namespace
}  // namespace icmpguard::test
