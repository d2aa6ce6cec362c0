// The rate limiter's read side (core/rate_limit_reader.hpp, `icmpguard top`,
// the `rate_limit` object of `stats -j`):
//
//  - pure: a source prefix from a raw rl_sources key and the live masks,
//    the top-N selection, the rows and rates of `top`, the JSON shapes;
//  - on real maps (root; skipped otherwise): an LRU hash made by hand and
//    filled, read with BPF_MAP_LOOKUP_BATCH and with the get_next_key walk;
//  - through the CLI in-process (run_cli) on hand-pinned maps: `top --once`,
//    `top -j`, `stats -j -r`, and a pin directory without the limiter's pins
//    (a daemon older than the CLI).
#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "icmpguard/abi.h"
}

#include "cli/commands.hpp"
#include "cli/output.hpp"
#include "cli/watch.hpp"
#include "common/bpf_harness.hpp"  // IG_SKIP_OR_FAIL
#include "core/datapath.hpp"
#include "core/metrics_exporter.hpp"
#include "core/pinned_maps.hpp"
#include "core/rate_limit_reader.hpp"
#include "core/rate_limits.hpp"
#include "core/unique_fd.hpp"

namespace icmpguard {
namespace {

constexpr uint8_t V4 = IG_FAMILY_IPV4, V6 = IG_FAMILY_IPV6;

ig_rl_key key_of(const char* address) {
    ig_rl_key k{};
    if (inet_pton(AF_INET, address, k.addr) == 1) k.family = V4;
    else if (inet_pton(AF_INET6, address, k.addr) == 1) k.family = V6;
    else ADD_FAILURE() << "bad address " << address;
    return k;
}

// The masks PolicyWriter writes for /v4 and /v6 (network order).
ig_rl_params params_for(uint32_t v4, uint32_t v6) {
    ig_rl_params p{};
    p.flags = IG_RL_F_ENABLED;
    p.ip4_mask = htonl(v4 ? ~0u << (32 - v4) : 0);
    for (uint32_t w = 0; w < 4; ++w) {
        uint32_t bits = v6 > w * 32 ? std::min(v6 - w * 32, 32u) : 0;
        p.ip6_mask[w] = htonl(bits ? ~0u << (32 - bits) : 0);
    }
    return p;
}

std::string prefix(const char* address, const ig_rl_params& p) {
    return format_source_prefix(key_of(address), prefix_len_of_ip4_mask(p.ip4_mask),
                                prefix_len_of_ip6_mask(p.ip6_mask));
}

// ---- pure --------------------------------------------------------------------

TEST(RateLimitPrefix, FromRawKeysAndTheLiveMasks) {
    auto def = params_for(32, 64);
    EXPECT_EQ(prefix("198.51.100.7", def), "198.51.100.7/32");
    EXPECT_EQ(prefix("2001:db8:1:2::", def), "2001:db8:1:2::/64");
    EXPECT_EQ(prefix("::", def), "::/64");
    EXPECT_EQ(prefix("0.0.0.0", def), "0.0.0.0/32");

    auto wide = params_for(24, 48);
    EXPECT_EQ(prefix("198.51.100.0", wide), "198.51.100.0/24");
    EXPECT_EQ(prefix("2001:db8:1::", wide), "2001:db8:1::/48");

    auto full = params_for(32, 128);
    EXPECT_EQ(prefix("2001:db8::1", full), "2001:db8::1/128");
    EXPECT_EQ(prefix("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", full),
              "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
    auto odd = params_for(17, 63);
    EXPECT_EQ(prefix("10.1.0.0", odd), "10.1.0.0/17");
    EXPECT_EQ(prefix("2001:db8:0:fffe::", odd), "2001:db8:0:fffe::/63");
}

TEST(RateLimitPrefix, NeverHidesBitsOfTheKeyAndParamsNotWrittenShowTheAddress) {
    // added under /64 and /32, shown after a reload to /48 and /24: the
    // prefix grows to the key's last set bit instead of lying
    auto wide = params_for(24, 48);
    EXPECT_EQ(prefix("2001:db8:1:2::", wide), "2001:db8:1:2::/63");
    EXPECT_EQ(prefix("198.51.100.7", wide), "198.51.100.7/32");
    EXPECT_EQ(prefix("198.51.100.128", wide), "198.51.100.128/25");
    // params never written (masks 0): no invented /0
    ig_rl_params none{};
    EXPECT_EQ(prefix("198.51.100.7", none), "198.51.100.7");
    EXPECT_EQ(prefix("2001:db8::", none), "2001:db8::");
    ig_rl_key bad{};
    bad.family = 7;
    EXPECT_EQ(format_source_prefix(bad, 32, 64), "family 7?");
}

RateLimitSource src(const std::string& p, uint64_t limited, uint64_t last = 0, uint8_t family = V4) {
    return {family, p, limited, last};
}

std::vector<std::string> prefixes(const std::vector<RateLimitSource>& v) {
    std::vector<std::string> out;
    for (const auto& s : v) out.push_back(s.prefix);
    return out;
}

TEST(RateLimitTop, MostLimitedFirstTiesByPrefixNeverLimitedLeftOut) {
    std::vector<RateLimitSource> all = {src("10.0.0.3/32", 5), src("10.0.0.1/32", 0), src("10.0.0.2/32", 50),
                                        src("10.0.0.9/32", 5), src("10.0.0.4/32", 5), src("2001:db8::/64", 7, 0, V6)};
    EXPECT_EQ(prefixes(top_sources(all, 10)), (std::vector<std::string>{"10.0.0.2/32", "2001:db8::/64", "10.0.0.3/32",
                                                                        "10.0.0.4/32", "10.0.0.9/32"}));
    EXPECT_EQ(prefixes(top_sources(all, 3)),
              (std::vector<std::string>{"10.0.0.2/32", "2001:db8::/64", "10.0.0.3/32"}));
    EXPECT_TRUE(top_sources(all, 0).empty());
    EXPECT_TRUE(top_sources({src("10.0.0.1/32", 0)}, 5).empty());
    EXPECT_TRUE(top_sources({}, 5).empty());
}

TEST(RateLimitTop, SecondsSinceIsNeverNegative) {
    EXPECT_DOUBLE_EQ(seconds_since(1'000'000'000, 3'500'000'000), 2.5);
    EXPECT_DOUBLE_EQ(seconds_since(4'000'000'000, 3'500'000'000), 0.0);  // coarse clock read before the BPF write
    EXPECT_GT(monotonic_coarse_ns(), 0u);
}

TopInterface top_iface(std::string name, std::vector<RateLimitSource> list, uint64_t read_at_ns = 10'000'000'000) {
    TopInterface t;
    t.interface = std::move(name);
    t.snapshot.enabled = true;
    t.snapshot.sources = list.size();
    t.snapshot.capacity = 65536;
    t.snapshot.read_at_ns = read_at_ns;
    t.snapshot.list = std::move(list);
    return t;
}

TEST(RateLimitTop, RowsOverInterfacesWithRatesFromThePreviousReading) {
    std::vector<TopInterface> first = {
        top_iface("eth0", {src("198.51.100.7/32", 100, 9'000'000'000), src("198.51.100.8/32", 0)}),
        top_iface("eth1", {src("198.51.100.7/32", 100, 9'500'000'000), src("203.0.113.1/32", 40, 9'900'000'000)})};
    auto rows = compute_top_rows(first, nullptr, 0, 20);
    ASSERT_EQ(rows.size(), 3u);
    // equal counts: by source, then interface
    EXPECT_EQ(rows[0].interface, "eth0");
    EXPECT_EQ(rows[1].interface, "eth1");
    EXPECT_EQ(rows[1].source, "198.51.100.7/32");
    EXPECT_EQ(rows[2].source, "203.0.113.1/32");
    for (const auto& r : rows) EXPECT_FALSE(r.limited_per_s) << "no rate on the first screen";
    EXPECT_DOUBLE_EQ(*rows[0].last_limited_ago_s, 1.0);
    EXPECT_DOUBLE_EQ(*rows[2].last_limited_ago_s, 0.1);

    std::vector<TopInterface> second = {
        top_iface("eth0", {src("198.51.100.7/32", 300, 1), src("198.51.100.8/32", 10, 1)}),  // 8: new to the top
        top_iface("eth1", {src("198.51.100.7/32", 30, 1), src("203.0.113.1/32", 40, 1)})};   // 7: evicted, back
    rows = compute_top_rows(second, &first, 2.0, 20);
    ASSERT_EQ(rows.size(), 4u);
    EXPECT_EQ(rows[0].source, "198.51.100.7/32");
    EXPECT_DOUBLE_EQ(*rows[0].limited_per_s, 100.0);  // (300 - 100) / 2
    EXPECT_EQ(rows[1].source, "203.0.113.1/32");
    EXPECT_DOUBLE_EQ(*rows[1].limited_per_s, 0.0);
    EXPECT_EQ(rows[2].interface, "eth1");
    EXPECT_DOUBLE_EQ(*rows[2].limited_per_s, 15.0);  // went down: counts from zero
    EXPECT_EQ(rows[3].source, "198.51.100.8/32");
    EXPECT_DOUBLE_EQ(*rows[3].limited_per_s, 5.0);  // absent (limited 0) before: from zero

    // -n: over all interfaces, not per interface
    rows = compute_top_rows(second, &first, 2.0, 2);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[1].interface, "eth1");
    EXPECT_EQ(rows[1].source, "203.0.113.1/32");
}

TEST(RateLimitTop, TableAndJson) {
    std::vector<TopInterface> ifaces = {
        top_iface("eth0", {src("198.51.100.7/32", 1234, 9'750'000'000),
                           src("2001:db8:1:2::/64", 56, 0, V6)}),
        top_iface("s0", {})};
    ifaces[0].snapshot.inserted = 7;
    ifaces[0].snapshot.refused = 2;
    ifaces[1].snapshot.enabled = false;
    auto rows = compute_top_rows(ifaces, nullptr, 0, 20);
    std::string table = render_top_table(ifaces, rows, "2026-01-02T03:04:05.006Z", false);
    EXPECT_EQ(table,
              "icmpguard top   2026-01-02T03:04:05.006Z\n"
              "eth0: 2/65536 sources tracked, new sources 7 inserted, 2 refused\n"
              "s0: 0/65536 sources tracked, new sources 0 inserted, 0 refused (limiter off)\n"
              "\n"
              "INTERFACE       SOURCE                                           LIMITED       RATE      LAST\n"
              "eth0            198.51.100.7/32                                     1234          -      0.2s\n"
              "eth0            2001:db8:1:2::/64                                     56          -         -\n")
        << table;
    EXPECT_NE(render_top_table(ifaces, rows, "t", true).find("(Ctrl-C to stop)"), std::string::npos);

    auto j = nlohmann::json::parse(render_top_json(ifaces, rows, "2026-01-02T03:04:05.006Z"));
    EXPECT_EQ(j, nlohmann::json::parse(R"({"time": "2026-01-02T03:04:05.006Z",
        "interfaces": [{"interface": "eth0", "enabled": true, "sources": 2, "capacity": 65536, "inserted": 7, "refused": 2},
                       {"interface": "s0", "enabled": false, "sources": 0, "capacity": 65536, "inserted": 0, "refused": 0}],
        "top": [{"interface": "eth0", "source": "198.51.100.7/32", "family": "ipv4", "limited": 1234, "last_limited_ago_s": 0.25},
                {"interface": "eth0", "source": "2001:db8:1:2::/64", "family": "ipv6", "limited": 56, "last_limited_ago_s": null}]})"))
        << j.dump();
}

TEST(RateLimitStatsJson, ObjectFormGainsRateLimitPerInterfaceListFormUnchanged) {
    InterfaceStats eth0{"eth0", {}, std::nullopt};
    eth0.snapshot.counters = {{IG_FAMILY_IPV4, 8, IG_ACTION_RATE_LIMITED, 9, 882}};
    RateLimitSnapshot rl;
    rl.sources = 3;
    rl.capacity = 65536;
    rl.inserted = 4;
    rl.refused = 1;
    rl.read_at_ns = 5'000'000'000;
    for (int i = 0; i < 12; ++i) rl.list.push_back(src("10.0.0." + std::to_string(i) + "/32", 100 + i, 4'000'000'000));
    rl.list.push_back(src("10.0.1.0/32", 0));
    eth0.rate_limit = rl;
    InterfaceStats old{"old0", {}, std::nullopt};  // no limiter pins: no key

    auto list = nlohmann::json::parse(render_stats_json({eth0, old}, false));
    ASSERT_TRUE(list.is_array()) << "the list form stays a list of counter rows";
    EXPECT_EQ(list.at(0).at("action"), "rate_limited");

    auto obj = nlohmann::json::parse(render_stats_json({eth0, old}, true));
    ASSERT_TRUE(obj.contains("rate_limit")) << obj.dump();
    EXPECT_FALSE(obj["rate_limit"].contains("old0"));
    const auto& r = obj["rate_limit"]["eth0"];
    EXPECT_EQ(r["sources"], 3);
    EXPECT_EQ(r["capacity"], 65536);
    EXPECT_EQ(r["inserted"], 4);
    EXPECT_EQ(r["refused"], 1);
    ASSERT_EQ(r["top"].size(), kStatsTopSources);
    EXPECT_EQ(r["top"][0], nlohmann::json::parse(R"({"source": "10.0.0.11/32", "limited": 111, "last_limited_ago_s": 1.0})"));
    EXPECT_EQ(r["top"][9]["source"], "10.0.0.2/32");

    auto none = nlohmann::json::parse(render_stats_json({old}, true));
    EXPECT_FALSE(none.contains("rate_limit")) << none.dump();
}

// ---- real maps ---------------------------------------------------------------

bool privileged() { return geteuid() == 0; }

// The four maps RateLimitReader reads, made by hand like the program's.
struct LimiterMaps {
    UniqueFd sources, params, state, new_sources;
    int ncpu = libbpf_num_possible_cpus();

    explicit LimiterMaps(uint32_t capacity) {
        sources.reset(bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "rl_sources", sizeof(ig_rl_key), sizeof(ig_rl_source),
                                     capacity, nullptr));
        params.reset(bpf_map_create(BPF_MAP_TYPE_ARRAY, "rl_params", 4, sizeof(ig_rl_params), IG_POLICY_SIDES,
                                    nullptr));
        state.reset(bpf_map_create(BPF_MAP_TYPE_ARRAY, "policy_state", 4, sizeof(ig_policy_state), 1, nullptr));
        new_sources.reset(
            bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "rl_new_sources", 4, sizeof(ig_rl_cpu), 1, nullptr));
    }
    bool ok() const { return sources.valid() && params.valid() && state.valid() && new_sources.valid(); }

    // side 1 live with /v4 and /v6; side 0 holds other masks that must not be used
    void set_params(uint32_t v4, uint32_t v6) {
        uint32_t side0 = 0, side1 = 1, zero = 0;
        ig_rl_params decoy = params_for(8, 16), live = params_for(v4, v6);
        ASSERT_EQ(bpf_map_update_elem(params.get(), &side0, &decoy, 0), 0);
        ASSERT_EQ(bpf_map_update_elem(params.get(), &side1, &live, 0), 0);
        ig_policy_state st{.active_side = 1, .flags = 0, .generation = 3};
        ASSERT_EQ(bpf_map_update_elem(state.get(), &zero, &st, 0), 0);
    }
    void set_cpus(uint64_t inserted_each, uint64_t refused_each) {
        std::vector<ig_rl_cpu> v(static_cast<size_t>(ncpu));
        for (auto& c : v) c = {.tat = {1, 1}, .inserted = inserted_each, .refused = refused_each};
        uint32_t zero = 0;
        ASSERT_EQ(bpf_map_update_elem(new_sources.get(), &zero, v.data(), 0), 0);
    }
    // n distinct IPv4 /32 sources 10.x.y.z (limited = index), and IPv6 /64s
    void fill(uint32_t n4, uint32_t n6) {
        std::vector<ig_rl_key> keys;
        std::vector<ig_rl_source> values;
        for (uint32_t i = 0; i < n4; ++i) {
            ig_rl_key k{};
            k.family = V4;
            uint32_t a = htonl(0x0a000000u + i);
            std::memcpy(k.addr, &a, 4);
            keys.push_back(k);
            values.push_back({.tat = {0, 0}, .limited = i, .last_limited_ns = i ? 1000 + i : 0});
        }
        for (uint32_t i = 0; i < n6; ++i) {
            ig_rl_key k = key_of("2001:db8::");
            uint32_t w = htonl(i);
            std::memcpy(k.addr + 4, &w, 4);
            keys.push_back(k);
            values.push_back({.tat = {0, 0}, .limited = 1'000'000 + i, .last_limited_ns = 5});
        }
        uint32_t count = static_cast<uint32_t>(keys.size());
        ASSERT_EQ(bpf_map_update_batch(sources.get(), keys.data(), values.data(), &count, nullptr), 0)
            << std::strerror(errno);
        ASSERT_EQ(count, keys.size());
    }
    RateLimitReader reader(RateLimitReader::Walk walk = RateLimitReader::Walk::Auto) const {
        return RateLimitReader(sources.get(), params.get(), state.get(), new_sources.get(), walk);
    }
};

TEST(RateLimitReaderMaps, ReadsAFullLruInBatchesAndByWalkingTheSame) {
    if (!privileged()) IG_SKIP_OR_FAIL("creating BPF maps needs root");
    LimiterMaps m(65536);
    ASSERT_TRUE(m.ok()) << std::strerror(errno);
    m.set_params(32, 64);
    m.set_cpus(5, 2);
    m.fill(60000, 5536);

    auto snap = m.reader().snapshot(RateLimitReader::Detail::Sources);
    ASSERT_TRUE(snap) << snap.error().message();
    EXPECT_TRUE(snap->enabled);
    EXPECT_EQ(snap->ip4_prefix_len, 32u);
    EXPECT_EQ(snap->ip6_prefix_len, 64u);
    EXPECT_EQ(snap->capacity, 65536u);
    // An LRU hash filled to capacity may already have evicted some of the
    // oldest: each CPU keeps a local free list (up to 128 entries) and one
    // whose list runs dry evicts before the map is full (seen: 65,408).
    const uint64_t present = snap->sources;
    EXPECT_LE(present, 65536u);
    EXPECT_GE(present, 65536u - std::min<uint64_t>(65536u, 256u * static_cast<uint64_t>(m.ncpu)));
    EXPECT_EQ(snap->list.size(), present);
    EXPECT_EQ(snap->inserted, 5u * static_cast<uint64_t>(m.ncpu));
    EXPECT_EQ(snap->refused, 2u * static_cast<uint64_t>(m.ncpu));
    EXPECT_GT(snap->read_at_ns, 0u);

    auto top = top_sources(snap->list, 3);
    ASSERT_EQ(top.size(), 3u);
    EXPECT_EQ(top[0].prefix, "2001:db8:0:159f::/64");  // the last of 5,536: 0x159f
    EXPECT_EQ(top[0].limited, 1'005'535u);
    EXPECT_EQ(top[0].family, V6);
    std::set<std::string> seen;
    for (const auto& s : snap->list) {
        seen.insert(s.prefix);
        if (s.prefix == "10.0.234.95/32") {
            EXPECT_EQ(s.limited, 59999u);
        }
        if (s.prefix == "10.0.0.0/32") {
            EXPECT_EQ(s.last_limited_ns, 0u);
        }
    }
    EXPECT_EQ(seen.size(), present) << "every entry once";

    auto counts = m.reader().snapshot(RateLimitReader::Detail::Counts);
    ASSERT_TRUE(counts) << counts.error().message();
    EXPECT_EQ(counts->sources, present);
    EXPECT_TRUE(counts->list.empty());

    auto walked = m.reader(RateLimitReader::Walk::Iterate).snapshot(RateLimitReader::Detail::Sources);
    ASSERT_TRUE(walked) << walked.error().message();
    EXPECT_EQ(walked->sources, present);
    std::set<std::string> walked_seen;
    for (const auto& s : walked->list) walked_seen.insert(s.prefix);
    EXPECT_EQ(walked_seen, seen);
}

TEST(RateLimitReaderMaps, EmptyAndSmallMapsAndParamsNeverWritten) {
    if (!privileged()) IG_SKIP_OR_FAIL("creating BPF maps needs root");
    LimiterMaps m(16);
    ASSERT_TRUE(m.ok()) << std::strerror(errno);
    auto empty = m.reader().snapshot(RateLimitReader::Detail::Sources);
    ASSERT_TRUE(empty) << empty.error().message();
    EXPECT_FALSE(empty->enabled);
    EXPECT_EQ(empty->sources, 0u);
    EXPECT_EQ(empty->capacity, 16u);
    EXPECT_EQ(empty->ip4_prefix_len, 0u) << "policy_state generation 0: params not read";

    m.fill(3, 1);
    auto snap = m.reader().snapshot(RateLimitReader::Detail::Sources);
    ASSERT_TRUE(snap) << snap.error().message();
    EXPECT_EQ(snap->sources, 4u);
    std::set<std::string> got;
    for (const auto& s : snap->list) got.insert(s.prefix);
    EXPECT_EQ(got, (std::set<std::string>{"10.0.0.0", "10.0.0.1", "10.0.0.2", "2001:db8::"}));
}

TEST(RateLimitReaderMaps, RefusesAMapOfAnotherLayout) {
    if (!privileged()) IG_SKIP_OR_FAIL("creating BPF maps needs root");
    LimiterMaps m(16);
    ASSERT_TRUE(m.ok());
    UniqueFd wrong(bpf_map_create(BPF_MAP_TYPE_LRU_HASH, "rl_sources", 16, 32, 16, nullptr));
    ASSERT_TRUE(wrong.valid());
    auto r = RateLimitReader(wrong.get(), m.params.get(), m.state.get(), m.new_sources.get())
                 .snapshot(RateLimitReader::Detail::Counts);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message().find("rl_sources: key/value size 16/32"), std::string::npos) << r.error().message();
}

// The scrape reads the limiter through the fds the daemon hands over
// (counts only), and reads nothing for a MapFds without them.
TEST(RateLimitReaderMaps, ScrapeReadsCountsThroughMetricsSource) {
    if (!privileged()) IG_SKIP_OR_FAIL("creating BPF maps needs root");
    LimiterMaps m(4096);
    ASSERT_TRUE(m.ok());
    m.set_params(32, 64);
    m.set_cpus(3, 1);
    m.fill(100, 20);
    UniqueFd counters(bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "counters", 4, sizeof(ig_counter),
                                     IG_COUNTER_ENTRIES, nullptr));
    UniqueFd reasons(bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "reasons", 4, sizeof(ig_counter),
                                    IG_REASON_ENTRIES, nullptr));
    MapFds fds;
    fds.counters = counters.get();
    fds.reasons = reasons.get();
    fds.policy_state = m.state.get();
    MetricsSource source;
    ASSERT_TRUE(source.add_interface("old0", AttachInfo{}, fds));  // no limiter fds
    fds.rl_sources = m.sources.get();
    fds.rl_params = m.params.get();
    fds.rl_new_sources = m.new_sources.get();
    ASSERT_TRUE(source.add_interface("eth0", AttachInfo{}, fds));

    auto sample = read_sample(source.view(), "t");
    ASSERT_EQ(sample.interfaces.size(), 2u);
    ASSERT_EQ(sample.interfaces[0].interface, "eth0");
    ASSERT_TRUE(sample.interfaces[0].rate_limit);
    EXPECT_EQ(sample.interfaces[0].rate_limit->sources, 120u);
    EXPECT_EQ(sample.interfaces[0].rate_limit->capacity, 4096u);
    EXPECT_EQ(sample.interfaces[0].rate_limit->inserted, 3u * static_cast<uint64_t>(m.ncpu));
    EXPECT_TRUE(sample.interfaces[0].rate_limit->list.empty()) << "a scrape builds no strings";
    EXPECT_FALSE(sample.interfaces[1].rate_limit);
    SeriesMemory memory;
    std::string text = render_exposition(sample, memory);
    EXPECT_NE(text.find("icmpguard_ratelimit_sources{interface=\"eth0\"} 120\n"), std::string::npos) << text;
    EXPECT_EQ(text.find("icmpguard_ratelimit_sources{interface=\"old0\"}"), std::string::npos) << text;
}

// ---- the CLI on hand-pinned maps ----------------------------------------------

// Maps pinned under <root>/v<ABI>/<interface>/ the way the daemon pins them,
// with or without the limiter's.
struct PinRoot {
    std::string root = "/sys/fs/bpf/icmpguard-unit-" + std::to_string(getpid());
    ~PinRoot() {
        std::error_code ec;
        std::filesystem::remove_all(root, ec);
    }
    void pin(const std::string& interface, const char* name, int fd) {
        std::string dir = pin_dir_for(interface, root);
        std::filesystem::create_directories(dir);
        ASSERT_EQ(bpf_obj_pin(fd, (dir + "/" + name).c_str()), 0) << name << ": " << std::strerror(errno);
    }
    void pin_base(const std::string& interface) {
        UniqueFd counters(bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "counters", 4, sizeof(ig_counter),
                                         IG_COUNTER_ENTRIES, nullptr));
        UniqueFd reasons(bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "reasons", 4, sizeof(ig_counter),
                                        IG_REASON_ENTRIES, nullptr));
        UniqueFd state(bpf_map_create(BPF_MAP_TYPE_ARRAY, "policy_state", 4, sizeof(ig_policy_state), 1, nullptr));
        UniqueFd addrs(bpf_map_create(BPF_MAP_TYPE_HASH, "local_addrs", sizeof(ig_addr_key), sizeof(ig_addr_info),
                                      16, nullptr));
        pin(interface, "counters", counters.get());
        pin(interface, "reasons", reasons.get());
        pin(interface, "policy_state", state.get());
        pin(interface, "local_addrs", addrs.get());
    }
    void pin_limiter(const std::string& interface, const LimiterMaps& m) {
        pin(interface, "rl_sources", m.sources.get());
        pin(interface, "rl_params", m.params.get());
        pin(interface, "rl_new_sources", m.new_sources.get());
    }
    // the interface's pinned policy_state (the limiter reads the live side from it)
    void set_state(const std::string& interface, uint32_t side) {
        UniqueFd fd(bpf_obj_get((pin_dir_for(interface, root) + "/policy_state").c_str()));
        ASSERT_TRUE(fd.valid());
        uint32_t zero = 0;
        ig_policy_state st{.active_side = side, .flags = 0, .generation = 1};
        ASSERT_EQ(bpf_map_update_elem(fd.get(), &zero, &st, 0), 0);
    }
};

struct CliRun {
    int code = -1;
    std::string out, err;
};

CliRun cli(std::vector<std::string> args) {
    args.insert(args.begin(), "icmpguard");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::ostringstream out, err;
    auto* old_out = std::cout.rdbuf(out.rdbuf());
    auto* old_err = std::cerr.rdbuf(err.rdbuf());
    CliRun r;
    r.code = run_cli(static_cast<int>(argv.size()), argv.data());
    std::cout.rdbuf(old_out);
    std::cerr.rdbuf(old_err);
    r.out = out.str();
    r.err = err.str();
    return r;
}

TEST(RateLimitCli, TopAndStatsOnPinnedMaps) {
    if (!privileged()) IG_SKIP_OR_FAIL("pinning BPF maps needs root");
    PinRoot pins;
    LimiterMaps m(1024);
    ASSERT_TRUE(m.ok());
    pins.pin_base("eth0");
    pins.set_state("eth0", 1);
    uint32_t side1 = 1;
    ig_rl_params live = params_for(32, 64);
    ASSERT_EQ(bpf_map_update_elem(m.params.get(), &side1, &live, 0), 0);
    m.set_cpus(1, 0);
    m.fill(30, 2);
    pins.pin_limiter("eth0", m);
    pins.pin_base("old0");  // a daemon older than the limiter: no rl_* pins

    // every interface: old0 is skipped, said on stderr
    auto once = cli({"--pin-root", pins.root, "top", "--once", "-n", "3"});
    EXPECT_EQ(once.code, 0) << once.err;
    EXPECT_NE(once.out.find("eth0: 32/1024 sources tracked, new sources " + std::to_string(m.ncpu) +
                            " inserted, 0 refused\n"),
              std::string::npos)
        << once.out;
    EXPECT_NE(once.out.find("2001:db8:0:1::/64"), std::string::npos) << once.out;
    EXPECT_NE(once.out.find("10.0.0.29/32"), std::string::npos) << once.out;
    EXPECT_EQ(once.out.find("10.0.0.28/32"), std::string::npos) << "-n 3\n" << once.out;
    EXPECT_EQ(once.err, "icmpguard: rate limiter state not pinned for old0 (daemon older than this CLI?)\n");

    auto j = cli({"--pin-root", pins.root, "top", "-j", "-i", "eth0"});
    EXPECT_EQ(j.code, 0) << j.err;
    auto doc = nlohmann::json::parse(j.out);
    EXPECT_EQ(doc["interfaces"].size(), 1u);
    EXPECT_EQ(doc["interfaces"][0]["sources"], 32);
    EXPECT_EQ(doc["interfaces"][0]["capacity"], 1024);
    ASSERT_EQ(doc["top"].size(), 20u);
    EXPECT_EQ(doc["top"][0]["source"], "2001:db8:0:1::/64");
    EXPECT_EQ(doc["top"][2]["source"], "10.0.0.29/32");
    EXPECT_EQ(doc["top"][2]["limited"], 29);

    // asked for by name: an error, in the commands' style
    auto old = cli({"--pin-root", pins.root, "top", "--once", "-i", "old0"});
    EXPECT_EQ(old.code, 1);
    EXPECT_EQ(old.err, "icmpguard: rate limiter state not pinned for old0 (daemon older than this CLI?)\n");
    auto old_json = cli({"--pin-root", pins.root, "top", "-j", "-i", "old0"});
    EXPECT_EQ(old_json.code, 1);
    EXPECT_EQ(nlohmann::json::parse(old_json.out)["error"],
              "rate limiter state not pinned for old0 (daemon older than this CLI?)");
    EXPECT_EQ(cli({"--pin-root", pins.root, "top", "--once", "-i", "nope"}).code, 1);
    EXPECT_EQ(cli({"--pin-root", pins.root, "top", "-j", "--interval", "2"}).code, 2) << "--interval needs the live view";

    auto stats = cli({"--pin-root", pins.root, "stats", "-j", "-r"});
    EXPECT_EQ(stats.code, 0) << stats.err;
    auto s = nlohmann::json::parse(stats.out);
    ASSERT_TRUE(s.contains("rate_limit")) << stats.out;
    EXPECT_FALSE(s["rate_limit"].contains("old0"));
    EXPECT_EQ(s["rate_limit"]["eth0"]["sources"], 32);
    EXPECT_EQ(s["rate_limit"]["eth0"]["top"].size(), kStatsTopSources);
    EXPECT_TRUE(nlohmann::json::parse(cli({"--pin-root", pins.root, "stats", "-j"}).out).is_array());

    // PinnedMaps itself
    auto with = PinnedMaps::open(pins.root, "eth0");
    ASSERT_TRUE(with) << with.error().message();
    EXPECT_TRUE(with->rate_limit_pinned());
    auto without = PinnedMaps::open(pins.root, "old0");
    ASSERT_TRUE(without) << without.error().message();
    EXPECT_FALSE(without->rate_limit_pinned());
    EXPECT_FALSE(without->rl_sources.valid());
}

}  // namespace
}  // namespace icmpguard
