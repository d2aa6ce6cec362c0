// icmpguard_fuzz_replay: runs corpus files through the differential harness
// without libFuzzer (built with g++ in the normal build; ctest runs it over
// tests/fuzz/corpus and tests/fuzz/regressions, label bpf).
//
// usage: icmpguard_fuzz_replay [--keep-going] [--require-coverage] [--quiet] PATH...
//   PATH              a corpus directory (every regular file in it) or one file
//   --keep-going      report every disagreement instead of stopping at the first
//   --require-coverage  fail unless every reason and action the model can
//                     produce (all but the rate limiter's and trim_failed) is covered
// Exit: 0 all agree, 1 a disagreement (or missing coverage), 77 cannot load
// the program here (skipped; a failure with ICMPGUARD_NO_SKIP=1), 2 usage.
#include <linux/bpf.h>

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
// the model runs with the rate limiter off; trim_failed needs
// bpf_xdp_adjust_tail() to fail, which it does not for a trim inside a
// single-buffer frame; echo_too_long needs an ICMP message over 4351 bytes,
// a frame larger than BPF_PROG_TEST_RUN takes for a program without frags.
std::string unreachable_reason(uint32_t r, size_t max_frame) {
    if ((IG_REASON_RL_MASK >> r) & 1) return "rate limiter off";
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

    std::string why;
    auto d = fuzz::Differential::create(&why);
    if (!d) {
        std::cerr << "cannot load the XDP program: " << why << "\n";
        if (std::getenv("ICMPGUARD_NO_SKIP")) return 1;
        std::cerr << "SKIP (needs root: CAP_BPF + CAP_NET_ADMIN)\n";
        return 77;
    }

    size_t ran = 0, skipped = 0, failed = 0;
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
    std::cout << "\nXDP verdicts: ";
    for (uint32_t a : {XDP_PASS, XDP_DROP, XDP_TX}) std::cout << xdp_name(a) << "=" << xdp[a] << " ";
    size_t missing = 0;
    std::cout << "\ntype-counter actions:\n";
    for (uint32_t a = 0; a < IG_ACTION_COUNT; ++a) {
        bool unreachable = a == IG_ACTION_RATE_LIMITED;
        std::cout << "  " << action_label(a) << " " << actions[a]
                  << (actions[a] ? "" : unreachable ? "  (not reachable: rate limiter off)" : "  NOT COVERED") << "\n";
        if (!actions[a] && !unreachable) ++missing;
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
