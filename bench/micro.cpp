// icmpguard_micro: the micro tier of the benchmarks (BENCH-NOTES §2).
//
// For every path of the real program (loaded through BpfHarness, lab maps
// installed) it measures the BPF_PROG_TEST_RUN cost per packet, and beside
// it, interleaved call by call, the cost of an empty XDP program measured the
// same way. It reports full, empty and full - empty in ns.
//
//   idempotent paths (drop, pass, invalid): one call = repeat R (1e6), the
//     kernel's duration (total / R) is one sample.
//   rewriting paths (echo reply): with repeat > 1 the program would see its
//     own reply from run 2 on, so one sample = the mean duration of a batch
//     of repeat = 1 calls; the empty program is measured in the same batches.
//
// Proof: paths run on copies of the program whose counters they alone move
// (two paths share a copy only when their expected counters are disjoint),
// so after all runs each path's expected counters must have grown by exactly
// its number of runs (bytes by runs x frame length) and nothing else may
// have moved. One repeat = 1 echo reply is compared byte for byte with the
// packet builder's expected reply, and one repeat = 1 run of every other
// path must leave the frame unchanged (which is what makes repeat > 1 valid
// for it). Any mismatch exits non-zero.
//
// Rate limiter rows run on copies with the limiter configured (Limiter
// below): the rate-limited rows meet a source whose bucket was pre-set
// empty, so they stay idempotent. The random-source flood (rl_flood_v6, at
// the end) is its own measurement with its own table: see run_flood().
//
// Besides the paths: a control row (the bad-checksum echo measured as
// repeat = 1 batches, to separate the price of that method from the price
// of the rewrite) and technique probes (bench/progs/probes.bpf.c: single
// production fragments alone, e.g. one local_addrs lookup).
//
// A separate pass with BPF run-time stats enabled reads run_time_ns /
// run_cnt of each loaded program (whole-program attribution, no harness).
//
// Exit codes: 0 ok (never depends on speed), 1 cannot run (privileges,
// load), 2 a path was not the intended one.

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <atomic>
#include <bit>
#include <optional>
#include <thread>
#include <vector>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "icmpguard/abi.h"
#include "icmpguard/icmp_types.h"
#include "lib/token_bucket.h"
}

#include "bench_empty.skel.h"
#include "bench_probes.skel.h"
#include "bench_rl_probes.skel.h"
#include "common/bpf_harness.hpp"
#include "common/packet_builder.hpp"
#include "core/address_writer.hpp"
#include "core/map_keys.hpp"
#include "core/rate_limits.hpp"
#include "core/stats_reader.hpp"

namespace {

using namespace icmpguard;
using namespace icmpguard::test;

constexpr double kTargetNs = 15.0;
// The rate limiter issue's targets: a refused packet costs at most 40 ns over
// the empty program; a random-source flood is dropped at >= 0.7 of the rate
// of a one-source flood.
constexpr double kRlTargetNs = 40.0;
constexpr double kFloodTargetRatio = 0.7;
constexpr const char* kFloodId = "rl_flood_v6";

// ---------------------------------------------------------------- options

struct Options {
    bool quick = false;
    std::string json_path;
    int cpu = 1;
    int rounds = 41;           // samples per path (>= 31)
    uint32_t repeat = 1000000; // idempotent paths: runs per call
    int batch = 4000;          // rewriting paths: repeat = 1 calls per sample
    int attribution_samples = 5;
    bool attribution = true;
    std::set<std::string> only;  // path ids; empty = all
    bool probes = true;
    bool list = false;
    bool flood = true;                  // the random-source flood (rl_flood_v6)
    uint32_t flood_sources = 1000000;   // distinct /64s, one per frame
    uint32_t flood_seed = 0x1c3b6a4d;
};

[[noreturn]] void usage(int code) {
    std::fprintf(code ? stderr : stdout,
                 "usage: icmpguard_micro [--quick] [--json FILE] [--cpu N] [--rounds N]\n"
                 "                       [--repeat N] [--batch N] [--no-attribution]\n"
                 "  --quick       smoke run: 9 rounds, repeat 1e5, batches of 400 (< 20 s)\n"
                 "  --json FILE   also write the results as JSON\n"
                 "  --cpu N       pin to CPU N (default 1; 0 when CPU 1 is not usable)\n"
                 "  --rounds N    timed samples per path (default 41)\n"
                 "  --repeat N    runs per call on idempotent paths (default 1e6)\n"
                 "  --batch N     repeat=1 calls per sample on rewriting paths (default 4000)\n"
                 "  --only IDS    comma-separated path ids (see --list), e.g. to profile one path\n"
                 "  --list        list the path ids\n"
                 "  --no-attribution  skip the BPF run-time stats pass\n"
                 "  --no-probes   skip the technique probes (production fragments alone)\n"
                 "  --no-flood    skip the random-source flood (same as leaving rl_flood_v6 out of --only)\n"
                 "  --flood-sources N  distinct IPv6 /64 sources in the flood (default 1e6; 1e5 with --quick)\n"
                 "  --flood-seed N     seed of the flood's source sequence\n");
    std::exit(code);
}

Options parse_args(int argc, char** argv) {
    Options o;
    bool rounds_set = false, repeat_set = false, batch_set = false, sources_set = false;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) usage(1);
            return argv[++i];
        };
        if (a == "--quick") o.quick = true;
        else if (a == "--json") o.json_path = next();
        else if (a == "--cpu") o.cpu = std::stoi(next());
        else if (a == "--rounds") o.rounds = std::stoi(next()), rounds_set = true;
        else if (a == "--repeat") o.repeat = static_cast<uint32_t>(std::stoul(next())), repeat_set = true;
        else if (a == "--batch") o.batch = std::stoi(next()), batch_set = true;
        else if (a == "--no-attribution") o.attribution = false;
        else if (a == "--no-probes") o.probes = false;
        else if (a == "--no-flood") o.flood = false;
        else if (a == "--flood-sources") o.flood_sources = static_cast<uint32_t>(std::stoul(next())), sources_set = true;
        else if (a == "--flood-seed") o.flood_seed = static_cast<uint32_t>(std::stoul(next(), nullptr, 0));
        else if (a == "--only") {
            std::stringstream ids(next());
            for (std::string id; std::getline(ids, id, ',');) o.only.insert(id);
        } else if (a == "--list") o.list = true;
        else if (a == "-h" || a == "--help") usage(0);
        else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            usage(1);
        }
    }
    if (o.quick) {
        if (!rounds_set) o.rounds = 9;
        if (!repeat_set) o.repeat = 100000;
        if (!batch_set) o.batch = 400;
        o.attribution_samples = 2;
        if (!sources_set) o.flood_sources = 100000;
    }
    if (o.rounds < 1 || o.repeat < 2 || o.batch < 1) usage(1);
    if (o.flood_sources < static_cast<uint32_t>(o.rounds) + 2) usage(1);
    return o;
}

// ---------------------------------------------------------------- helpers

struct Fail : std::runtime_error {
    int code;
    Fail(int c, const std::string& m) : std::runtime_error(m), code(c) {}
};

double median(std::vector<double> v) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    double pos = q * static_cast<double>(v.size() - 1);
    size_t lo = static_cast<size_t>(pos);
    size_t hi = std::min(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - static_cast<double>(lo));
}

struct TestRun {
    uint32_t retval = 0;
    uint32_t duration = 0;  // ns per run, as the kernel reports it
};

// One BPF_PROG_TEST_RUN call. `out` (optional) receives data_out.
TestRun test_run(int prog_fd, const Bytes& frame, uint32_t repeat, Bytes* out = nullptr) {
    struct bpf_test_run_opts o;
    std::memset(&o, 0, sizeof(o));
    o.sz = sizeof(o);
    o.data_in = frame.data();
    o.data_size_in = static_cast<__u32>(frame.size());
    o.repeat = repeat;
    if (out) {
        out->assign(frame.size() + 256, 0);
        o.data_out = out->data();
        o.data_size_out = static_cast<__u32>(out->size());
    }
    if (bpf_prog_test_run_opts(prog_fd, &o) != 0) {
        int err = errno;
        throw Fail(1, std::string("BPF_PROG_TEST_RUN failed: ") + std::strerror(err));
    }
    if (out) out->resize(o.data_size_out);
    return TestRun{o.retval, o.duration};
}

const char* xdp_name(uint32_t action) {
    switch (action) {
    case XDP_ABORTED: return "XDP_ABORTED";
    case XDP_DROP: return "XDP_DROP";
    case XDP_PASS: return "XDP_PASS";
    case XDP_TX: return "XDP_TX";
    case XDP_REDIRECT: return "XDP_REDIRECT";
    }
    return "XDP_?";
}

// ---------------------------------------------------------------- capture

// A reader that keeps a copy's capture ring drained on another CPU while its
// rows are timed, as `icmpguard capture` would: otherwise the ring fills in
// microseconds and every later run times only a failed reserve.
struct CaptureDrain {
    ring_buffer* rb = nullptr;
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> records{0};
    std::thread thread;

    CaptureDrain(int ring_fd, int cpu) {
        rb = ring_buffer__new(ring_fd, [](void* ctx, void*, size_t) -> int {
            static_cast<CaptureDrain*>(ctx)->records++;
            return 0;
        }, this, nullptr);
        if (!rb) throw Fail(1, "ring_buffer__new on capture_ring failed");
        thread = std::thread([this, cpu] {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            sched_setaffinity(0, sizeof(set), &set);
            while (!stop) ring_buffer__poll(rb, 10);
        });
    }
    ~CaptureDrain() {
        stop = true;
        thread.join();
        ring_buffer__free(rb);
    }
};

// ---------------------------------------------------------------- limiter

// How a copy's limiter is configured (paths share a copy only with the same
// setting). Defaults: what an unconfigured [rate_limit] compiles to (echo
// 1000 pps per source, other ICMP 200, total 100000 per class, /32 and /64
// keys, new sources 65536 / 8 a second split over the CPUs). Admit: the
// defaults with the echo per-source and echo total buckets at 1e9 pps and a
// 1e9 burst, so nothing is ever refused but every answer still takes its
// source's bucket and spends random credit from the total by compare-and-swap.
enum class Limiter { Off, Defaults, Admit };

RateLimits limits_for(Limiter l) {
    const int cpus = libbpf_num_possible_cpus();
    if (cpus <= 0) throw Fail(1, "libbpf_num_possible_cpus failed");
    auto c = RateLimitCompiler::compile(RateLimitConfig{}, static_cast<unsigned>(cpus));
    if (!c) throw Fail(1, "compiling the default rate limits: " + c.error().message());
    RateLimits r = *c;
    if (l == Limiter::Admit) {
        ig_rl_rate huge{};
        if (!ig_rl_rate_from_pps(1000000000ull, 1000000000ull, &huge)) throw Fail(1, "ig_rl_rate_from_pps");
        r.params.per_source[IG_RL_ECHO] = huge;
        r.params.total[IG_RL_ECHO] = huge;
    }
    return r;
}

void apply_limits(BpfHarness& h, Limiter l) {
    const RateLimits limits = limits_for(l);
    auto m = h.datapath().maps();
    auto r = PolicyWriter(PolicyMapFds{m.policy, m.policy_state, m.rl_params, m.rl_type_rates})
                 .apply(lab_policy(), 0, &limits);
    if (!r) throw Fail(1, "applying rate limits: " + r.error().message());
}

// The rl_sources key of an address: IPv4 /32, IPv6 /64 (the default prefixes).
ig_rl_key rl_key(const char* text) {
    ig_rl_key k{};
    if (inet_pton(AF_INET, text, k.addr) == 1) {
        k.family = IG_FAMILY_IPV4;
    } else if (inet_pton(AF_INET6, text, k.addr) == 1) {
        k.family = IG_FAMILY_IPV6;
        std::memset(k.addr + 8, 0, 8);
    } else {
        throw Fail(1, std::string("bad address ") + text);
    }
    return k;
}

// What bpf_ktime_get_coarse_ns() returns.
uint64_t coarse_now_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

// A TAT that keeps a default-limits bucket empty for the next ~0.9 s: the
// limiter forgives debt more than 1 s beyond what the rate can produce
// (ig_tb_clamp), so a bucket cannot be pre-set empty for longer; callers
// refresh it before every sample. A refusal never moves the TAT, so the
// rate-limited rows stay idempotent within a sample.
uint64_t empty_tat() { return coarse_now_ns() + 1900000000ull; }

// Set the key's bit in both generations of the maybe-known filter, as the
// program does when it adds a source: a source written by hand would
// otherwise look unknown and take the new-source path once.
void mark_filter(int rl_filter_fd, const ig_rl_key& k) {
    const uint32_t bit = ig_rl_filter_bit(&k), zero = 0;
    auto f = std::make_unique<ig_rl_filter>();
    if (bpf_map_lookup_elem(rl_filter_fd, &zero, f.get())) throw Fail(1, "reading rl_filter");
    for (auto& gen : f->words) gen[bit >> 6] |= 1ull << (bit & 63);
    if (bpf_map_update_elem(rl_filter_fd, &zero, f.get(), BPF_ANY)) throw Fail(1, "writing rl_filter");
}

// A source whose buckets are empty (see empty_tat): every packet from it is
// refused at its own bucket.
void set_empty_source(int rl_sources_fd, int rl_filter_fd, const ig_rl_key& k) {
    ig_rl_source s{};
    s.tat[IG_RL_ECHO] = s.tat[IG_RL_OTHER] = empty_tat();
    if (bpf_map_update_elem(rl_sources_fd, &k, &s, BPF_ANY))
        throw Fail(1, std::string("writing rl_sources: ") + std::strerror(errno));
    mark_filter(rl_filter_fd, k);
}

// ---------------------------------------------------------------- paths

// Repeat: one call of repeat = N runs is a sample (idempotent paths).
// Batched: a sample is the mean of a batch of repeat = 1 calls (paths that
// rewrite the packet, whose second run would see their own output).
enum class Mode { Repeat, Batched };

struct Path {
    std::string id;     // stable key for JSON
    std::string group;  // drop / pass / echo / invalid
    std::string label;  // table text
    Bytes frame;
    uint32_t action = XDP_PASS;
    std::vector<CounterKey> expected;  // each grows by runs packets, runs * frame bytes
    Mode mode = Mode::Repeat;
    std::optional<Bytes> reply;  // expected data_out of a repeat = 1 run (echo)
    uint32_t capture_sample = 0;  // drop capture on (1 in N), with a reader draining the ring; 0 = off
    Limiter limiter = Limiter::Off;          // the copy's limiter setting
    std::optional<ig_rl_key> empty_source;   // pre-set empty in the copy's rl_sources
    double target = kTargetNs;               // ns over empty; NaN: none (the row is context)
    std::string probe_obj;                   // probes: which bench object ("probes", "rl_probes")
    std::function<void()> refresh;           // before every sample, untimed (limiter state)
    // Runs per call at most (Repeat mode). The rate-limited rows' pre-set
    // empty bucket lasts ~0.9 s (empty_tat), so a call must end well within
    // that even when a loaded machine stretches it tenfold.
    uint32_t max_repeat = UINT32_MAX;

    struct Program* prog = nullptr;  // the loaded copy this path runs on
    int fd = -1;                     // its program fd
    uint64_t runs = 0;  // every run of this path's program, warm-ups included

    std::vector<double> full, empty, paired;  // ns per run, one entry per sample

    // whole-program attribution (bpf_stats): ns per run
    double attr_full = NAN, attr_empty = NAN;
};

// One loaded copy of icmpguard with the lab maps. Paths share a copy only when
// their expected counters are disjoint, so every counter of a copy belongs
// to exactly one path and the exact diff proves each path on its own.
// (Loading takes about a second per copy here: the verifier.)
struct Program {
    std::unique_ptr<BpfHarness> h;           // icmpguard copies
    uint32_t capture_sample = 0;             // capture setting of this copy (paths must match)
    Limiter limiter = Limiter::Off;          // limiter setting of this copy (paths must match)
    std::unique_ptr<CaptureDrain> drain;     // reader of its capture ring, when capture is on
    std::function<StatsSnapshot()> snapshot;  // its counters, summed over CPUs
    StatsSnapshot base;
    std::vector<Path*> paths;
    std::set<CounterKey> owned;
};

Bytes pattern(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(0xa5 + i * 7);
    return b;
}

std::vector<Path> make_paths() {
    std::vector<Path> p;
    auto add = [&](std::string id, std::string group, std::string label, Bytes frame, uint32_t action,
                   std::vector<CounterKey> expected, Mode mode = Mode::Repeat,
                   std::optional<Bytes> reply = std::nullopt) {
        Path x;
        x.id = std::move(id);
        x.group = std::move(group);
        x.label = std::move(label);
        x.frame = std::move(frame);
        x.action = action;
        x.expected = std::move(expected);
        x.mode = mode;
        x.reply = std::move(reply);
        p.push_back(std::move(x));
    };
    const auto v4t = [](uint32_t t, uint32_t a) { return type_counter(IG_FAMILY_IPV4, t, a); };
    const auto v6t = [](uint32_t t, uint32_t a) { return type_counter(IG_FAMILY_IPV6, t, a); };
    const auto v4r = [](uint32_t r) { return reason_counter(IG_FAMILY_IPV4, r); };
    const auto v6r = [](uint32_t r) { return reason_counter(IG_FAMILY_IPV6, r); };
    const Bytes payload56 = pattern(56);

    // drop: policy drop by type
    {
        IcmpSpec icmp{.type = IG_ICMP4_TIMESTAMP_REQUEST, .payload = Bytes(12, 0)};
        add("drop_v4_timestamp", "drop", "drop: v4 timestamp-request (13)", icmp4_frame({}, {}, icmp, 60),
            XDP_DROP,
            {v4t(IG_ICMP4_TIMESTAMP_REQUEST, IG_ACTION_DROP), v4r(IG_REASON_POLICY_DROP)});
    }
    {
        IcmpSpec icmp{.type = 139, .payload = Bytes(16, 0)};
        add("drop_v6_nodeinfo", "drop", "drop: v6 node-information query (139)",
            icmp6_frame({}, {}, icmp), XDP_DROP, {v6t(139, IG_ACTION_DROP), v6r(IG_REASON_POLICY_DROP)});
    }
    // drop with the drop capture on (a reader drains the ring on CPU 0)
    for (uint32_t n : {1u, 64u}) {
        IcmpSpec icmp{.type = IG_ICMP4_TIMESTAMP_REQUEST, .payload = Bytes(12, 0)};
        add("drop_v4_timestamp_capture_" + std::to_string(n), "drop",
            "drop: v4 timestamp-request, capture on, sample 1/" + std::to_string(n), icmp4_frame({}, {}, icmp, 60),
            XDP_DROP, {v4t(IG_ICMP4_TIMESTAMP_REQUEST, IG_ACTION_DROP), v4r(IG_REASON_POLICY_DROP)});
        p.back().capture_sample = n;
    }
    // pass: a type the policy passes; and non-ICMP traffic
    {
        IcmpSpec icmp{.type = IG_ICMP4_ECHO_REPLY, .payload = payload56};
        add("pass_v4_echo_reply", "pass", "pass: v4 echo-reply (0), 56 B", icmp4_frame({}, {}, icmp),
            XDP_PASS, {v4t(IG_ICMP4_ECHO_REPLY, IG_ACTION_PASS), v4r(IG_REASON_POLICY_PASS)});
    }
    {
        Bytes udp{0x9c, 0x40, 0x00, 0x35, 0x00, 0x28, 0x00, 0x00};  // 40000 -> 53, len 40, no csum
        Bytes body = pattern(32);
        udp.insert(udp.end(), body.begin(), body.end());
        Ipv4Spec ip{.protocol = 17};
        add("pass_v4_udp", "pass", "pass: v4 UDP (not_icmp)", eth_frame({}, 0x0800, ipv4_packet(ip, udp), 60),
            XDP_PASS, {v4r(IG_REASON_NOT_ICMP)});
    }
    // echo reply: the rewriting paths
    {
        IcmpSpec icmp{.type = IG_ICMP4_ECHO_REQUEST, .payload = payload56};
        add("echo_v4", "echo", "echo reply v4, 56 B", icmp4_frame({}, {}, icmp), XDP_TX,
            {v4t(IG_ICMP4_ECHO_REQUEST, IG_ACTION_REPLY)}, Mode::Batched,
            expected_echo4_reply({}, {}, icmp));
    }
    {
        IcmpSpec icmp{.type = IG_ICMP6_ECHO_REQUEST, .payload = payload56};
        add("echo_v6", "echo", "echo reply v6, 56 B", icmp6_frame({}, {}, icmp), XDP_TX,
            {v6t(IG_ICMP6_ECHO_REQUEST, IG_ACTION_REPLY)}, Mode::Batched,
            expected_echo6_reply({}, {}, icmp));
    }
    {
        EthSpec eth{.vlans = {{0x8100, 0x0064}}};
        IcmpSpec icmp{.type = IG_ICMP4_ECHO_REQUEST, .payload = payload56};
        add("echo_v4_vlan", "echo", "echo reply v4, 802.1Q tag, 56 B", icmp4_frame(eth, {}, icmp), XDP_TX,
            {v4t(IG_ICMP4_ECHO_REQUEST, IG_ACTION_REPLY)}, Mode::Batched,
            expected_echo4_reply(eth, {}, icmp));
    }
    // invalid
    {
        Ipv4Spec ip{.ihl = 4};
        IcmpSpec icmp{.type = IG_ICMP4_ECHO_REQUEST, .payload = payload56};
        add("invalid_v4_bad_ihl", "invalid", "invalid: v4 IHL 4", icmp4_frame({}, ip, icmp), XDP_DROP,
            {v4r(IG_REASON_IP4_BAD_IHL)});
    }
    {
        // 4 bytes of ICMP (type, code, checksum) and no more: tot_len 24
        Bytes l4{IG_ICMP4_ECHO_REQUEST, 0, 0xf7, 0xff};
        add("invalid_v4_icmp_short", "invalid", "invalid: v4 ICMP header truncated (4 B)",
            eth_frame({}, 0x0800, ipv4_packet({}, l4), 60), XDP_DROP, {v4r(IG_REASON_ICMP_SHORT)});
    }
    {
        IcmpSpec good{.type = IG_ICMP4_ECHO_REQUEST, .payload = payload56};
        Bytes m = icmp4_message(good);
        IcmpSpec bad = good;
        bad.checksum = static_cast<uint16_t>((m[2] << 8 | m[3]) ^ 0x0101);
        add("invalid_v4_echo_bad_csum", "invalid", "invalid: v4 echo, bad ICMP checksum",
            icmp4_frame({}, {}, bad), XDP_DROP,
            {v4t(IG_ICMP4_ECHO_REQUEST, IG_ACTION_DROP), v4r(IG_REASON_ICMP_BAD_CSUM)});
    }
    {
        Ipv4Spec ip{.flags_frag = 0x00b9};  // offset 185 * 8 = 1480, MF clear: a last fragment
        IcmpSpec icmp{.type = IG_ICMP4_ECHO_REQUEST, .payload = payload56};
        add("invalid_v4_frag_nonfirst", "invalid", "invalid: v4 non-first fragment",
            icmp4_frame({}, ip, icmp), XDP_PASS, {v4r(IG_REASON_FRAG_PASS)});
    }
    {
        Ipv4Spec ip{.flags_frag = 0x2000};  // MF set, offset 0: a first fragment of an echo
        IcmpSpec icmp{.type = IG_ICMP4_ECHO_REQUEST, .payload = payload56};
        add("invalid_v4_frag_first", "invalid", "invalid: v4 first fragment (MF) of an echo",
            icmp4_frame({}, ip, icmp), XDP_PASS,
            {v4t(IG_ICMP4_ECHO_REQUEST, IG_ACTION_PASS), v4r(IG_REASON_FRAG_PASS)});
    }
    {
        // Control: the same bad-checksum echo measured like the echo rows
        // (repeat = 1 batches). Against invalid_v4_echo_bad_csum it gives the price of
        // the repeat = 1 method itself; against echo_v4 the price of the rewrite.
        IcmpSpec good{.type = IG_ICMP4_ECHO_REQUEST, .payload = payload56};
        Bytes m = icmp4_message(good);
        IcmpSpec bad = good;
        bad.checksum = static_cast<uint16_t>((m[2] << 8 | m[3]) ^ 0x0101);
        add("control_v4_echo_bad_csum_r1", "control",
            "control: v4 echo, bad ICMP checksum, measured as repeat=1 batches", icmp4_frame({}, {}, bad),
            XDP_DROP, {v4t(IG_ICMP4_ECHO_REQUEST, IG_ACTION_DROP), v4r(IG_REASON_ICMP_BAD_CSUM)},
            Mode::Batched);
    }
    // rate limiter, default limits: an echo request (and a passed type) from
    // a source whose bucket is empty is refused at its own bucket
    const auto limited = [&](const char* src) {
        p.back().limiter = Limiter::Defaults;
        p.back().empty_source = rl_key(src);
        p.back().target = kRlTargetNs;
        p.back().max_repeat = 100000;
    };
    {
        IcmpSpec icmp{.type = IG_ICMP4_ECHO_REQUEST, .payload = payload56};
        add("rl_v4_echo_limited", "ratelimit", "rate-limited: v4 echo, source bucket empty (rl_source)",
            icmp4_frame({}, {}, icmp), XDP_DROP,
            {v4t(IG_ICMP4_ECHO_REQUEST, IG_ACTION_RATE_LIMITED), v4r(IG_REASON_RL_SOURCE)});
        limited("198.51.100.1");
    }
    {
        IcmpSpec icmp{.type = IG_ICMP6_ECHO_REQUEST, .payload = payload56};
        add("rl_v6_echo_limited", "ratelimit", "rate-limited: v6 echo, source /64 bucket empty (rl_source)",
            icmp6_frame({}, {}, icmp), XDP_DROP,
            {v6t(IG_ICMP6_ECHO_REQUEST, IG_ACTION_RATE_LIMITED), v6r(IG_REASON_RL_SOURCE)});
        limited("2001:db8::1");
    }
    {
        // port unreachable: a type the lab policy passes, class "other"
        IcmpSpec icmp{.type = IG_ICMP4_DEST_UNREACH, .code = 3, .payload = Bytes(28, 0x45)};
        add("rl_v4_unreach_limited", "ratelimit", "rate-limited: v4 port-unreachable (passed type), bucket empty",
            icmp4_frame({}, {}, icmp), XDP_DROP,
            {v4t(IG_ICMP4_DEST_UNREACH, IG_ACTION_RATE_LIMITED), v4r(IG_REASON_RL_SOURCE)});
        limited("198.51.100.1");
    }
    {
        // its baseline: the same frame passed with the limiter off, so
        // rl_v4_unreach_limited - this row is what the refusal adds
        IcmpSpec icmp{.type = IG_ICMP4_DEST_UNREACH, .code = 3, .payload = Bytes(28, 0x45)};
        add("rl_v4_unreach_off", "ratelimit", "pass: v4 port-unreachable, limiter off (baseline)",
            icmp4_frame({}, {}, icmp), XDP_PASS,
            {v4t(IG_ICMP4_DEST_UNREACH, IG_ACTION_PASS), v4r(IG_REASON_POLICY_PASS)});
        p.back().target = NAN;
    }
    {
        // answered with the limiter on: its own bucket, then random credit
        // from the echo total by compare-and-swap (Limiter::Admit)
        IcmpSpec icmp{.type = IG_ICMP4_ECHO_REQUEST, .payload = payload56};
        add("rl_v4_echo_admitted", "ratelimit", "echo reply v4, 56 B, limiter on (source + total bucket)",
            icmp4_frame({}, {}, icmp), XDP_TX, {v4t(IG_ICMP4_ECHO_REQUEST, IG_ACTION_REPLY)}, Mode::Batched,
            expected_echo4_reply({}, {}, icmp));
        p.back().limiter = Limiter::Admit;
        p.back().target = NAN;  // compared with echo_v4 instead
    }
    return p;
}

// ---------------------------------------------------------------- proof

// Exactly the expected counters moved, by runs packets and runs x frame
// bytes each; every key of a copy is owned by one path.
void prove(Program& prog, const char* when) {
    Deltas got = diff(prog.base, prog.snapshot());
    Deltas want;
    for (const Path* p : prog.paths)
        for (const auto& k : p->expected) want[k] = Delta{p->runs, p->runs * p->frame.size()};
    if (got == want) return;
    std::ostringstream m;
    m << "a path is not the intended one (" << when << "):\n";
    for (const Path* p : prog.paths) {
        bool ok = true;
        for (const auto& k : p->expected) {
            auto it = got.find(k);
            ok = ok && it != got.end() && it->second == want[k];
        }
        m << "  " << (ok ? "ok  " : "BAD ") << p->id << " after " << p->runs << " runs: expected";
        for (const auto& k : p->expected) m << " " << describe(k) << "=" << p->runs << "p";
        m << "\n";
    }
    m << "  counters that moved:";
    for (const auto& [k, d] : got) m << " " << describe(k) << "=" << d.packets << "p/" << d.bytes << "B";
    throw Fail(2, m.str());
}

void check_action(const Path& p, const TestRun& r) {
    if (r.retval != p.action)
        throw Fail(2, "path " + p.id + " returned " + xdp_name(r.retval) + ", expected " + xdp_name(p.action));
}

// One repeat = 1 run with data_out: the echo reply must be the builder's
// reply byte for byte; any other path must leave the frame as it was.
void check_output(Path& p) {
    if (p.refresh) p.refresh();
    Bytes out;
    TestRun r = test_run(p.fd, p.frame, 1, &out);
    p.runs += 1;
    check_action(p, r);
    const Bytes& want = p.reply ? *p.reply : p.frame;
    if (out != want)
        throw Fail(2, "path " + p.id + ": " + (p.reply ? "reply differs from the expected reply"
                                                       : "program modified the frame (not idempotent)") +
                          "\n  got:\n" + hex(out) + "\n  want:\n" + hex(want));
}

// ---------------------------------------------------------------- timing

// One sample of a path: full and empty, interleaved, the same way.
void sample(Path& p, int empty_fd, const Options& o, bool keep) {
    const int fd = p.fd;
    if (p.refresh) p.refresh();
    if (p.mode == Mode::Repeat) {
        const uint32_t repeat = std::min(o.repeat, p.max_repeat);
        TestRun f = test_run(fd, p.frame, repeat);
        p.runs += repeat;
        check_action(p, f);
        TestRun e = test_run(empty_fd, p.frame, repeat);
        if (e.retval != XDP_PASS) throw Fail(2, "empty program returned " + std::string(xdp_name(e.retval)));
        if (keep) {
            p.full.push_back(f.duration);
            p.empty.push_back(e.duration);
            p.paired.push_back(static_cast<double>(f.duration) - e.duration);
        }
        return;
    }
    uint64_t sf = 0, se = 0;
    for (int i = 0; i < o.batch; ++i) {
        TestRun f = test_run(fd, p.frame, 1);
        check_action(p, f);
        TestRun e = test_run(empty_fd, p.frame, 1);
        if (e.retval != XDP_PASS) throw Fail(2, "empty program returned " + std::string(xdp_name(e.retval)));
        sf += f.duration;
        se += e.duration;
    }
    p.runs += static_cast<uint64_t>(o.batch);
    if (keep) {
        double mf = static_cast<double>(sf) / o.batch, me = static_cast<double>(se) / o.batch;
        p.full.push_back(mf);
        p.empty.push_back(me);
        p.paired.push_back(mf - me);
    }
}

// ---------------------------------------------------------------- attribution

struct ProgStats {
    uint64_t run_time_ns = 0, run_cnt = 0;
};

ProgStats prog_stats(int fd) {
    struct bpf_prog_info info;
    std::memset(&info, 0, sizeof(info));
    __u32 len = sizeof(info);
    // libbpf 1.1 has no bpf_prog_get_info_by_fd(); this is the same syscall.
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
        throw Fail(1, std::string("BPF_OBJ_GET_INFO_BY_FD: ") + std::strerror(errno));
    return ProgStats{info.run_time_ns, info.run_cnt};
}

const char* kStatsSysctl = "/proc/sys/kernel/bpf_stats_enabled";

int read_sysctl_int(const char* path) {
    std::ifstream f(path);
    int v = -1;
    f >> v;
    return f ? v : -1;
}

bool write_sysctl_int(const char* path, int v) {
    std::ofstream f(path);
    f << v << "\n";
    f.flush();
    return static_cast<bool>(f);
}

// Turns BPF run-time stats on for its lifetime. BPF_ENABLE_STATS gives an fd
// that keeps them on until it is closed, so they go off even if we crash; if
// the kernel refuses, fall back to the sysctl and restore its old value.
class StatsEnabler {
public:
    StatsEnabler() {
        fd_ = bpf_enable_stats(BPF_STATS_RUN_TIME);
        if (fd_ >= 0) {
            how_ = "BPF_ENABLE_STATS fd";
            return;
        }
        old_ = read_sysctl_int(kStatsSysctl);
        if (old_ < 0) throw Fail(1, "cannot read kernel.bpf_stats_enabled");
        if (old_ == 0 && !write_sysctl_int(kStatsSysctl, 1))
            throw Fail(1, "cannot set kernel.bpf_stats_enabled=1");
        how_ = "sysctl kernel.bpf_stats_enabled=1";
    }
    ~StatsEnabler() {
        if (fd_ >= 0) close(fd_);
        else if (old_ == 0) write_sysctl_int(kStatsSysctl, 0);
    }
    const std::string& how() const { return how_; }

private:
    int fd_ = -1;
    int old_ = -1;
    std::string how_;
};

// ns per run of a program over a sample, from its own run-time stats.
struct Acc {
    uint64_t ns = 0, cnt = 0;
    double per_run() const { return cnt ? static_cast<double>(ns) / static_cast<double>(cnt) : NAN; }
};

void attribution_pass(std::vector<Path>& paths, int empty_fd, const Options& o, std::string* how) {
    StatsEnabler on;
    *how = on.how();
    for (auto& p : paths) {
        Acc full, empty;
        const int fd = p.fd;
        // Each program's stats only move when it runs, so one read before and
        // after a sample covers its interleaved full and empty calls.
        for (int s = 0; s < o.attribution_samples; ++s) {
            // a mean over 1e6 runs (Repeat) or 10000 calls (Batched) per
            // row is plenty for a per-run average; keep this pass short
            const uint32_t rep = p.mode == Mode::Repeat ? std::max(2u, std::min(o.repeat, p.max_repeat) / 5) : 1;
            const int calls = p.mode == Mode::Repeat ? 1 : std::max(1, o.batch / 2);
            if (p.refresh) p.refresh();
            ProgStats a = prog_stats(fd), c = prog_stats(empty_fd);
            for (int i = 0; i < calls; ++i) {
                check_action(p, test_run(fd, p.frame, rep));
                test_run(empty_fd, p.frame, rep);
            }
            ProgStats b = prog_stats(fd), d = prog_stats(empty_fd);
            p.runs += static_cast<uint64_t>(rep) * static_cast<uint64_t>(calls);
            full.ns += b.run_time_ns - a.run_time_ns;
            full.cnt += b.run_cnt - a.run_cnt;
            empty.ns += d.run_time_ns - c.run_time_ns;
            empty.cnt += d.run_cnt - c.run_cnt;
        }
        if (full.cnt == 0) throw Fail(1, "BPF run-time stats did not move: are they supported?");
        p.attr_full = full.per_run();
        p.attr_empty = empty.per_run();
    }
}

// ---------------------------------------------------------------- output

std::string fmt(double v, int prec = 1) {
    if (std::isnan(v)) return "n/a";
    char b[32];
    std::snprintf(b, sizeof(b), "%.*f", prec, v);
    return b;
}

std::string mode_text(const Path& p, const Options& o) {
    if (p.mode == Mode::Repeat) return "repeat=" + std::to_string(o.repeat);
    return "repeat=1 x" + std::to_string(o.batch);
}

void print_rows(const std::vector<Path>& paths, const Options& o, bool probes) {
    std::printf("| %s | Mode | Full ns/pkt | Empty ns/pkt | Δ = full − empty | Δ p25–p75 (paired) | Target Δ ≤ (ns) | Met? |\n",
                probes ? "Probe (one fragment, alone)" : "Path");
    std::printf("|---|---|---:|---:|---:|---:|---:|---|\n");
    for (const auto& p : paths) {
        if ((p.group == "probe") != probes) continue;
        double f = median(p.full), e = median(p.empty), d = f - e;
        const char* met = p.group == "probe"     ? "(probe)"
                          : p.group == "control" ? "(control)"
                          : std::isnan(p.target) ? "(context)"
                          : d <= p.target        ? "yes"
                                                 : "no";
        std::printf("| %s | %s | %s | %s | **%s** | %s – %s | %s | %s |\n", p.label.c_str(),
                    mode_text(p, o).c_str(), fmt(f).c_str(), fmt(e).c_str(), fmt(d).c_str(),
                    fmt(quantile(p.paired, 0.25)).c_str(), fmt(quantile(p.paired, 0.75)).c_str(),
                    fmt(p.target, 0).c_str(), met);
    }
}

const Path* find_path(const std::vector<Path>& paths, const char* id) {
    for (const auto& p : paths)
        if (p.id == id) return &p;
    return nullptr;
}

void print_table(const std::vector<Path>& paths, const Options& o, bool attribution) {
    print_rows(paths, o, false);
    // the limiter's share of an answered echo: same method, same run
    const Path *on = find_path(paths, "rl_v4_echo_admitted"), *off = find_path(paths, "echo_v4");
    if (on && off)
        std::printf("\nLimiter on the answered echo path: rl_v4_echo_admitted − echo_v4 = %s ns "
                    "(medians of the full figures; empty floors %s and %s ns)\n",
                    fmt(median(on->full) - median(off->full)).c_str(), fmt(median(on->empty)).c_str(),
                    fmt(median(off->empty)).c_str());
    const Path *lim = find_path(paths, "rl_v4_unreach_limited"), *base = find_path(paths, "rl_v4_unreach_off");
    if (lim && base)
        std::printf("%sA refusal by the source's bucket: rl_v4_unreach_limited − rl_v4_unreach_off = %s ns\n",
                    on && off ? "" : "\n",
                    fmt(median(lim->full) - median(lim->empty) - (median(base->full) - median(base->empty))).c_str());
    bool any_probe = std::any_of(paths.begin(), paths.end(), [](const Path& p) { return p.group == "probe"; });
    if (any_probe) {
        std::printf("\nTechnique probes: production fragments (bpf/lib) alone in an XDP program, same method:\n\n");
        print_rows(paths, o, true);
    }
    if (!attribution) return;
    std::printf("\nWhole-program attribution (BPF run-time stats, run_time_ns / run_cnt; a separate pass):\n\n");
    std::printf("| Path | Program ns/run | Empty ns/run | Δ |\n|---|---:|---:|---:|\n");
    for (const auto& p : paths)
        std::printf("| %s | %s | %s | %s |\n", p.label.c_str(), fmt(p.attr_full).c_str(),
                    fmt(p.attr_empty).c_str(), fmt(p.attr_full - p.attr_empty).c_str());
}

std::string json_num(double v) {
    if (std::isnan(v)) return "null";
    char b[32];
    std::snprintf(b, sizeof(b), "%.2f", v);
    return b;
}

std::string json_str(const std::string& s) {
    std::string r = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') r += '\\', r += c;
        else if (c == '\n') r += "\\n";
        else r += c;
    }
    return r + "\"";
}

struct Flood;
void write_flood_json(std::ostream& f, const Flood& fl);

void write_json(const std::string& path, const std::vector<Path>& paths, const Options& o, int cpu,
                bool attribution, const std::string& stats_how, double wall_s, const Flood* flood) {
    std::ofstream f(path);
    if (!f) throw Fail(1, "cannot write " + path);
    char date[64];
    std::time_t now = std::time(nullptr);
    std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
    f << "{\n  \"tier\": \"micro\",\n  \"date\": " << json_str(date) << ",\n";
    f << "  \"method\": {\"quick\": " << (o.quick ? "true" : "false") << ", \"cpu\": " << cpu
      << ", \"rounds\": " << o.rounds << ", \"repeat_idempotent\": " << o.repeat
      << ", \"batch_rewriting\": " << o.batch << ", \"warmup_dropped\": 1"
      << ", \"statistic\": \"median of samples; delta = median(full) - median(empty)\""
      << ", \"target_ns\": " << json_num(kTargetNs) << ", \"rate_limited_target_ns\": " << json_num(kRlTargetNs)
      << "},\n";
    f << "  \"wall_seconds\": " << json_num(wall_s) << ",\n";
    f << "  \"attribution\": {\"enabled\": " << (attribution ? "true" : "false")
      << ", \"how\": " << json_str(stats_how) << "},\n";
    f << "  \"paths\": [\n";
    for (size_t i = 0; i < paths.size(); ++i) {
        const Path& p = paths[i];
        double fm = median(p.full), em = median(p.empty);
        f << "    {\"id\": " << json_str(p.id) << ", \"group\": " << json_str(p.group)
          << ", \"label\": " << json_str(p.label) << ", \"mode\": " << json_str(mode_text(p, o))
          << ", \"frame_bytes\": " << p.frame.size() << ", \"expected_action\": " << json_str(xdp_name(p.action))
          << ", \"expected_counters\": [";
        for (size_t k = 0; k < p.expected.size(); ++k)
            f << (k ? ", " : "") << json_str(describe(p.expected[k]));
        f << "], \"runs_proven\": " << p.runs << ", \"samples\": " << p.full.size()
          << ",\n     \"full_ns\": " << json_num(fm) << ", \"empty_ns\": " << json_num(em)
          << ", \"delta_ns\": " << json_num(fm - em)
          << ", \"paired_delta_ns\": {\"median\": " << json_num(median(p.paired))
          << ", \"p25\": " << json_num(quantile(p.paired, 0.25)) << ", \"p75\": " << json_num(quantile(p.paired, 0.75))
          << "}, \"full_min_max\": [" << json_num(quantile(p.full, 0)) << ", " << json_num(quantile(p.full, 1))
          << "], \"empty_min_max\": [" << json_num(quantile(p.empty, 0)) << ", " << json_num(quantile(p.empty, 1))
          << "], \"target_ns\": " << json_num(p.target) << ", \"target_met\": "
          << (p.group == "control" || p.group == "probe" || std::isnan(p.target) ? "null"
              : fm - em <= p.target                                             ? "true"
                                                                                : "false")
          << ",\n     \"attribution_ns\": {\"full\": " << json_num(p.attr_full) << ", \"empty\": "
          << json_num(p.attr_empty) << ", \"delta\": " << json_num(p.attr_full - p.attr_empty) << "}}"
          << (i + 1 < paths.size() ? "," : "") << "\n";
    }
    f << "  ]";
    if (flood) write_flood_json(f, *flood);
    f << "\n}\n";
    if (!f) throw Fail(1, "writing " + path + " failed");
}

// ---------------------------------------------------------------- random-source flood

// rl_flood_v6: what the program pays per packet when a flood comes from ever
// new sources, against a flood from one source the limiter already refuses
// (BENCH-NOTES §3 scenario G, at the micro tier). One copy with the default
// limits and the default LRU capacity; IPv6 echo requests, each from a /64
// of 2001:db8::/32 never seen before. Every frame runs once (repeat = 1): the
// test-run loop would feed a repeat > 1 the same source again, and an
// admitted request turns into its reply in the buffer. The empty program
// runs after each call with the same frame. Batches alternate: random
// sources, then as many frames from the one source; the first pair of
// batches is a warm-up.
struct Flood {
    uint32_t seed = 0;
    size_t frame_bytes = 0;
    uint64_t random_runs = 0, random_tx = 0, random_drop = 0, single_runs = 0;
    // batch means, ns (full, empty, paired full - empty): all random frames;
    // the refused ones (rl_source_flood) alone; the admitted ones alone; the one source
    std::vector<double> rf, re, rp, df, de, dp, tf, te, sf, se, sp;
    uint64_t inserted = 0, refused = 0;          // rl_new_sources, summed over the CPUs
    uint64_t new_per_cpu = 0;                    // the default new-source budget of a CPU (pps = burst)
    uint64_t lru_entries = 0, lru_capacity = 0, single_reset = 0;
    // memory: the kernel's element layout, and what it charges (fdinfo memlock)
    uint64_t elem_hdr = 0, key_size = 0, value_size = 0, bucket_size = 0, htab_size = 0, n_buckets = 0, locks = 0;
    bool layout_from_btf = false;
    int64_t memlock_sources = -1, memlock_limiter = -1;
    double seconds = 0;

    double delta_random() const { return median(rf) - median(re); }
    double delta_refused() const { return median(df) - median(de); }
    double delta_single() const { return median(sf) - median(se); }
    uint64_t elem_size() const { return elem_hdr + (key_size + 7) / 8 * 8 + (value_size + 7) / 8 * 8; }
    uint64_t estimate() const { return lru_capacity * elem_size() + n_buckets * bucket_size + htab_size + locks; }
};

// A bijection on 32-bit integers (xor with the seed, then multiplications by
// odd constants and right xor-shifts, each invertible): distinct indices give
// distinct /64s, the same ones for the same seed.
uint32_t mix32(uint32_t i, uint32_t seed) {
    uint32_t x = i ^ seed;
    x *= 0x9e3779b1u;
    x ^= x >> 16;
    x *= 0x85ebca6bu;
    x ^= x >> 13;
    x *= 0xc2b2ae35u;
    return x ^ (x >> 16);
}

// Put the flood's source number x into an Ethernet + IPv6 frame whose source
// is 2001:db8::ffff:ffff (x = 0): source = 2001:db8:X1:X0::~X1:~X0, i.e.
// the /64 is 2001:db8:X1:X0::/64 and the interface ID ends in the one's
// complement of the same two 16-bit words. Each changed /64 word and its
// partner in the interface ID add up to 0xffff, which is zero in one's-
// complement arithmetic, so the source address sums to the same value
// (mod 0xffff) for every x: the ICMPv6 pseudo-header sum, hence the
// template's checksum, stays valid without touching it. (Checked for
// every frame before timing.)
constexpr size_t kIp6Src = 14 + 8;  // Ethernet header + offset of the IPv6 source

void set_flood_source(Bytes& f, uint32_t x) {
    const uint32_t nx = ~x;
    for (int i = 0; i < 4; ++i) {
        f[kIp6Src + 4 + i] = static_cast<uint8_t>(x >> (24 - 8 * i));    // bytes 4..7: /64 bits 32..63
        f[kIp6Src + 12 + i] = static_cast<uint8_t>(nx >> (24 - 8 * i));  // bytes 12..15: end of the IID
    }
}

// What the kernel charges for a map: the memlock line of its fdinfo (the
// map type's own map_mem_usage() since 6.4). -1 if there is none.
int64_t map_memlock(int fd) {
    std::ifstream f("/proc/self/fdinfo/" + std::to_string(fd));
    for (std::string line; std::getline(f, line);)
        if (line.rfind("memlock:", 0) == 0) return std::stoll(line.substr(8));
    return -1;
}

bpf_map_info map_info(int fd) {
    bpf_map_info info;
    std::memset(&info, 0, sizeof(info));
    __u32 len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0)
        throw Fail(1, std::string("BPF_OBJ_GET_INFO_BY_FD (map): ") + std::strerror(errno));
    return info;
}

// The LRU hash's memory, from the running kernel's own layout
// (kernel/bpf/hashtab.c): an LRU hash is always preallocated, max_entries
// elements of sizeof(struct htab_elem) + round_up(key, 8) + round_up(value,
// 8) (the element header holds the hash-chain node, the bpf_lru_node and the
// hash), plus roundup_pow_of_two(max_entries) buckets (list head + lock) and
// the struct bpf_htab, which embeds the common LRU lists; htab_map_mem_usage()
// adds sizeof(int) x possible CPUs x 8 (HASHTAB_MAP_LOCK_COUNT) bucket-lock
// counters. Struct sizes come from /sys/kernel/btf/vmlinux; without BTF, the
// sizes read on 6.18.
void limiter_memory(Flood& fl, const MapFds& m) {
    const bpf_map_info info = map_info(m.rl_sources);
    fl.lru_capacity = info.max_entries;
    fl.key_size = info.key_size;
    fl.value_size = info.value_size;
    fl.n_buckets = std::bit_ceil(static_cast<uint64_t>(info.max_entries));
    fl.elem_hdr = 48, fl.bucket_size = 16, fl.htab_size = 832;  // 6.18, x86_64
    fl.locks = sizeof(int) * static_cast<uint64_t>(std::max(libbpf_num_possible_cpus(), 1)) * 8;
    if (btf* vmlinux = btf__load_vmlinux_btf()) {
        auto size_of = [&](const char* name) -> int64_t {
            const int id = btf__find_by_name_kind(vmlinux, name, BTF_KIND_STRUCT);
            return id > 0 ? btf__resolve_size(vmlinux, id) : -1;
        };
        const int64_t e = size_of("htab_elem"), b = size_of("bucket"), h = size_of("bpf_htab");
        if (e > 0 && b > 0 && h > 0) {
            fl.elem_hdr = static_cast<uint64_t>(e), fl.bucket_size = static_cast<uint64_t>(b);
            fl.htab_size = static_cast<uint64_t>(h);
            fl.layout_from_btf = true;
        }
        btf__free(vmlinux);
    }
    fl.memlock_sources = map_memlock(m.rl_sources);
    fl.memlock_limiter = 0;
    for (int fd : {m.rl_params, m.rl_type_rates, m.rl_shared, m.rl_sources, m.rl_new_sources}) {
        const int64_t v = map_memlock(fd);
        if (v < 0) {
            fl.memlock_limiter = -1;
            break;
        }
        fl.memlock_limiter += v;
    }
}

uint64_t lru_count(int fd) {
    auto keys = map_keys<ig_rl_key>(fd, "rl_sources");
    if (!keys) throw Fail(1, keys.error().message());
    return keys->size();
}

// Durations of the calls of one verdict in a batch, and of the empty
// program run after each of them.
struct Sums {
    uint64_t full = 0, empty = 0, n = 0;
    double mean_full() const { return static_cast<double>(full) / static_cast<double>(n); }
    double mean_empty() const { return static_cast<double>(empty) / static_cast<double>(n); }
};

// One batch of n calls of `fd` on `frame`, each followed by the empty
// program on the same frame; `before(i)` sets the frame's source. A repeat =
// 1 call reports its own duration, so the refused and the admitted (inserted
// and answered) packets are summed apart.
template <typename Before>
void flood_batch(int fd, int empty_fd, Bytes& frame, size_t n, Before before, Sums& drop, Sums& tx) {
    for (size_t i = 0; i < n; ++i) {
        before(i);
        const TestRun f = test_run(fd, frame, 1);
        const TestRun e = test_run(empty_fd, frame, 1);
        if (e.retval != XDP_PASS) throw Fail(2, "empty program returned " + std::string(xdp_name(e.retval)));
        Sums& s = f.retval == XDP_DROP ? drop : tx;
        if (f.retval != XDP_DROP && f.retval != XDP_TX)
            throw Fail(2, std::string("flood: a frame got ") + xdp_name(f.retval));
        s.full += f.duration, s.empty += e.duration, s.n++;
    }
}

Flood run_flood(int empty_fd, const Options& o) {
    const auto t0 = std::chrono::steady_clock::now();
    Flood fl;
    fl.seed = o.flood_seed;
    std::string why;
    auto h = BpfHarness::create(LoadOptions{}, &why);  // rl_sources at its default capacity
    if (!h) throw Fail(1, "loading icmpguard: " + why);
    if (auto r = h->install_lab(); !r) throw Fail(1, "install_lab: " + r.error().message());
    apply_limits(*h, Limiter::Defaults);
    const MapFds m = h->datapath().maps();
    const int fd = h->datapath().prog_fd();
    {
        const ig_rl_rate& ns = limits_for(Limiter::Defaults).params.new_sources;
        fl.new_per_cpu = ns.interval_ns ? (1000000000ull + ns.interval_ns / 2) / ns.interval_ns : 0;
    }

    // The one source: the template itself (x = 0), its /64's bucket empty.
    const IcmpSpec icmp{.type = IG_ICMP6_ECHO_REQUEST, .payload = pattern(56)};
    Bytes single = icmp6_frame({}, {.src = "2001:db8::ffff:ffff"}, icmp);
    fl.frame_bytes = single.size();
    const ig_rl_key single_key = rl_key("2001:db8::ffff:ffff");
    set_empty_source(m.rl_sources, m.rl_filter, single_key);

    // The random sources: x = mix32(i), skipping 0 (the one source's /64).
    std::vector<uint32_t> xs;
    xs.reserve(o.flood_sources);
    for (uint32_t i = 0; xs.size() < o.flood_sources; ++i)
        if (uint32_t x = mix32(i, o.flood_seed)) xs.push_back(x);
    {
        std::vector<uint32_t> sorted = xs;
        std::sort(sorted.begin(), sorted.end());
        if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
            throw Fail(1, "flood: two sources share a /64");
    }
    Bytes frame = single;
    for (uint32_t x : xs) {
        set_flood_source(frame, x);
        if (!icmp6_checksum_ok(frame, 14)) throw Fail(1, "flood: a source rewrite broke the ICMPv6 checksum");
    }

    const StatsSnapshot base = h->stats();
    // Both paths once with data_out: the one source is dropped untouched; the
    // first new source (the budget is full) is answered, byte for byte.
    {
        Bytes out;
        TestRun r = test_run(fd, single, 1, &out);
        fl.single_runs++;
        if (r.retval != XDP_DROP || out != single)
            throw Fail(2, std::string("flood: the one source was not dropped untouched: ") + xdp_name(r.retval));
        set_flood_source(frame, xs[0]);
        r = test_run(fd, frame, 1, &out);
        fl.random_runs++;
        char text[INET6_ADDRSTRLEN];
        inet_ntop(AF_INET6, frame.data() + kIp6Src, text, sizeof(text));
        if (r.retval != XDP_TX || out != expected_echo6_reply({}, {.src = text}, icmp))
            throw Fail(2, std::string("flood: the first new source ") + text + " was not answered as expected: " +
                              xdp_name(r.retval));
        fl.random_tx++;
    }

    const size_t frames = xs.size() - 1;  // xs[0] went above
    const int batches = o.rounds + 1;
    for (int b = 0; b < batches; ++b) {
        const size_t lo = 1 + frames * static_cast<size_t>(b) / static_cast<size_t>(batches);
        const size_t hi = 1 + frames * static_cast<size_t>(b + 1) / static_cast<size_t>(batches);
        const size_t n = hi - lo;
        Sums rd, rt, sd, st;
        flood_batch(fd, empty_fd, frame, n, [&](size_t i) { set_flood_source(frame, xs[lo + i]); }, rd, rt);
        fl.random_runs += n, fl.random_drop += rd.n, fl.random_tx += rt.n;
        // The one source's entry could only go by eviction (more sources than
        // the LRU holds): count that. Either way, empty its bucket again (a
        // bucket can be held empty for about a second, see empty_tat()).
        ig_rl_source cur{};
        if (bpf_map_lookup_elem(m.rl_sources, &single_key, &cur) != 0) fl.single_reset++;
        set_empty_source(m.rl_sources, m.rl_filter, single_key);
        flood_batch(fd, empty_fd, single, n, [](size_t) {}, sd, st);
        if (st.n) throw Fail(2, "flood: the one source was answered");
        fl.single_runs += n;
        if (b == 0) continue;  // warm-up
        const Sums all{rd.full + rt.full, rd.empty + rt.empty, n};
        fl.rf.push_back(all.mean_full()), fl.re.push_back(all.mean_empty());
        fl.rp.push_back(fl.rf.back() - fl.re.back());
        fl.sf.push_back(sd.mean_full()), fl.se.push_back(sd.mean_empty());
        fl.sp.push_back(fl.sf.back() - fl.se.back());
        if (rd.n) {
            fl.df.push_back(rd.mean_full()), fl.de.push_back(rd.mean_empty());
            fl.dp.push_back(fl.df.back() - fl.de.back());
        }
        if (rt.n) fl.tf.push_back(rt.mean_full()), fl.te.push_back(rt.mean_empty());
    }

    // Proof: every run is in exactly one (type, action) and its reason; an
    // admitted new source is a reply (no reason counter), a refused one
    // rl_source_flood; the one source is rl_source every time.
    const uint64_t len = fl.frame_bytes;
    Deltas want;
    const auto put = [&](CounterKey k, uint64_t n) {
        if (n) want[k] = Delta{n, n * len};
    };
    put(type_counter(IG_FAMILY_IPV6, IG_ICMP6_ECHO_REQUEST, IG_ACTION_RATE_LIMITED), fl.single_runs + fl.random_drop);
    put(type_counter(IG_FAMILY_IPV6, IG_ICMP6_ECHO_REQUEST, IG_ACTION_REPLY), fl.random_tx);
    put(reason_counter(IG_FAMILY_IPV6, IG_REASON_RL_SOURCE), fl.single_runs);
    put(reason_counter(IG_FAMILY_IPV6, IG_REASON_RL_SOURCE_FLOOD), fl.random_drop);
    const Deltas got = diff(base, h->stats());
    if (got != want) {
        std::ostringstream msg;
        msg << "flood: the counters disagree with the verdicts\n  expected:";
        for (const auto& [k, d] : want) msg << " " << describe(k) << "=" << d.packets << "p/" << d.bytes << "B";
        msg << "\n  moved:   ";
        for (const auto& [k, d] : got) msg << " " << describe(k) << "=" << d.packets << "p/" << d.bytes << "B";
        throw Fail(2, msg.str());
    }
    // ... and the new-source budget agrees: one insert per answer, one refusal per drop
    const int ncpu = libbpf_num_possible_cpus();
    std::vector<ig_rl_cpu> per_cpu(static_cast<size_t>(std::max(ncpu, 1)));
    const uint32_t zero = 0;
    if (bpf_map_lookup_elem(m.rl_new_sources, &zero, per_cpu.data()) != 0)
        throw Fail(1, std::string("reading rl_new_sources: ") + std::strerror(errno));
    for (const auto& c : per_cpu) fl.inserted += c.inserted, fl.refused += c.refused;
    if (fl.inserted != fl.random_tx || fl.refused != fl.random_drop)
        throw Fail(2, "flood: rl_new_sources says " + std::to_string(fl.inserted) + " inserted / " +
                          std::to_string(fl.refused) + " refused, the verdicts " + std::to_string(fl.random_tx) +
                          " answered / " + std::to_string(fl.random_drop) + " dropped");

    fl.lru_entries = lru_count(m.rl_sources);
    limiter_memory(fl, m);
    fl.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return fl;
}

std::string with_commas(uint64_t v) {
    const std::string digits = std::to_string(v);
    std::string out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return out;
}

std::string mib(int64_t bytes) {
    return bytes < 0 ? "n/a" : fmt(static_cast<double>(bytes) / (1024.0 * 1024.0), 2) + " MiB";
}

void write_flood_json(std::ostream& f, const Flood& fl) {
    auto list = [](const std::vector<double>& v) {
        return "{\"median\": " + json_num(median(v)) + ", \"p25\": " + json_num(quantile(v, 0.25)) +
               ", \"p75\": " + json_num(quantile(v, 0.75)) + "}";
    };
    const double ratio = fl.delta_single() / fl.delta_random();
    f << ",\n  \"flood\": {\"id\": " << json_str(kFloodId) << ", \"seed\": " << fl.seed
      << ", \"frame_bytes\": " << fl.frame_bytes << ", \"batches\": " << fl.rf.size()
      << ",\n    \"single\": {\"runs\": " << fl.single_runs << ", \"rl_source\": " << fl.single_runs
      << ", \"full_ns\": " << json_num(median(fl.sf)) << ", \"empty_ns\": " << json_num(median(fl.se))
      << ", \"delta_ns\": " << json_num(fl.delta_single()) << ", \"paired_delta_ns\": " << list(fl.sp) << "}"
      << ",\n    \"random\": {\"runs\": " << fl.random_runs << ", \"rl_source_flood\": " << fl.random_drop
      << ", \"answered\": " << fl.random_tx << ", \"full_ns\": " << json_num(median(fl.rf))
      << ", \"empty_ns\": " << json_num(median(fl.re)) << ", \"delta_ns\": " << json_num(fl.delta_random())
      << ", \"paired_delta_ns\": " << list(fl.rp) << ", \"refused_full_ns\": " << json_num(median(fl.df))
      << ", \"refused_empty_ns\": " << json_num(median(fl.de)) << ", \"refused_delta_ns\": " << json_num(fl.delta_refused())
      << ", \"admitted_full_ns\": " << json_num(median(fl.tf)) << ", \"admitted_empty_ns\": " << json_num(median(fl.te)) << "}"
      << ",\n    \"ratio_single_over_random\": " << json_num(ratio)
      << ", \"ratio_single_over_random_refused\": " << json_num(fl.delta_single() / fl.delta_refused())
      << ", \"ratio_full_incl_harness\": " << json_num(median(fl.sf) / median(fl.rf))
      << ", \"target_ratio\": " << json_num(kFloodTargetRatio)
      << ", \"target_met\": " << (ratio >= kFloodTargetRatio ? "true" : "false")
      << ",\n    \"lru\": {\"entries_at_end\": " << fl.lru_entries << ", \"capacity\": " << fl.lru_capacity
      << ", \"inserted\": " << fl.inserted << ", \"refused\": " << fl.refused
      << ", \"new_sources_per_cpu_pps\": " << fl.new_per_cpu << ", \"single_reinserted\": " << fl.single_reset << "}"
      << ",\n    \"memory\": {\"elem_bytes\": " << fl.elem_size() << ", \"htab_elem_bytes\": " << fl.elem_hdr
      << ", \"buckets\": " << fl.n_buckets << ", \"bucket_bytes\": " << fl.bucket_size
      << ", \"bpf_htab_bytes\": " << fl.htab_size << ", \"lock_counter_bytes\": " << fl.locks << ", \"layout_from_btf\": " << (fl.layout_from_btf ? "true" : "false")
      << ", \"estimate_bytes\": " << fl.estimate() << ", \"memlock_rl_sources\": " << fl.memlock_sources
      << ", \"memlock_all_rl_maps\": " << fl.memlock_limiter << "}, \"seconds\": " << json_num(fl.seconds) << "}";
}

void print_flood(const Flood& fl) {
    const size_t batches = fl.rf.size();
    std::printf("\nRandom-source flood (%s): default limits, IPv6 echo-request (%zu B), %s frames each from a new "
                "/64 of 2001:db8::/32 (seed 0x%08x), against as many from one /64 whose echo bucket is empty; "
                "repeat=1 calls, each followed by the empty program; %zu batches of each, alternating "
                "(one more dropped as warm-up); medians of batch means; %.1f s.\n\n",
                kFloodId, fl.frame_bytes, with_commas(fl.random_runs).c_str(), fl.seed, batches, fl.seconds);
    std::printf("| Flood | Runs | Verdicts (counters proven) | Full ns/pkt | Empty ns/pkt | Δ = full − empty | "
                "Δ p25–p75 (paired) |\n|---|---:|---|---:|---:|---:|---:|\n");
    const auto row = [](const char* what, uint64_t runs, const std::string& verdicts, const std::vector<double>& f,
                        const std::vector<double>& e, const std::vector<double>& paired) {
        std::printf("| %s | %s | %s | %s | %s | **%s** | %s – %s |\n", what, with_commas(runs).c_str(),
                    verdicts.c_str(), fmt(median(f)).c_str(), fmt(median(e)).c_str(),
                    fmt(median(f) - median(e)).c_str(), fmt(quantile(paired, 0.25)).c_str(),
                    fmt(quantile(paired, 0.75)).c_str());
    };
    row("one source, bucket empty", fl.single_runs, "DROP rl_source", fl.sf, fl.se, fl.sp);
    row("new /64 every packet, all frames", fl.random_runs,
        "DROP rl_source_flood " + with_commas(fl.random_drop) + ", TX " + with_commas(fl.random_tx), fl.rf, fl.re,
        fl.rp);
    row("… of which refused by the new-source budget", fl.random_drop, "DROP rl_source_flood", fl.df, fl.de, fl.dp);
    row("… of which admitted (LRU insert, answered)", fl.random_tx, "TX, inserted", fl.tf, fl.te, {});
    const double ratio = fl.delta_single() / fl.delta_random();
    const double ratio_refused = fl.delta_single() / fl.delta_refused();
    const auto met = [](double r) { return std::isnan(r) ? "n/a" : r >= kFloodTargetRatio ? "yes" : "no"; };
    std::printf("\n| Ratio one-source Δ / random Δ (= random drop rate / one-source drop rate) | Value | Target | "
                "Met? |\n|---|---:|---:|---|\n");
    std::printf("| all random frames, as offered here (%.1f %% admitted) | **%s** | ≥ %.1f | %s |\n",
                100.0 * static_cast<double>(fl.random_tx) / static_cast<double>(fl.random_runs),
                fmt(ratio, 2).c_str(), kFloodTargetRatio, met(ratio));
    std::printf("| refused random frames only (a flood far above the new-source budget) | **%s** | ≥ %.1f | %s |\n",
                fmt(ratio_refused, 2).c_str(), kFloodTargetRatio, met(ratio_refused));
    std::printf("| all random frames, full / full (harness included) | %s | (context) | |\n",
                fmt(median(fl.sf) / median(fl.rf), 2).c_str());
    std::printf("\nLRU rl_sources at the end: %s entries of %s (the one source + %s new sources inserted; "
                "%s refused by the new-source budget of %s a second per CPU, burst %s; the one source was "
                "re-inserted %s times).\n",
                with_commas(fl.lru_entries).c_str(), with_commas(fl.lru_capacity).c_str(),
                with_commas(fl.inserted).c_str(), with_commas(fl.refused).c_str(),
                with_commas(fl.new_per_cpu).c_str(), with_commas(fl.new_per_cpu).c_str(),
                with_commas(fl.single_reset).c_str());
    std::printf("Limiter memory: rl_sources %s × %s B (struct htab_elem %s + key %s + value %s, %s) + %s buckets × "
                "%s B + struct bpf_htab %s B + %s B of lock counters = %s B (%s) estimated; the kernel's figure "
                "(fdinfo memlock) %s B (%s); all five rl_* maps %s. Preallocated: the same however many sources "
                "are known.\n",
                with_commas(fl.lru_capacity).c_str(), with_commas(fl.elem_size()).c_str(),
                with_commas(fl.elem_hdr).c_str(), with_commas((fl.key_size + 7) / 8 * 8).c_str(),
                with_commas((fl.value_size + 7) / 8 * 8).c_str(),
                fl.layout_from_btf ? "sizes from vmlinux BTF" : "sizes of 6.18, no BTF here",
                with_commas(fl.n_buckets).c_str(), with_commas(fl.bucket_size).c_str(),
                with_commas(fl.htab_size).c_str(), with_commas(fl.locks).c_str(), with_commas(fl.estimate()).c_str(),
                mib(static_cast<int64_t>(fl.estimate())).c_str(),
                fl.memlock_sources < 0 ? "n/a" : with_commas(static_cast<uint64_t>(fl.memlock_sources)).c_str(),
                mib(fl.memlock_sources).c_str(), mib(fl.memlock_limiter).c_str());
}

int pin(int want) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(want, &set);
    if (sched_setaffinity(0, sizeof(set), &set) == 0) return want;
    if (want != 0) {
        std::fprintf(stderr, "icmpguard_micro: cannot pin to CPU %d (%s), using CPU 0\n", want,
                     std::strerror(errno));
        return pin(0);
    }
    throw Fail(1, std::string("sched_setaffinity: ") + std::strerror(errno));
}

double since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Progress on stderr, so stdout stays the report.
#define PROGRESS(...) (std::fprintf(stderr, "[%6.1fs] ", since(t0)), std::fprintf(stderr, __VA_ARGS__))

int run(const Options& o) {
    const auto t0 = std::chrono::steady_clock::now();
    const int cpu = pin(o.cpu);
    if (int s = read_sysctl_int(kStatsSysctl); s > 0)
        std::fprintf(stderr, "icmpguard_micro: warning: kernel.bpf_stats_enabled=%d already; "
                             "every figure includes the stats overhead\n", s);

    // the floor
    std::unique_ptr<bench_empty_bpf, void (*)(bench_empty_bpf*)> empty(bench_empty_bpf__open_and_load(),
                                                                       bench_empty_bpf__destroy);
    if (!empty)
        throw Fail(1, std::string("loading the empty XDP program: ") + std::strerror(errno) +
                          " (run as root: needs CAP_BPF and CAP_NET_ADMIN)");
    const int empty_fd = bpf_program__fd(empty->progs.bench_empty);

    std::vector<Path> paths = make_paths();

    // technique probes: production fragments, one object holding them all
    std::unique_ptr<bench_probes_bpf, void (*)(bench_probes_bpf*)> probes(nullptr, bench_probes_bpf__destroy);
    if (o.probes) {
        probes.reset(bench_probes_bpf__open_and_load());
        if (!probes) throw Fail(1, std::string("loading the probe programs: ") + std::strerror(errno));
        AddressWriter aw(bpf_map__fd(probes->maps.local_addrs), bpf_map__fd(probes->maps.iface),
                         bpf_map__fd(probes->maps.addr_slots));
        const std::pair<const char*, uint8_t> lab[] = {
            {"198.51.100.2", IG_ADDR_KIND_UNICAST},     {"203.0.113.2", IG_ADDR_KIND_UNICAST},
            {"2001:db8::2", IG_ADDR_KIND_UNICAST},      {"fe80::2", IG_ADDR_KIND_UNICAST},
            {"198.51.100.255", IG_ADDR_KIND_BROADCAST}, {"2001:db8::", IG_ADDR_KIND_ANYCAST},
        };
        for (const auto& [text, kind] : lab) {
            auto ip = IpAddress::parse(text);
            if (!ip) throw Fail(1, ip.error().message());
            if (auto r = aw.add(*ip, kind); !r) throw Fail(1, r.error().message());
        }
        const IcmpSpec echo{.type = IG_ICMP4_ECHO_REQUEST, .payload = pattern(56)};
        const Bytes frame = icmp4_frame({}, {}, echo);
        const std::pair<const char*, bpf_program*> list[] = {
            {"probe: 1 local_addrs lookup, hit", probes->progs.probe_addr_hit},
            {"probe: 2 local_addrs lookups, dst hit + src miss (as ig_echo_check4)",
             probes->progs.probe_addr_hit_miss},
            {"probe: checksum walk over the 64 B ICMP message (ig_csum_to_end: 1 bpf_csum_diff)",
             probes->progs.probe_icmp_csum},
            {"probe: ICMP checksum check as the echo path does it (ig_icmp_csum_ok)",
             probes->progs.probe_icmp_csum_ok},
            {"probe: IPv4 header checksum loop, IHL 5 (ig_ip4_hdr_csum_ok)", probes->progs.probe_ip4_hdr_csum},
            {"probe: 2 per-CPU counter updates (type + reason)", probes->progs.probe_counters},
        };
        for (const auto& [label, prog] : list) {
            Path p;
            p.id = bpf_program__name(prog);
            p.group = "probe";
            p.label = label;
            p.frame = frame;
            p.action = XDP_PASS;
            if (prog == probes->progs.probe_counters)
                p.expected = {type_counter(IG_FAMILY_IPV4, 8, IG_ACTION_DROP),
                              reason_counter(IG_FAMILY_IPV4, IG_REASON_ICMP_BAD_CSUM)};
            p.fd = bpf_program__fd(prog);
            p.probe_obj = "probes";
            paths.push_back(std::move(p));
        }
    }
    // limiter probes: the default limits on side 0, the echo frame's source empty
    std::unique_ptr<bench_rl_probes_bpf, void (*)(bench_rl_probes_bpf*)> rl_probes(nullptr,
                                                                                  bench_rl_probes_bpf__destroy);
    if (o.probes) {
        rl_probes.reset(bench_rl_probes_bpf__open_and_load());
        if (!rl_probes) throw Fail(1, std::string("loading the limiter probes: ") + std::strerror(errno));
        ig_rl_params params[2] = {limits_for(Limiter::Defaults).params, limits_for(Limiter::Defaults).params};
        const RateLimits admit = limits_for(Limiter::Admit);  // its echo rates, for class "other" on side 1
        params[1].per_source[IG_RL_OTHER] = admit.params.per_source[IG_RL_ECHO];
        params[1].total[IG_RL_OTHER] = admit.params.total[IG_RL_ECHO];
        for (uint32_t side = 0; side < 2; ++side)
            if (bpf_map_update_elem(bpf_map__fd(rl_probes->maps.rl_params), &side, &params[side], BPF_ANY))
                throw Fail(1, "writing the probes' rl_params");
        const int probe_sources = bpf_map__fd(rl_probes->maps.rl_sources);
        const int probe_filter = bpf_map__fd(rl_probes->maps.rl_filter);
        const ig_rl_key key = rl_key("198.51.100.1");
        // echo refused, "other" admitted; refreshed before every probe sample
        auto refresh_probe_source = [probe_sources, probe_filter, key] {
            ig_rl_source src{};
            src.tat[IG_RL_ECHO] = empty_tat();
            if (bpf_map_update_elem(probe_sources, &key, &src, BPF_ANY))
                throw Fail(1, "writing the probes' rl_sources");
            mark_filter(probe_filter, key);
        };
        refresh_probe_source();
        const IcmpSpec echo{.type = IG_ICMP4_ECHO_REQUEST, .payload = pattern(56)};
        const std::pair<const char*, bpf_program*> list[] = {
            {"probe: the limiter's clock (bpf_ktime_get_coarse_ns)", rl_probes->progs.probe_rl_clock},
            {"probe: rl_params + /32 key + rl_sources lookup, hit", rl_probes->progs.probe_rl_lookup_hit},
            {"probe: rl_params + /32 key + rl_sources lookup, miss", rl_probes->progs.probe_rl_lookup_miss},
            {"probe: the whole limiter on a refused source (ig_rate_limit)", rl_probes->progs.probe_rl_refused},
            {"probe: the whole limiter on an admitted source (bucket + random credit CAS on the total)",
             rl_probes->progs.probe_rl_admitted},
        };
        for (const auto& [label, prog] : list) {
            Path p;
            p.id = bpf_program__name(prog);
            p.group = "probe";
            p.label = label;
            p.frame = icmp4_frame({}, {}, echo);
            p.action = XDP_PASS;
            p.fd = bpf_program__fd(prog);
            p.probe_obj = "rl_probes";
            p.refresh = refresh_probe_source;
            paths.push_back(std::move(p));
        }
    }

    const bool flood = o.flood && (o.only.empty() || o.only.count(kFloodId));
    if (!o.only.empty()) {
        std::erase_if(paths, [&](const Path& p) { return !o.only.count(p.id); });
        if (paths.size() + o.only.count(kFloodId) != o.only.size())
            throw Fail(1, "--only: unknown path id (see --list)");
    }

    // From here on `paths` never changes size: Programs point into it.
    // icmpguard with the lab maps, in as few copies as keep every counter
    // owned by a single path; the probes share their own object.
    std::vector<std::unique_ptr<Program>> progs;
    std::map<std::string, Program*> probe_homes;  // one per probe object
    for (auto& p : paths) {
        Program* home = nullptr;
        if (p.group == "probe") {
            Program*& ph = probe_homes[p.probe_obj];
            if (!ph) {
                auto g = std::make_unique<Program>();
                const bool rl = p.probe_obj == "rl_probes";
                g->snapshot = [c = bpf_map__fd(rl ? rl_probes->maps.counters : probes->maps.counters),
                               r = bpf_map__fd(rl ? rl_probes->maps.reasons : probes->maps.reasons)] {
                    auto s = StatsReader(c, r).snapshot();
                    if (!s) throw Fail(1, s.error().message());
                    return *s;
                };
                g->base = g->snapshot();
                ph = g.get();
                progs.push_back(std::move(g));
            }
            home = ph;
        } else {
            for (auto& g : progs) {
                if (!g->h || g->capture_sample != p.capture_sample || g->limiter != p.limiter) continue;
                bool clash = false;
                for (const auto& k : p.expected) clash = clash || g->owned.count(k);
                if (!clash) {
                    home = g.get();
                    break;
                }
            }
            if (!home) {
                auto g = std::make_unique<Program>();
                std::string why;
                g->h = BpfHarness::create(LoadOptions{}, &why);
                if (!g->h) throw Fail(1, "loading icmpguard: " + why);
                if (auto r = g->h->install_lab(); !r) throw Fail(1, "install_lab: " + r.error().message());
                g->snapshot = [h = g->h.get()] { return h->stats(); };
                g->base = g->snapshot();
                g->capture_sample = p.capture_sample;
                g->limiter = p.limiter;
                if (p.limiter != Limiter::Off) apply_limits(*g->h, p.limiter);
                if (p.capture_sample) {
                    auto m = g->h->datapath().maps();
                    ig_capture_config cc{};
                    cc.classes = IG_CAPTURE_DROP | IG_CAPTURE_RATE_LIMITED | IG_CAPTURE_INVALID;
                    cc.sample_every = p.capture_sample;
                    cc.snaplen = IG_CAPTURE_SNAPLEN_MAX;
                    uint32_t zero = 0;
                    if (bpf_map_update_elem(m.capture_config, &zero, &cc, BPF_ANY))
                        throw Fail(1, "writing capture_config");
                    g->drain = std::make_unique<CaptureDrain>(m.capture_ring, 0);
                }
                home = g.get();
                progs.push_back(std::move(g));
            }
            p.fd = home->h->datapath().prog_fd();
            if (p.empty_source) {
                const MapFds m = home->h->datapath().maps();
                const ig_rl_key key = *p.empty_source;
                p.refresh = [m, key] { set_empty_source(m.rl_sources, m.rl_filter, key); };
                p.refresh();
            }
        }
        home->paths.push_back(&p);
        home->owned.insert(p.expected.begin(), p.expected.end());
        p.prog = home;
    }
    PROGRESS("loaded the empty program, %zu copies of icmpguard (lab maps installed)%s; %zu rows\n",
             progs.size() - probe_homes.size(), probe_homes.empty() ? "" : " and the probes", paths.size());

    // prove every path before timing anything: output, then counters
    for (auto& p : paths) check_output(p);
    for (auto& g : progs) prove(*g, "pre-check");

    PROGRESS("every path proven once (counters, output frame)\n");
    // warm-up sample, dropped
    for (auto& p : paths) sample(p, empty_fd, o, false);
    PROGRESS("warm-up done; %d timed rounds\n", o.rounds);

    // timed rounds: every path once per round, full and empty interleaved
    for (int r = 0; r < o.rounds; ++r) {
        for (auto& p : paths) sample(p, empty_fd, o, true);
        if ((r + 1) % 10 == 0 || r + 1 == o.rounds) PROGRESS("round %d/%d\n", r + 1, o.rounds);
    }
    for (auto& g : progs) prove(*g, "after the timed rounds");

    std::string stats_how = "skipped";
    if (o.attribution) {
        attribution_pass(paths, empty_fd, o, &stats_how);
        PROGRESS("attribution pass done (%s)\n", stats_how.c_str());
        for (auto& g : progs) prove(*g, "after the attribution pass");
    }

    std::printf("icmpguard micro tier: BPF_PROG_TEST_RUN, CPU %d, %d rounds, idempotent paths repeat=%u, "
                "rewriting paths batches of %d repeat=1 calls; medians; %.1f s\n\n",
                cpu, o.rounds, o.repeat, o.batch, since(t0));
    if (!paths.empty()) {
        print_table(paths, o, o.attribution);
        uint64_t total = 0;
        for (const auto& p : paths) total += p.runs;
        std::printf("\nAll %zu paths proven: each program's expected counters grew by exactly its runs "
                    "(%llu runs in all), nothing else moved; echo replies matched byte for byte.\n",
                    paths.size(), static_cast<unsigned long long>(total));
    }

    // the flood last, with its own copy: its LRU fills, the rows' do not
    std::optional<Flood> fl;
    if (flood) {
        PROGRESS("random-source flood: %u sources\n", o.flood_sources);
        fl = run_flood(empty_fd, o);
        PROGRESS("flood done\n");
        print_flood(*fl);
        std::printf("\nFlood proven: every run in exactly its verdict's type and reason counters; "
                    "rl_new_sources agrees (one insert per answer, one refusal per rl_source_flood).\n");
    }
    const double wall = since(t0);
    if (!o.json_path.empty()) {
        write_json(o.json_path, paths, o, cpu, o.attribution, stats_how, wall, fl ? &*fl : nullptr);
        std::printf("JSON: %s\n", o.json_path.c_str());
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    Options o = parse_args(argc, argv);
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    libbpf_set_print([](enum libbpf_print_level level, const char* fmt, va_list ap) {
        return level == LIBBPF_WARN ? std::vfprintf(stderr, fmt, ap) : 0;
    });
    try {
        if (o.list) {
            for (const auto& p : make_paths()) std::printf("%-28s %s\n", p.id.c_str(), p.label.c_str());
            for (const char* id : {"probe_addr_hit", "probe_addr_hit_miss", "probe_icmp_csum", "probe_icmp_csum_ok",
                                   "probe_ip4_hdr_csum", "probe_counters", "probe_rl_clock", "probe_rl_lookup_hit",
                                   "probe_rl_lookup_miss", "probe_rl_refused", "probe_rl_admitted"})
                std::printf("%-28s technique probe (bench/progs/%s.bpf.c)\n", id,
                            std::strncmp(id, "probe_rl_", 9) ? "probes" : "rl_probes");
            std::printf("%-28s random-source flood: a new IPv6 /64 every packet against one refused source\n",
                        kFloodId);
            return 0;
        }
        return run(o);
    } catch (const Fail& f) {
        std::fprintf(stderr, "icmpguard_micro: FAIL: %s\n", f.what());
        return f.code;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "icmpguard_micro: error: %s\n", e.what());
        return 1;
    }
}
