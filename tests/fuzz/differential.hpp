// The differential harness core: one input -> the reference model
// (tests/model) and the real XDP program (BPF_PROG_TEST_RUN, repeat 1) ->
// compare verdict, output bytes and counters; check the invariants
// (invariants.hpp). Shared by the libFuzzer target and the replay driver.
//
// Input: byte 0 selects the profile (profiles.hpp), the rest is the frame.
// With a profile's rate limiter on, a packet the model says meets the limiter
// may also be refused by it (differential.cpp, top comment).
// Frames outside what the program sees whole in a test run (shorter than an
// Ethernet header, or longer than one page of XDP buffer, which the kernel
// splits into fragments) are skipped, not judged.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include "icmpguard/abi.h"
}

#include "core/datapath.hpp"
#include "model/model.hpp"
#include "profiles.hpp"

namespace icmpguard::fuzz {

using Bytes = std::vector<uint8_t>;

struct Outcome {
    bool skipped = false;   // outside what BPF_PROG_TEST_RUN accepts
    std::string failure;    // empty: model, program and invariants agree
    // On failure, a short profile-independent class of the disagreement
    // ("model <verdict, rows> | program <verdict, rows> | what differs"),
    // to group many inputs showing one bug.
    std::string signature;
    unsigned profile = 0;
    // The model's verdict (equal to the program's when failure is empty); when
    // `limited`, the verdict of the limiter's refusal the program made
    // instead, which the model allowed (differential.cpp, top comment).
    model::Verdict verdict;
    bool limited = false;
};

class Differential {
public:
    // Loads one program per profile and writes its maps. nullptr with *why
    // when the kernel refuses (no CAP_BPF / CAP_NET_ADMIN).
    static std::unique_ptr<Differential> create(std::string* why);
    ~Differential();

    Outcome run(const uint8_t* data, size_t size);
    // Full counter comparison of every profile (what run() does every
    // kFullCheckEvery inputs of a profile); call once at the end. Returns the
    // failure report, empty if the counters agree.
    std::string check_all_counters();

    // Largest frame the program sees whole in a test run (single-buffer XDP:
    // a page minus headroom and shared info), probed at start.
    size_t max_frame() const { return max_frame_; }

    // Counters are compared in full every this many inputs of one profile.
    static constexpr size_t kFullCheckEvery = 512;

private:
    struct Loaded;
    Differential() = default;
    std::string full_check(Loaded& l);
    std::string find_culprit(Loaded& l);

    std::vector<std::unique_ptr<Loaded>> loaded_;
    size_t max_frame_ = 0;
    std::string last_signature_;  // of the last full check that failed
    int ncpu_ = 1;
};

// Human-readable description of a verdict, for failure reports and tools.
std::string describe(const model::Verdict& v);
// Hex dump, 16 bytes a line, with offsets.
std::string hexdump(const Bytes& b);

}  // namespace icmpguard::fuzz
