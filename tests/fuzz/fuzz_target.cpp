// libFuzzer entry points of the differential fuzzer (clang only; built by
// -DICMPGUARD_FUZZ=ON in a clang build tree, run by scripts/fuzz).
//
// Every input goes through fuzz::Differential: on any disagreement between
// the model and the program, or a broken invariant, the report is printed
// and the process aborts, so libFuzzer saves the input as a crash file.
//
// Triage mode, ICMPGUARD_FUZZ_KEEP_GOING=1: a disagreement does not abort.
// The first input of each class (Outcome::signature) is reported and saved
// as $ICMPGUARD_FUZZ_ARTIFACTS/disagreement-<pid>-<n> (default: the current
// directory); at exit a table of classes and counts is printed, and the
// exit status is 1 if there was any. One run then shows every distinct
// disagreement instead of the first.
//
// ICMPGUARD_FUZZ_ONLY=TEXT: only a disagreement whose class contains TEXT
// counts, others are ignored; for -minimize_crash=1, so the minimized input
// still shows the same disagreement.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>

#include "differential.hpp"
#include "mutator.hpp"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

namespace {

icmpguard::fuzz::Differential* harness = nullptr;
bool keep_going = false;
const char* only = nullptr;
std::map<std::string, size_t> classes;  // signature -> inputs (triage mode)

void record(const icmpguard::fuzz::Outcome& o, const uint8_t* data, size_t size) {
    size_t& n = classes[o.signature];
    if (n++ > 0) return;
    const char* dir = std::getenv("ICMPGUARD_FUZZ_ARTIFACTS");
    // the pid keeps parallel jobs (-jobs=N) from overwriting each other's files
    std::string path = std::string(dir && *dir ? dir : ".") + "/disagreement-" + std::to_string(getpid()) + "-" +
                       std::to_string(classes.size());
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    std::fprintf(stderr, "%s  class: %s\n  saved as %s\n", o.failure.c_str(), o.signature.c_str(), path.c_str());
}

[[noreturn]] void fail(const std::string& report) {
    std::fputs(report.c_str(), stderr);
    std::fflush(stderr);
    std::abort();
}

// Inputs of the last, unfinished window are compared in full at exit
// (libFuzzer calls exit() when -max_total_time / -runs is reached).
void final_check() {
    if (!harness) return;
    std::string r = harness->check_all_counters();
    if (!r.empty()) std::fputs(r.c_str(), stderr);
    if (!classes.empty()) {
        std::fprintf(stderr, "icmpguard fuzz: %zu class(es) of disagreement:\n", classes.size());
        for (const auto& [sig, n] : classes) std::fprintf(stderr, "  %8zu  %s\n", n, sig.c_str());
    }
    if (!r.empty() || !classes.empty()) {
        std::fflush(stderr);
        std::_Exit(1);
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    std::string why;
    auto d = icmpguard::fuzz::Differential::create(&why);
    if (!d) {
        std::fprintf(stderr, "icmpguard fuzz: cannot load the XDP program: %s (run as root)\n", why.c_str());
        std::exit(1);
    }
    harness = d.release();
    keep_going = std::getenv("ICMPGUARD_FUZZ_KEEP_GOING") != nullptr;
    only = std::getenv("ICMPGUARD_FUZZ_ONLY");
    std::fprintf(stderr, "icmpguard fuzz: %u profiles loaded, frames up to %zu bytes (use -max_len=%zu)\n",
                 icmpguard::fuzz::kProfileCount, harness->max_frame(), harness->max_frame() + 1);
    std::atexit(final_check);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    icmpguard::fuzz::Outcome o = harness->run(data, size);
    if (o.failure.empty()) return 0;
    if (only && o.signature.find(only) == std::string::npos) return 0;
    if (!keep_going) fail(o.failure);
    record(o, data, size);
    return 0;
}

extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
    return icmpguard::fuzz::custom_mutate(data, size, max_size, seed, LLVMFuzzerMutate);
}
