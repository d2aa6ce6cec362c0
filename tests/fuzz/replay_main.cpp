// icmpguard_fuzz_replay: runs corpus files through the differential harness
// without libFuzzer (built with g++ in the normal build; ctest runs it over
// tests/fuzz/corpus and tests/fuzz/regressions, label bpf).
//
// usage: icmpguard_fuzz_replay [--keep-going] [--require-coverage] [--quiet] PATH...
//   PATH              a corpus directory (every regular file in it) or one file
//   --keep-going      report every disagreement instead of stopping at the first
//   --require-coverage  fail unless every reason and action the program can
//                     produce here (all but trim_failed and echo_too_long) is
//                     covered; the rate limiter's reasons and rate_limited
//                     from the limiter profiles' seeds (below)
// Exit: 0 all agree, 1 a disagreement (or missing coverage), 77 cannot load
// the program here (skipped; a failure with ICMPGUARD_NO_SKIP=1), 2 usage.
#include <linux/bpf.h>
#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

extern "C" {
#include "icmpguard/abi.h"
}

#include "core/names.hpp"
#include "differential.hpp"

namespace fs = std::filesystem;
using namespace icmpguard;

namespace {

// Why a reason cannot be reached here (empty: it can). Reported, never faked:
// trim_failed needs
// bpf_xdp_adjust_tail() to fail, which it does not for a trim inside a
// single-buffer frame; echo_too_long needs an ICMP message over 4351 bytes,
// a frame larger than BPF_PROG_TEST_RUN takes for a program without frags.
std::string unreachable_reason(uint32_t r, size_t max_frame) {
    if (r == IG_REASON_TRIM_FAILED) return "needs bpf_xdp_adjust_tail() to fail";
    if (r == IG_REASON_ECHO_TOO_LONG && max_frame < 14 + 20 + 4352)
        return "needs a frame over 4385 bytes; the test run takes at most " + std::to_string(max_frame);
    return {};
}

const char* xdp_name(uint32_t a) {
    return a == XDP_PASS ? "XDP_PASS" : a == XDP_DROP ? "XDP_DROP" : a == XDP_TX ? "XDP_TX" : "other";
}

}  // namespace

int main(int argc, char** argv) {
    bool keep_going = false, require_coverage = false, quiet = false;
    std::vector<fs::path> files;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        if (a == "--keep-going") keep_going = true;
        else if (a == "--require-coverage") require_coverage = true;
        else if (a == "--quiet") quiet = true;
        else if (!a.empty() && a[0] == '-') {
            std::cerr << "usage: " << argv[0] << " [--keep-going] [--require-coverage] [--quiet] PATH...\n";
            return 2;
        } else if (fs::is_directory(a)) {
            for (const auto& e : fs::directory_iterator(a))
                if (e.is_regular_file() && e.path().filename().string()[0] != '.' && e.path().extension() != ".md") files.push_back(e.path());
        } else if (fs::is_regular_file(a)) {
            files.push_back(a);
        } else {
            std::cerr << a << ": no such file or directory\n";
            return 2;
        }
    }
    std::sort(files.begin(), files.end());

    // The rate limiter's reasons are required, so a replay must refuse
    // packets with each of them every time, not just usually. How: one
    // process, whose limiter state starts empty (fresh maps), runs the files
    // in name order; the limiter profiles' seeds (seed_gen.cpp,
    // limiter_seeds()) are ordered so that each rl reason is certain: a
    // source's second packet within a second (every rate is 1 pps) is
    // rl_source (a per-source bucket spends exactly one packet), and a run of
    // 41 packets against a 1-pps, burst-1 bucket that spends random 0-2
    // credits per admission (the new-source budget: rl_source_flood; a type
    // ceiling: rl_type; a class total: rl_total) is refused at least once
    // unless the first 40 draws are all 0 (3^-40, about 1e-19). The
    // new-source budget is per CPU, so the replay pins itself to the CPU it
    // starts on. Only a stall of a second inside one sequence (the rates are
    // 1 pps) could let a bucket refill in between.
    // A union over repeated replays was the alternative; it would need fresh
    // limiter state per repeat and could still miss.
    {
        const int cpu = sched_getcpu();
        cpu_set_t set;
        CPU_ZERO(&set);
        if (cpu >= 0) {
            CPU_SET(cpu, &set);
            sched_setaffinity(0, sizeof(set), &set);  // best effort
        }
    }

    std::string why;
    auto d = fuzz::Differential::create(&why);
    if (!d) {
        std::cerr << "cannot load the XDP program: " << why << "\n";
        if (std::getenv("ICMPGUARD_NO_SKIP")) return 1;
        std::cerr << "SKIP (needs root: CAP_BPF + CAP_NET_ADMIN)\n";
        return 77;
    }

    size_t ran = 0, skipped = 0, failed = 0, met_limiter = 0, limited = 0;
    std::map<std::pair<uint32_t, uint32_t>, size_t> reasons;  // (reason, family)
    std::map<uint32_t, size_t> actions, xdp, profiles;
    for (const auto& path : files) {
        std::ifstream in(path, std::ios::binary);
        std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        fuzz::Outcome o = d->run(data.data(), data.size());
        if (o.skipped) {
            ++skipped;
            continue;
        }
        ++ran;
        if (!o.failure.empty()) {
            ++failed;
            std::cout << path.string() << ":\n" << o.failure << "\n";
            if (!keep_going) break;
            continue;
        }
        if (!quiet) std::cout << "ok   " << path.filename().string() << ": " << fuzz::describe(o.verdict) << "\n";
        ++profiles[o.profile];
        met_limiter += o.verdict.meets_limiter;
        limited += o.limited;
        ++xdp[o.verdict.xdp_action];
        if (o.verdict.has_type) ++actions[o.verdict.type.action];
        if (o.verdict.has_reason) ++reasons[{o.verdict.reason.reason, o.verdict.reason.family}];
    }
    if (failed == 0 || keep_going) {
        std::string c = d->check_all_counters();
        if (!c.empty()) {
            ++failed;
            std::cout << c << "\n";
        }
    }

    std::cout << "\n" << ran << " inputs run, " << skipped << " skipped (frames of 14.." << d->max_frame()
              << " bytes are run), "
              << failed << " disagreement(s)\n";
    std::cout << "\nprofiles:";
    for (unsigned p = 0; p < fuzz::kProfileCount; ++p)
        std::cout << " " << fuzz::profiles()[p].name << "=" << profiles[p];
    std::cout << "\nrate limiter: " << met_limiter << " inputs met it, " << limited << " refused";
    std::cout << "\nXDP verdicts: ";
    for (uint32_t a : {XDP_PASS, XDP_DROP, XDP_TX}) std::cout << xdp_name(a) << "=" << xdp[a] << " ";
    size_t missing = 0;
    std::cout << "\ntype-counter actions:\n";
    for (uint32_t a = 0; a < IG_ACTION_COUNT; ++a) {
        std::cout << "  " << action_label(a) << " " << actions[a] << (actions[a] ? "" : "  NOT COVERED") << "\n";
        if (!actions[a]) ++missing;
    }
    std::cout << "reasons (ipv4 / ipv6 / l2):\n";
    for (uint32_t r = 1; r < IG_REASON_COUNT; ++r) {
        size_t v4 = reasons[{r, IG_FAMILY_IPV4}], v6 = reasons[{r, IG_FAMILY_IPV6}], l2 = reasons[{r, IG_FAMILY_L2}];
        size_t n = v4 + v6 + l2;
        std::cout << "  " << reason_label(r) << " " << n << " (" << v4 << " / " << v6 << " / " << l2 << ")";
        if (!n) {
            std::string why = unreachable_reason(r, d->max_frame());
            if (!why.empty()) std::cout << "  (not reachable: " << why << ")";
            else std::cout << "  NOT COVERED", ++missing;
        }
        std::cout << "\n";
    }
    if (xdp[XDP_PASS] == 0 || xdp[XDP_DROP] == 0 || xdp[XDP_TX] == 0) ++missing;
    if (require_coverage && missing) {
        std::cout << missing << " reason(s)/action(s) not covered by the corpus\n";
        return 1;
    }
    return failed ? 1 : 0;
}
