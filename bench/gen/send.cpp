// icmpguard_gen send: live-frames flood out of one interface.
//
// BPF_PROG_TEST_RUN with BPF_F_TEST_XDP_LIVE_FRAMES runs gen.bpf.c once per
// frame on a page initialised from the template; the program rewrites the
// header (pages are recycled with their content) and returns XDP_TX, which
// live mode turns into a transmission out of ctx_in.ingress_ifindex. Calls
// of --repeat frames follow each other until COUNT frames have gone (the
// last call sends the remainder) or --max-seconds has passed.
//
// Live mode does not report redirect failures to the caller: "sent" is what
// was offered, "ran" is the program's own per-CPU count (it must equal
// "sent"), and what arrived must be counted at the receiver.
#include <net/if.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
}

#include "addr.hpp"
#include "bench_gen.skel.h"
#include "cli.hpp"
#include "commands.hpp"
#include "frame.hpp"

namespace gen {

namespace {

constexpr uint64_t kMaxCount = 1000000000;  // a bound even on a mistyped count
constexpr double kDefaultMaxSeconds = 60;

double now_s() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Options {
    std::string iface;
    FrameSpec frame;
    std::optional<Prefix> random;
    uint64_t count = 0, legit_every = 0, seed = 1, batch = 64, repeat = 1 << 20;
    double max_seconds = kDefaultMaxSeconds;
    bool json = false;
};

Options parse(int argc, char** argv, int first) {
    Args a(argc, argv, first,
           {{"-i", true}, {"--src-mac", true}, {"--dst-mac", true}, {"-4", false}, {"-6", false},
            {"--src", true}, {"--dst", true}, {"-c", true}, {"--type", true}, {"--code", true},
            {"--size", true}, {"--random-src", true}, {"--legit-every", true}, {"--seed", true},
            {"--batch", true}, {"--repeat", true}, {"--max-seconds", true}, {"--json", false}});
    Options o;
    if (a.has("-4") == a.has("-6")) die("give exactly one of -4 and -6");
    const int family = a.has("-6") ? 6 : 4;
    o.iface = a.need("-i");
    o.frame.src_mac = parse_mac("--src-mac", a.need("--src-mac"));
    o.frame.dst_mac = parse_mac("--dst-mac", a.need("--dst-mac"));
    o.frame.src = parse_addr("--src", a.need("--src"));
    o.frame.dst = parse_addr("--dst", a.need("--dst"));
    require_lab_address("--src", o.frame.src, family);
    require_lab_address("--dst", o.frame.dst, family);
    o.count = parse_uint("-c", a.need("-c"), 1, kMaxCount);
    o.frame.type = static_cast<uint8_t>(parse_uint("--type", a.get("--type").value_or(family == 6 ? "128" : "8"), 0, 255));
    o.frame.code = static_cast<uint8_t>(parse_uint("--code", a.get("--code").value_or("0"), 0, 255));
    const size_t min_size = family == 6 ? kMinSize6 : kMinSize4;
    o.frame.size = parse_uint("--size", a.get("--size").value_or("64"), min_size, kMaxSize);
    if (auto p = a.get("--random-src")) {
        o.random = parse_prefix("--random-src", *p);
        require_random_prefix("--random-src", *o.random, family);
    }
    if (auto n = a.get("--legit-every")) {
        if (!o.random) die("--legit-every needs --random-src (without it every frame uses --src)");
        o.legit_every = parse_uint("--legit-every", *n, 1, UINT32_MAX);
    }
    o.seed = parse_uint("--seed", a.get("--seed").value_or("1"), 0, UINT64_MAX);
    o.batch = parse_uint("--batch", a.get("--batch").value_or("64"), 1, 256);  // the kernel's maximum
    o.repeat = parse_uint("--repeat", a.get("--repeat").value_or("1048576"), 1, 1u << 30);
    if (auto s = a.get("--max-seconds")) o.max_seconds = parse_seconds("--max-seconds", *s);
    o.json = a.has("--json");
    return o;
}

// Sum of one per-CPU u64 counter over the possible CPUs.
uint64_t percpu_sum(int map_fd, uint32_t slot) {
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0) die("cannot count the possible CPUs");
    std::vector<uint64_t> v(static_cast<size_t>(ncpu));
    if (bpf_map_lookup_elem(map_fd, &slot, v.data())) die(std::string("reading gen_counters: ") + std::strerror(errno));
    uint64_t sum = 0;
    for (uint64_t x : v) sum += x;
    return sum;
}

struct Skel {
    bench_gen_bpf* p = bench_gen_bpf__open_and_load();
    ~Skel() { bench_gen_bpf__destroy(p); }
};

}  // namespace

int cmd_send(int argc, char** argv, int first) {
    Options o = parse(argc, argv, first);
    const int family = o.frame.src.family;
    // if_nametoindex asks the current network namespace: run inside the
    // generator's namespace (nsenter --net or ip netns exec).
    int ifindex = static_cast<int>(if_nametoindex(o.iface.c_str()));
    if (!ifindex) die("no interface " + o.iface + " in this network namespace");

    std::vector<uint8_t> frame = build_frame(o.frame);
    gen_cfg cfg = make_cfg(frame, family, o.random, o.legit_every, o.seed);

    Skel skel;
    if (!skel.p) die(load_error("the generator program", errno));
    uint32_t zero = 0;
    if (bpf_map_update_elem(bpf_map__fd(skel.p->maps.gen_cfg), &zero, &cfg, BPF_ANY))
        die(std::string("writing gen_cfg: ") + std::strerror(errno));
    int prog_fd = bpf_program__fd(skel.p->progs.gen_xdp);

    // data_end must equal the frame length; the frame goes out of
    // ingress_ifindex when the program returns XDP_TX.
    xdp_md ctx{};
    ctx.data_end = static_cast<uint32_t>(frame.size());
    ctx.ingress_ifindex = static_cast<uint32_t>(ifindex);

    uint64_t sent = 0, calls = 0;
    bool timed_out = false;
    const double start = now_s();
    while (sent < o.count) {
        if (now_s() - start >= o.max_seconds) {
            timed_out = true;
            break;
        }
        LIBBPF_OPTS(bpf_test_run_opts, run, .data_in = frame.data(),
                    .data_size_in = static_cast<uint32_t>(frame.size()), .ctx_in = &ctx,
                    .ctx_size_in = sizeof(ctx), .repeat = static_cast<int>(std::min(o.repeat, o.count - sent)),
                    .flags = BPF_F_TEST_XDP_LIVE_FRAMES, .batch_size = static_cast<uint32_t>(o.batch));
        if (bpf_prog_test_run_opts(prog_fd, &run)) {
            int err = errno;
            die("BPF_PROG_TEST_RUN (live frames) on " + o.iface + ": " + std::strerror(err) +
                (err == EINVAL ? " (kernel >= 5.18 with live frames needed)" : ""));
        }
        sent += static_cast<uint64_t>(run.repeat);
        calls++;
    }
    const double seconds = now_s() - start;
    const int ctr_fd = bpf_map__fd(skel.p->maps.gen_counters);
    const uint64_t ran = percpu_sum(ctr_fd, GEN_CTR_FRAMES);
    const uint64_t legit = percpu_sum(ctr_fd, GEN_CTR_LEGIT);
    const uint64_t short_frames = percpu_sum(ctr_fd, GEN_CTR_SHORT);
    const double pps = seconds > 0 ? static_cast<double>(sent) / seconds : 0;

    if (o.json) {
        std::printf("{\"sent\":%llu,\"seconds\":%.6f,\"pps\":%.0f,\"ran\":%llu,\"legit\":%llu,\"aborted\":%llu,"
                    "\"requested\":%llu,\"complete\":%s,\"calls\":%llu,\"family\":%d,\"size\":%zu,\"type\":%u,"
                    "\"code\":%u,\"batch\":%llu,\"repeat\":%llu,\"iface\":\"%s\",\"ifindex\":%d,"
                    "\"random_src\":%s}\n",
                    (unsigned long long)sent, seconds, pps, (unsigned long long)ran, (unsigned long long)legit,
                    (unsigned long long)short_frames, (unsigned long long)o.count, timed_out ? "false" : "true",
                    (unsigned long long)calls, family, frame.size(), o.frame.type, o.frame.code,
                    (unsigned long long)o.batch, (unsigned long long)o.repeat, o.iface.c_str(), ifindex,
                    o.random ? ("\"" + to_string(*o.random) + "\"").c_str() : "null");
    } else {
        std::printf("sent %llu in %.6f seconds (%.0f pps offered)\n", (unsigned long long)sent, seconds, pps);
        std::printf("program ran %llu frames (%llu with the fixed source, %llu too short)\n",
                    (unsigned long long)ran, (unsigned long long)legit, (unsigned long long)short_frames);
    }
    if (timed_out)
        std::fprintf(stderr, "icmpguard_gen: stopped by --max-seconds %.3g after %llu of %llu frames\n",
                     o.max_seconds, (unsigned long long)sent, (unsigned long long)o.count);
    if (ran != sent || short_frames) {
        std::fprintf(stderr, "icmpguard_gen: the program ran %llu times (%llu aborted) for %llu frames offered\n",
                     (unsigned long long)ran, (unsigned long long)short_frames, (unsigned long long)sent);
        return 1;
    }
    return 0;
}

}  // namespace gen
