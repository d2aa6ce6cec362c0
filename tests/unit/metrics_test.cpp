// Prometheus export and `stats --watch` (docs/metrics.md, docs/cli.md).
//
//  - the exposition text of a known counter state, byte for byte (golden),
//    built by the same family builder the live endpoint uses;
//  - label escaping, icmp_type naming, the "exported once non-zero" rule;
//  - promtool: `check metrics` on that text, `check rules` and `test rules`
//    on docs/prometheus-alerts.yml; the Grafana dashboard parses and uses
//    only metrics that exist;
//  - the HTTP endpoint in-process on 127.0.0.1 (an ephemeral port): landing
//    page, 404, an oversized header, a client that sends nothing;
//  - the --watch rate computation.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

extern "C" {
#include "icmpguard/abi.h"
}

#include "cli/watch.hpp"
#include "common/bpf_harness.hpp"  // IG_SKIP_OR_FAIL
#include "core/metrics_exporter.hpp"

#ifndef ICMPGUARD_SOURCE_DIR
#error "ICMPGUARD_SOURCE_DIR must point at the source tree (docs/)"
#endif

namespace icmpguard {
namespace {

constexpr uint32_t V4 = IG_FAMILY_IPV4, V6 = IG_FAMILY_IPV6, L2 = IG_FAMILY_L2;

CounterRow counter(uint32_t family, uint32_t type, uint32_t action, uint64_t packets, uint64_t bytes) {
    return {family, type, action, packets, bytes};
}

InterfaceSample iface(std::string name, StatsSnapshot stats, AttachMode mode = AttachMode::Native,
                      bool attached = true, uint64_t generation = 1) {
    InterfaceSample s;
    s.interface = std::move(name);
    s.mode = mode;
    s.attached = attached;
    s.policy_generation = generation;
    s.stats = std::move(stats);
    return s;
}

// Two interfaces, both families, a named and an unnamed type, reasons of
// every family.
ScrapeSample known_sample() {
    ScrapeSample s;
    s.version = "1.2.3";
    s.reloads_ok = 2;
    s.reloads_failed = 1;
    StatsSnapshot eth0;
    eth0.counters = {counter(V4, 8, IG_ACTION_REPLY, 12, 1176), counter(V4, 13, IG_ACTION_DROP, 3, 162),
                     counter(V6, 128, IG_ACTION_REPLY, 5, 590), counter(V6, 200, IG_ACTION_PASS, 1, 70)};
    eth0.reasons = {{V4, IG_REASON_POLICY_DROP, 3, 162}, {V6, IG_REASON_ND_INVALID, 2, 172},
                    {L2, IG_REASON_L2_NOT_IP, 7, 420}};
    StatsSnapshot s0;
    s0.counters = {counter(V4, 3, IG_ACTION_WOULD_DROP, 4, 280)};
    s0.reasons = {{V4, IG_REASON_POLICY_DROP, 4, 280}};
    s.interfaces = {iface("eth0", eth0), iface("s0", s0, AttachMode::Generic, false, 7)};
    // eth0's limiter; s0's pins predate it (no rate-limit series)
    RateLimitSnapshot rl;
    rl.sources = 1500;
    rl.capacity = 65536;
    rl.inserted = 1700;
    rl.refused = 0;
    s.interfaces[0].rate_limit = rl;
    return s;
}

constexpr const char* kGolden = R"(# HELP icmpguard_packets_total ICMP packets by interface, family, ICMP type and the action icmpguard took.
# TYPE icmpguard_packets_total counter
icmpguard_packets_total{interface="eth0",family="ipv4",icmp_type="echo-request",action="reply"} 12
icmpguard_packets_total{interface="eth0",family="ipv4",icmp_type="timestamp-request",action="drop"} 3
icmpguard_packets_total{interface="eth0",family="ipv6",icmp_type="echo-request",action="reply"} 5
icmpguard_packets_total{interface="eth0",family="ipv6",icmp_type="200",action="pass"} 1
icmpguard_packets_total{interface="s0",family="ipv4",icmp_type="destination-unreachable",action="would_drop"} 4
# HELP icmpguard_bytes_total Bytes (whole frames, as received) of the ICMP packets in icmpguard_packets_total.
# TYPE icmpguard_bytes_total counter
icmpguard_bytes_total{interface="eth0",family="ipv4",icmp_type="echo-request",action="reply"} 1176
icmpguard_bytes_total{interface="eth0",family="ipv4",icmp_type="timestamp-request",action="drop"} 162
icmpguard_bytes_total{interface="eth0",family="ipv6",icmp_type="echo-request",action="reply"} 590
icmpguard_bytes_total{interface="eth0",family="ipv6",icmp_type="200",action="pass"} 70
icmpguard_bytes_total{interface="s0",family="ipv4",icmp_type="destination-unreachable",action="would_drop"} 280
# HELP icmpguard_invalid_packets_total Frames icmpguard passed or dropped, by the reason that decided them and the verdict the reason implies (includes policy_pass/policy_drop and not_icmp: see docs/metrics.md).
# TYPE icmpguard_invalid_packets_total counter
icmpguard_invalid_packets_total{interface="eth0",family="ipv4",reason="policy_drop",action="drop"} 3
icmpguard_invalid_packets_total{interface="eth0",family="ipv6",reason="nd_invalid",action="drop"} 2
icmpguard_invalid_packets_total{interface="eth0",family="l2",reason="l2_not_ip",action="pass"} 7
icmpguard_invalid_packets_total{interface="s0",family="ipv4",reason="policy_drop",action="drop"} 4
# HELP icmpguard_reloads_total Configuration reloads (SIGHUP) since the daemon started, by result.
# TYPE icmpguard_reloads_total counter
icmpguard_reloads_total{result="success"} 2
icmpguard_reloads_total{result="failure"} 1
# HELP icmpguard_attached 1 if icmpguard's XDP program is attached to the interface (asked of the kernel at scrape time), 0 if the daemon manages the interface but the program is gone.
# TYPE icmpguard_attached gauge
icmpguard_attached{interface="eth0",mode="native"} 1
icmpguard_attached{interface="s0",mode="generic"} 0
# HELP icmpguard_policy_generation Generation of the live policy table: bumped by every policy flip (start, reload).
# TYPE icmpguard_policy_generation gauge
icmpguard_policy_generation{interface="eth0"} 1
icmpguard_policy_generation{interface="s0"} 7
# HELP icmpguard_ratelimit_sources Source prefixes the per-source rate limiter is tracking (entries in rl_sources).
# TYPE icmpguard_ratelimit_sources gauge
icmpguard_ratelimit_sources{interface="eth0"} 1500
# HELP icmpguard_ratelimit_sources_capacity Source prefixes the rate limiter can track (rl_sources capacity); beyond it the least recently seen are evicted.
# TYPE icmpguard_ratelimit_sources_capacity gauge
icmpguard_ratelimit_sources_capacity{interface="eth0"} 65536
# HELP icmpguard_ratelimit_new_sources_total Sources the rate limiter started tracking (inserted), and new sources it refused because the new-source budget was spent (refused, reason rl_source_flood).
# TYPE icmpguard_ratelimit_new_sources_total counter
icmpguard_ratelimit_new_sources_total{interface="eth0",result="inserted"} 1700
icmpguard_ratelimit_new_sources_total{interface="eth0",result="refused"} 0
# HELP icmpguard_build_info icmpguard's version; the value is always 1.
# TYPE icmpguard_build_info gauge
icmpguard_build_info{version="1.2.3"} 1
)";

TEST(MetricsExposition, GoldenTextOfAKnownCounterState) {
    SeriesMemory memory;
    EXPECT_EQ(render_exposition(known_sample(), memory), kGolden);
}

// Every sample line of a rendering, "name{labels} value".
std::vector<std::string> samples(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty() && line[0] != '#') out.push_back(line);
    return out;
}

bool has_line(const std::string& text, const std::string& line) {
    for (const auto& s : samples(text))
        if (s == line) return true;
    return false;
}

size_t count_prefix(const std::string& text, const std::string& prefix) {
    size_t n = 0;
    for (const auto& s : samples(text)) n += s.rfind(prefix, 0) == 0;
    return n;
}

TEST(MetricsExposition, LabelValuesAreEscaped) {
    // Linux allows quotes and backslashes in interface names; the config
    // parser only refuses '/', ':' and whitespace.
    ScrapeSample s;
    s.version = "v\"1\\\n";
    StatsSnapshot st;
    st.counters = {counter(V4, 8, IG_ACTION_REPLY, 1, 98)};
    s.interfaces = {iface("e\"x\\1", st)};
    SeriesMemory memory;
    std::string text = render_exposition(s, memory);
    EXPECT_TRUE(has_line(text, R"(icmpguard_packets_total{interface="e\"x\\1",family="ipv4",icmp_type="echo-request",action="reply"} 1)"))
        << text;
    EXPECT_TRUE(has_line(text, R"(icmpguard_build_info{version="v\"1\\\n"} 1)")) << text;
}

TEST(MetricsExposition, IcmpTypeLabelIsTheNftNameOrTheNumber) {
    ScrapeSample s;
    StatsSnapshot st;
    st.counters = {counter(V4, 3, IG_ACTION_PASS, 1, 1),    counter(V6, 3, IG_ACTION_PASS, 1, 1),
                   counter(V4, 0, IG_ACTION_PASS, 1, 1),    counter(V6, 143, IG_ACTION_PASS, 1, 1),
                   counter(V6, 135, IG_ACTION_PASS, 1, 1),  counter(V4, 42, IG_ACTION_DROP, 1, 1),
                   counter(V6, 255, IG_ACTION_DROP, 1, 1)};
    s.interfaces = {iface("eth0", st)};
    SeriesMemory memory;
    std::string text = render_exposition(s, memory);
    for (const char* want : {R"(family="ipv4",icmp_type="destination-unreachable")",
                             R"(family="ipv6",icmp_type="time-exceeded")", R"(family="ipv4",icmp_type="echo-reply")",
                             R"(family="ipv6",icmp_type="mld2-listener-report")",
                             R"(family="ipv6",icmp_type="nd-neighbor-solicit")", R"(family="ipv4",icmp_type="42")",
                             R"(family="ipv6",icmp_type="255")"})
        EXPECT_NE(text.find(want), std::string::npos) << want << "\n" << text;
    // no bare "type" label, no per-CPU label, no timestamps (3 fields would be one)
    EXPECT_EQ(text.find(" type="), std::string::npos);
    EXPECT_EQ(text.find("cpu"), std::string::npos);
    for (const auto& line : samples(text))
        EXPECT_EQ(std::count(line.begin() + line.find('}'), line.end(), ' '), 1) << line;
}

TEST(MetricsExposition, OnlySeriesThatWereNonZeroOnceAreExported) {
    const std::string reply =
        R"(icmpguard_packets_total{interface="eth0",family="ipv4",icmp_type="echo-request",action="reply"} )";
    const std::string reason = R"(icmpguard_invalid_packets_total{interface="eth0",family="ipv4",reason="policy_drop",action="drop"} )";
    SeriesMemory memory;

    // nothing counted yet: no packet series at all (no family either)
    ScrapeSample empty;
    empty.interfaces = {iface("eth0", StatsSnapshot{})};
    std::string t0 = render_exposition(empty, memory);
    EXPECT_EQ(t0.find("icmpguard_packets_total"), std::string::npos) << t0;
    EXPECT_EQ(t0.find("icmpguard_invalid_packets_total"), std::string::npos) << t0;
    EXPECT_TRUE(has_line(t0, R"(icmpguard_reloads_total{result="failure"} 0)")) << "reloads always exported\n" << t0;

    // a row with zero packets and bytes (never produced by StatsReader, but
    // harmless) does not count as "non-zero once"
    ScrapeSample zero_row = empty;
    zero_row.interfaces[0].stats->counters = {counter(V4, 0, IG_ACTION_PASS, 0, 0)};
    EXPECT_EQ(count_prefix(render_exposition(zero_row, memory), "icmpguard_packets_total"), 0u);

    // counted: exported
    ScrapeSample one = empty;
    one.interfaces[0].stats->counters = {counter(V4, 8, IG_ACTION_REPLY, 5, 490)};
    one.interfaces[0].stats->reasons = {{V4, IG_REASON_POLICY_DROP, 2, 100}};
    std::string t1 = render_exposition(one, memory);
    EXPECT_TRUE(has_line(t1, reply + "5")) << t1;
    EXPECT_TRUE(has_line(t1, reason + "2")) << t1;

    // read lower later (pins removed, counting restarted): still exported, at 0
    std::string t2 = render_exposition(empty, memory);
    EXPECT_TRUE(has_line(t2, reply + "0")) << t2;
    EXPECT_TRUE(has_line(t2, reason + "0")) << t2;
    EXPECT_EQ(count_prefix(t2, "icmpguard_packets_total"), 1u) << t2;

    // counters unreadable: no invented zeros (they would look like a reset)
    ScrapeSample unreadable = empty;
    unreadable.interfaces[0].stats.reset();
    std::string t3 = render_exposition(unreadable, memory);
    EXPECT_EQ(count_prefix(t3, "icmpguard_packets_total"), 0u) << t3;
    EXPECT_TRUE(has_line(t3, R"(icmpguard_attached{interface="eth0",mode="native"} 1)")) << t3;

    // an interface the daemon no longer manages: its series go (Prometheus
    // marks them stale); another interface is unaffected
    ScrapeSample other;
    StatsSnapshot st;
    st.counters = {counter(V6, 128, IG_ACTION_REPLY, 1, 118)};
    other.interfaces = {iface("eth1", st)};
    std::string t4 = render_exposition(other, memory);
    EXPECT_EQ(t4.find("eth0"), std::string::npos) << t4;
    EXPECT_EQ(count_prefix(t4, "icmpguard_packets_total"), 1u) << t4;

    // ... and come back, remembered, when it does again
    std::string t5 = render_exposition(empty, memory);
    EXPECT_TRUE(has_line(t5, reply + "0")) << t5;

    // a fresh process (new memory) starts from the non-zero rows only
    SeriesMemory fresh;
    EXPECT_EQ(count_prefix(render_exposition(empty, fresh), "icmpguard_packets_total"), 0u);
}

TEST(MetricsExposition, AttachedAndGenerationOnlyWhenKnown) {
    ScrapeSample s;
    InterfaceSample i = iface("eth0", StatsSnapshot{});
    i.attached.reset();
    i.policy_generation.reset();
    s.interfaces = {i};
    SeriesMemory memory;
    std::string text = render_exposition(s, memory);
    EXPECT_EQ(text.find("icmpguard_attached"), std::string::npos) << text;
    EXPECT_EQ(text.find("icmpguard_policy_generation"), std::string::npos) << text;
    EXPECT_EQ(text.find("icmpguard_ratelimit"), std::string::npos) << "no limiter maps: no series\n" << text;
}

// The limiter's series are a fixed four per interface: exported from the
// first scrape, at 0 (so increase() sees the first new source), whenever its
// maps could be read; not invented when they could not.
TEST(MetricsExposition, RateLimitSeriesFromZeroWheneverReadable) {
    SeriesMemory memory;
    ScrapeSample s;
    s.interfaces = {iface("eth0", StatsSnapshot{})};
    s.interfaces[0].rate_limit = RateLimitSnapshot{};
    s.interfaces[0].rate_limit->capacity = 1024;
    std::string t0 = render_exposition(s, memory);
    EXPECT_TRUE(has_line(t0, R"(icmpguard_ratelimit_sources{interface="eth0"} 0)")) << t0;
    EXPECT_TRUE(has_line(t0, R"(icmpguard_ratelimit_sources_capacity{interface="eth0"} 1024)")) << t0;
    EXPECT_TRUE(has_line(t0, R"(icmpguard_ratelimit_new_sources_total{interface="eth0",result="inserted"} 0)")) << t0;
    EXPECT_TRUE(has_line(t0, R"(icmpguard_ratelimit_new_sources_total{interface="eth0",result="refused"} 0)")) << t0;

    s.interfaces[0].rate_limit->sources = 1024;
    s.interfaces[0].rate_limit->inserted = 5000;
    s.interfaces[0].rate_limit->refused = 12;
    std::string t1 = render_exposition(s, memory);
    EXPECT_TRUE(has_line(t1, R"(icmpguard_ratelimit_sources{interface="eth0"} 1024)")) << t1;
    EXPECT_TRUE(has_line(t1, R"(icmpguard_ratelimit_new_sources_total{interface="eth0",result="refused"} 12)")) << t1;

    s.interfaces[0].rate_limit.reset();  // unreadable this scrape
    std::string t2 = render_exposition(s, memory);
    EXPECT_EQ(t2.find("icmpguard_ratelimit"), std::string::npos) << t2;
}

// ---- promtool ---------------------------------------------------------------

struct ShellRun {
    int status = -1;
    std::string output;  // stdout and stderr
};

ShellRun run_shell(const std::string& command) {
    ShellRun r;
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    if (!p) return r;
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof(buf), p)) > 0;) r.output.append(buf, n);
    int st = pclose(p);
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return r;
}

bool have_promtool() { return run_shell("command -v promtool").status == 0; }

std::filesystem::path temp_file(const std::string& name, const std::string& content) {
    auto dir = std::filesystem::temp_directory_path() / ("icmpguard-metrics-test-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir);
    auto path = dir / name;
    std::ofstream(path) << content;
    return path;
}

TEST(MetricsPromtool, CheckMetricsReportsNothingOnTheExposition) {
    if (!have_promtool()) IG_SKIP_OR_FAIL("promtool not installed (scripts/setup installs prometheus)");
    SeriesMemory memory;
    auto path = temp_file("golden.prom", render_exposition(known_sample(), memory));
    ShellRun r = run_shell("promtool check metrics < " + path.string());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output, "") << "promtool check metrics found problems";
}

const std::string kAlerts = std::string(ICMPGUARD_SOURCE_DIR) + "/docs/prometheus-alerts.yml";

TEST(MetricsPromtool, AlertRulesAreValid) {
    if (!have_promtool()) IG_SKIP_OR_FAIL("promtool not installed (scripts/setup installs prometheus)");
    ShellRun r = run_shell("promtool check rules " + kAlerts);
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("SUCCESS: 4 rules found"), std::string::npos) << r.output;
}

// The alerts fire on the series the exporter produces, and stay quiet
// otherwise (promtool's rule unit tests, on synthetic series).
TEST(MetricsPromtool, AlertRulesFireOnOurSeries) {
    if (!have_promtool()) IG_SKIP_OR_FAIL("promtool not installed (scripts/setup installs prometheus)");
    std::string tests = R"(rule_files:
  - )" + kAlerts + R"(
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      # 120000 packets/min = 2000/s: a flood; echo-reply at 60/s is not
      - series: 'icmpguard_packets_total{job="icmpguard",instance="h:9469",interface="eth0",family="ipv4",icmp_type="echo-request",action="drop"}'
        values: '0+120000x10'
      - series: 'icmpguard_packets_total{job="icmpguard",instance="h:9469",interface="eth0",family="ipv4",icmp_type="echo-reply",action="pass"}'
        values: '0+3600x10'
      - series: 'icmpguard_reloads_total{job="icmpguard",instance="h:9469",result="failure"}'
        values: '0 0 0 1 1 1 1 1 1 1 1'
      - series: 'icmpguard_attached{job="icmpguard",instance="h:9469",interface="eth0",mode="native"}'
        values: '1 1 1 0 0 0 0 0 0 0 0'
      - series: 'icmpguard_attached{job="icmpguard",instance="h:9469",interface="eth1",mode="native"}'
        values: '1+0x10'
      - series: 'up{job="icmpguard",instance="h:9469"}'
        values: '1 1 1 1 1 0 0 0 0 0 0'
    alert_rule_test:
      - eval_time: 1m
        alertname: IcmpguardIcmpFlood
        exp_alerts: []
      - eval_time: 5m
        alertname: IcmpguardIcmpFlood
        exp_alerts:
          - exp_labels: {severity: warning, instance: "h:9469", interface: eth0, family: ipv4, icmp_type: echo-request}
            exp_annotations:
              summary: "ICMP flood on h:9469 eth0"
              description: "2k ipv4 echo-request packets/s for 2 minutes."
      - eval_time: 2m
        alertname: IcmpguardReloadFailed
        exp_alerts: []
      - eval_time: 4m
        alertname: IcmpguardReloadFailed
        exp_alerts:
          - exp_labels: {severity: warning, job: icmpguard, instance: "h:9469", result: failure}
            exp_annotations:
              summary: "icmpguard reload failed on h:9469"
              description: "A configuration reload failed in the last 15 minutes; the previous policy stays active. See the daemon log (msg=\"reload failed\")."
      - eval_time: 3m
        alertname: IcmpguardProgramDetached
        exp_alerts: []
      - eval_time: 5m
        alertname: IcmpguardProgramDetached
        exp_alerts:
          - exp_labels: {severity: critical, job: icmpguard, instance: "h:9469", interface: eth0, mode: native}
            exp_annotations:
              summary: "icmpguard is not attached to eth0 on h:9469"
              description: "The XDP program is gone from eth0; restart the daemon (systemctl restart icmpguard) to attach it again."
      - eval_time: 6m
        alertname: IcmpguardDown
        exp_alerts: []
      - eval_time: 8m
        alertname: IcmpguardDown
        exp_alerts:
          - exp_labels: {severity: critical, job: icmpguard, instance: "h:9469"}
            exp_annotations:
              summary: "icmpguard on h:9469 is not answering scrapes"
              description: "The metrics endpoint has been unreachable for 2 minutes."
)";
    auto path = temp_file("alerts_test.yml", tests);
    ShellRun r = run_shell("promtool test rules " + path.string());
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_NE(r.output.find("SUCCESS"), std::string::npos) << r.output;
}

// The dashboard is valid JSON and queries only series this exporter (or
// node_exporter, for the kernel panel) exports.
TEST(MetricsDashboard, ParsesAndUsesOnlyKnownSeries) {
    std::ifstream in(std::string(ICMPGUARD_SOURCE_DIR) + "/docs/grafana-dashboard.json");
    ASSERT_TRUE(in) << "docs/grafana-dashboard.json missing";
    auto dash = nlohmann::json::parse(in);
    const std::set<std::string> known = {
        "icmpguard_packets_total", "icmpguard_bytes_total",     "icmpguard_invalid_packets_total",
        "icmpguard_reloads_total", "icmpguard_attached",        "icmpguard_policy_generation",
        "icmpguard_build_info",    "icmpguard_ratelimit_sources", "icmpguard_ratelimit_sources_capacity",
        "icmpguard_ratelimit_new_sources_total", "node_netstat_Icmp_InMsgs", "node_netstat_Icmp6_InMsgs"};
    std::regex metric(R"((icmpguard_[a-z_]+|node_netstat_[A-Za-z0-9_]+))");
    std::set<std::string> titles;
    size_t queries = 0;
    for (const auto& p : dash.at("panels")) {
        titles.insert(p.at("title").get<std::string>());
        for (const auto& t : p.at("targets")) {
            std::string expr = t.at("expr");
            ++queries;
            for (std::sregex_iterator it(expr.begin(), expr.end(), metric), end; it != end; ++it)
                EXPECT_TRUE(known.count(it->str())) << "panel \"" << p.at("title") << "\" queries " << it->str();
        }
    }
    EXPECT_GE(queries, 8u);
    for (const char* want : {"ICMP packets/s by type and action", "Drops by reason", "Rate-limited sources",
                             "Reloads in range"})
        EXPECT_TRUE(titles.count(want)) << "missing panel " << want;
}

// ---- the HTTP endpoint, in-process ------------------------------------------

// One HTTP exchange on 127.0.0.1:port: sends `request`, reads until the
// server closes (every response here is Connection: close) or 5 s pass.
std::string http(int port, const std::string& request) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return "";
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string out;
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
        size_t sent = 0;
        while (sent < request.size()) {
            ssize_t n = send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
            if (n <= 0) break;  // the server may refuse an oversized request early
            sent += static_cast<size_t>(n);
        }
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        char buf[8192];
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd, POLLIN, 0};
            if (poll(&p, 1, 200) <= 0) continue;
            ssize_t n = recv(fd, buf, sizeof(buf), 0);
            if (n <= 0) break;
            out.append(buf, static_cast<size_t>(n));
        }
    }
    close(fd);
    return out;
}

std::string get(int port, const std::string& path) {
    return http(port, "GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
}

std::string status_line(const std::string& response) { return response.substr(0, response.find("\r\n")); }

struct Endpoint {
    std::shared_ptr<MetricsSource> source = std::make_shared<MetricsSource>();
    std::unique_ptr<MetricsExporter> exporter;
    int port = 0;

    explicit Endpoint(const std::string& path = "/metrics") {
        auto e = MetricsExporter::start({.listen = "127.0.0.1:0", .path = path, .version = "test"}, source);
        if (!e) {
            ADD_FAILURE() << e.error().message();
            return;
        }
        exporter = std::move(e.value());
        port = exporter->ports().empty() ? 0 : exporter->ports().front();
    }
};

TEST(MetricsEndpoint, ServesMetricsLandingPageAnd404) {
    Endpoint ep;
    ASSERT_GT(ep.port, 0);
    std::string m = get(ep.port, "/metrics");
    EXPECT_EQ(status_line(m), "HTTP/1.1 200 OK") << m;
    EXPECT_NE(m.find("icmpguard_build_info{version=\"test\"} 1"), std::string::npos) << m;
    EXPECT_NE(m.find("icmpguard_reloads_total{result=\"success\"} 0"), std::string::npos) << m;

    ep.source->set_reloads(3, 1);  // what the daemon's thread does after a reload
    m = get(ep.port, "/metrics");
    EXPECT_NE(m.find("icmpguard_reloads_total{result=\"success\"} 3"), std::string::npos) << m;
    EXPECT_NE(m.find("icmpguard_reloads_total{result=\"failure\"} 1"), std::string::npos) << m;

    std::string landing = get(ep.port, "/");
    EXPECT_EQ(status_line(landing), "HTTP/1.1 200 OK") << landing;
    EXPECT_NE(landing.find("text/html"), std::string::npos) << landing;
    EXPECT_NE(landing.find("<a href=\"/metrics\">"), std::string::npos) << landing;

    EXPECT_EQ(status_line(get(ep.port, "/nope")), "HTTP/1.1 404 Not Found");
    EXPECT_EQ(status_line(get(ep.port, "/metricsx")), "HTTP/1.1 404 Not Found");
}

TEST(MetricsEndpoint, CustomTelemetryPath) {
    Endpoint ep("/custom/m");
    ASSERT_GT(ep.port, 0);
    EXPECT_EQ(status_line(get(ep.port, "/custom/m")), "HTTP/1.1 200 OK");
    EXPECT_EQ(status_line(get(ep.port, "/metrics")), "HTTP/1.1 404 Not Found");
    EXPECT_NE(get(ep.port, "/").find("<a href=\"/custom/m\">"), std::string::npos);
}

TEST(MetricsEndpoint, SurvivesOversizedHeaderAndSilentClient) {
    Endpoint ep;
    ASSERT_GT(ep.port, 0);
    // 64 KiB of header: refused (civetweb's max_request_size is 16 KiB), never served
    std::string big = "GET /metrics HTTP/1.1\r\nHost: localhost\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n";
    std::string r = http(ep.port, big);
    EXPECT_EQ(r.find("200 OK"), std::string::npos) << status_line(r);

    // a client that connects and sends nothing holds one worker, not the endpoint
    int silent = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(ep.port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(silent, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    auto t0 = std::chrono::steady_clock::now();
    EXPECT_EQ(status_line(get(ep.port, "/metrics")), "HTTP/1.1 200 OK");
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(1));
    close(silent);
}

TEST(MetricsEndpoint, RefusesBadOptionsAndABusyPort) {
    auto source = std::make_shared<MetricsSource>();
    for (const char* bad : {"", "9469", ":9469", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:9x", "::1:9469",
                            "[::1:9469", "a,b:1"})
        EXPECT_FALSE(validate_listen(bad)) << bad;
    for (const char* good : {"127.0.0.1:9469", "[::1]:9469", "localhost:1", "0.0.0.0:0"})
        EXPECT_TRUE(validate_listen(good)) << good << ": " << validate_listen(good).error().message();
    for (const char* bad : {"", "/", "metrics", "/me trics", "/m\"x", "/<a>"})
        EXPECT_FALSE(validate_telemetry_path(bad)) << bad;
    EXPECT_TRUE(validate_telemetry_path("/metrics"));

    Endpoint first;
    ASSERT_GT(first.port, 0);
    auto second = MetricsExporter::start({.listen = "127.0.0.1:" + std::to_string(first.port), .version = "t"}, source);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message().find("127.0.0.1:" + std::to_string(first.port)), std::string::npos)
        << second.error().message();
}

// "[v6]:port" is valid config; whether it can be served depends on the
// civetweb build (Debian 12's has no IPv6): either it serves, or it says why.
TEST(MetricsEndpoint, Ipv6ListenServesOrSaysWhy) {
    auto e = MetricsExporter::start({.listen = "[::1]:0", .version = "t"}, std::make_shared<MetricsSource>());
    if (!e) {
        EXPECT_NE(e.error().message().find("no IPv6 support"), std::string::npos) << e.error().message();
        return;
    }
    EXPECT_FALSE((*e)->ports().empty());
}

// ---- stats --watch -----------------------------------------------------------

InterfaceStats stats_of(std::string name, std::vector<CounterRow> rows) {
    InterfaceStats s;
    s.interface = std::move(name);
    s.snapshot.counters = std::move(rows);
    return s;
}

TEST(WatchRates, DeltaOverMeasuredSeconds) {
    auto prev = {stats_of("eth0", {counter(V4, 8, IG_ACTION_REPLY, 100, 9800), counter(V6, 128, IG_ACTION_REPLY, 10, 1180)})};
    auto cur = {stats_of("eth0", {counter(V4, 8, IG_ACTION_REPLY, 300, 29400), counter(V6, 128, IG_ACTION_REPLY, 10, 1180)})};
    auto rows = compute_rates(prev, cur, 2.0);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].interface, "eth0");
    EXPECT_EQ(rows[0].family, V4);
    EXPECT_EQ(rows[0].type, 8u);
    EXPECT_DOUBLE_EQ(rows[0].packets_per_s, 100.0);
    EXPECT_DOUBLE_EQ(rows[0].bytes_per_s, 9800.0);
    EXPECT_EQ(rows[0].packets, 300u);
    EXPECT_EQ(rows[0].bytes, 29400u);
    EXPECT_DOUBLE_EQ(rows[1].packets_per_s, 0.0);  // idle rows stay, at 0
    EXPECT_EQ(rows[1].family, V6);
}

TEST(WatchRates, NewRowsCountFromZeroAndResetsDoNotGoNegative) {
    auto prev = {stats_of("eth0", {counter(V4, 8, IG_ACTION_REPLY, 1000, 98000)})};
    auto cur = {stats_of("eth0", {counter(V4, 8, IG_ACTION_REPLY, 50, 4900), counter(V4, 13, IG_ACTION_DROP, 4, 216)}),
                stats_of("eth1", {counter(V6, 128, IG_ACTION_REPLY, 2, 236)})};
    auto rows = compute_rates(prev, cur, 0.5);
    ASSERT_EQ(rows.size(), 3u);
    // sorted by packets/s: the reset row (50 since the reset) first
    EXPECT_EQ(rows[0].type, 8u);
    EXPECT_DOUBLE_EQ(rows[0].packets_per_s, 100.0);
    EXPECT_DOUBLE_EQ(rows[0].bytes_per_s, 9800.0);
    EXPECT_EQ(rows[1].type, 13u);
    EXPECT_DOUBLE_EQ(rows[1].packets_per_s, 8.0);
    EXPECT_EQ(rows[2].interface, "eth1");
    EXPECT_DOUBLE_EQ(rows[2].packets_per_s, 4.0);
    for (const auto& r : rows) EXPECT_GE(r.bytes_per_s, 0.0);
}

TEST(WatchRates, SameKeyOnTwoInterfacesStaysApartAndOrderIsStable) {
    auto prev = {stats_of("a", {counter(V4, 8, IG_ACTION_REPLY, 10, 10)}), stats_of("b", {counter(V4, 8, IG_ACTION_REPLY, 20, 20)})};
    auto cur = {stats_of("a", {counter(V4, 8, IG_ACTION_REPLY, 11, 11)}), stats_of("b", {counter(V4, 8, IG_ACTION_REPLY, 21, 21)})};
    auto rows = compute_rates(prev, cur, 1.0);
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0].interface, "a");  // equal rates: by interface
    EXPECT_EQ(rows[1].interface, "b");
    EXPECT_DOUBLE_EQ(rows[0].packets_per_s, 1.0);
    EXPECT_DOUBLE_EQ(rows[1].packets_per_s, 1.0);
    EXPECT_TRUE(compute_rates({}, {}, 1.0).empty());
    EXPECT_DOUBLE_EQ(compute_rates({}, cur, 0.0)[0].packets_per_s, 0.0);  // no time: no rate, no division by 0
}

}  // namespace
}  // namespace icmpguard
