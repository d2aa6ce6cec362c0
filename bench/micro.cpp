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
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <atomic>
#include <thread>
#include <vector>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "icmpguard/abi.h"
#include "icmpguard/icmp_types.h"
}

#include "bench_empty.skel.h"
#include "bench_probes.skel.h"
#include "common/bpf_harness.hpp"
#include "common/packet_builder.hpp"
#include "core/address_writer.hpp"
#include "core/stats_reader.hpp"

namespace {

using namespace icmpguard;
using namespace icmpguard::test;

constexpr double kTargetNs = 15.0;

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
                 "  --no-probes   skip the technique probes (production fragments alone)\n");
    std::exit(code);
}

Options parse_args(int argc, char** argv) {
    Options o;
    bool rounds_set = false, repeat_set = false, batch_set = false;
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
    }
    if (o.rounds < 1 || o.repeat < 2 || o.batch < 1) usage(1);
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
    if (p.mode == Mode::Repeat) {
        TestRun f = test_run(fd, p.frame, o.repeat);
        p.runs += o.repeat;
        check_action(p, f);
        TestRun e = test_run(empty_fd, p.frame, o.repeat);
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
            const uint32_t rep = p.mode == Mode::Repeat ? std::max(2u, o.repeat / 5) : 1;
            const int calls = p.mode == Mode::Repeat ? 1 : std::max(1, o.batch / 2);
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
    std::printf("| %s | Mode | Full ns/pkt | Empty ns/pkt | Δ = full − empty | Δ p25–p75 (paired) | Target ≤ %.0f ns | Met? |\n",
                probes ? "Probe (one fragment, alone)" : "Path", kTargetNs);
    std::printf("|---|---|---:|---:|---:|---:|---:|---|\n");
    for (const auto& p : paths) {
        if ((p.group == "probe") != probes) continue;
        double f = median(p.full), e = median(p.empty), d = f - e;
        const char* met = p.group == "probe"     ? "(probe)"
                          : p.group == "control" ? "(control)"
                          : d <= kTargetNs       ? "yes"
                                                 : "no";
        std::printf("| %s | %s | %s | %s | **%s** | %s – %s | %.0f | %s |\n", p.label.c_str(),
                    mode_text(p, o).c_str(), fmt(f).c_str(), fmt(e).c_str(), fmt(d).c_str(),
                    fmt(quantile(p.paired, 0.25)).c_str(), fmt(quantile(p.paired, 0.75)).c_str(), kTargetNs,
                    met);
    }
}

void print_table(const std::vector<Path>& paths, const Options& o, bool attribution) {
    print_rows(paths, o, false);
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

void write_json(const std::string& path, const std::vector<Path>& paths, const Options& o, int cpu,
                bool attribution, const std::string& stats_how, double wall_s) {
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
      << ", \"target_ns\": " << json_num(kTargetNs) << "},\n";
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
          << "], \"target_met\": " << (p.group == "control" ? "null" : fm - em <= kTargetNs ? "true" : "false")
          << ",\n     \"attribution_ns\": {\"full\": " << json_num(p.attr_full) << ", \"empty\": "
          << json_num(p.attr_empty) << ", \"delta\": " << json_num(p.attr_full - p.attr_empty) << "}}"
          << (i + 1 < paths.size() ? "," : "") << "\n";
    }
    f << "  ]\n}\n";
    if (!f) throw Fail(1, "writing " + path + " failed");
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
            paths.push_back(std::move(p));
        }
    }

    if (!o.only.empty()) {
        std::erase_if(paths, [&](const Path& p) { return !o.only.count(p.id); });
        if (paths.size() != o.only.size()) throw Fail(1, "--only: unknown path id (see --list)");
    }

    // From here on `paths` never changes size: Programs point into it.
    // icmpguard with the lab maps, in as few copies as keep every counter
    // owned by a single path; the probes share their own object.
    std::vector<std::unique_ptr<Program>> progs;
    Program* probe_prog = nullptr;
    for (auto& p : paths) {
        Program* home = nullptr;
        if (p.group == "probe") {
            if (!probe_prog) {
                auto g = std::make_unique<Program>();
                g->snapshot = [c = bpf_map__fd(probes->maps.counters), r = bpf_map__fd(probes->maps.reasons)] {
                    auto s = StatsReader(c, r).snapshot();
                    if (!s) throw Fail(1, s.error().message());
                    return *s;
                };
                g->base = g->snapshot();
                probe_prog = g.get();
                progs.push_back(std::move(g));
            }
            home = probe_prog;
        } else {
            for (auto& g : progs) {
                if (g.get() == probe_prog || g->capture_sample != p.capture_sample) continue;
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
        }
        home->paths.push_back(&p);
        home->owned.insert(p.expected.begin(), p.expected.end());
        p.prog = home;
    }
    PROGRESS("loaded the empty program, %zu copies of icmpguard (lab maps installed)%s; %zu rows\n",
             progs.size() - (probe_prog ? 1 : 0), probe_prog ? " and the probes" : "", paths.size());

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

    const double wall = since(t0);
    std::printf("icmpguard micro tier: BPF_PROG_TEST_RUN, CPU %d, %d rounds, idempotent paths repeat=%u, "
                "rewriting paths batches of %d repeat=1 calls; medians; %.1f s\n\n",
                cpu, o.rounds, o.repeat, o.batch, wall);
    print_table(paths, o, o.attribution);
    uint64_t total = 0;
    for (const auto& p : paths) total += p.runs;
    std::printf("\nAll %zu paths proven: each program's expected counters grew by exactly its runs "
                "(%llu runs in all), nothing else moved; echo replies matched byte for byte.\n",
                paths.size(), static_cast<unsigned long long>(total));
    if (!o.json_path.empty()) {
        write_json(o.json_path, paths, o, cpu, o.attribution, stats_how, wall);
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
                                   "probe_ip4_hdr_csum", "probe_counters"})
                std::printf("%-28s technique probe (bench/progs/probes.bpf.c)\n", id);
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
