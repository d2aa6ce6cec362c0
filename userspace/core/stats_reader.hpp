// StatsReader: sums the per-CPU counter maps into a StatsSnapshot.
// Reads only; BPF is the one writer of both maps. A snapshot holds the
// non-zero rows, so diffs and renderings stay small.
#pragma once

#include <cstdint>
#include <vector>

#include "core/error.hpp"

namespace icmpguard {

struct CounterRow {
    uint32_t family = 0;
    uint32_t type = 0;
    uint32_t action = 0;
    uint64_t packets = 0;
    uint64_t bytes = 0;
};

struct ReasonRow {
    uint32_t family = 0;
    uint32_t reason = 0;
    uint64_t packets = 0;
    uint64_t bytes = 0;
};

struct StatsSnapshot {
    std::vector<CounterRow> counters;
    std::vector<ReasonRow> reasons;

    uint64_t packets(uint32_t family, uint32_t type, uint32_t action) const;
    uint64_t reason_packets(uint32_t family, uint32_t reason) const;
    uint64_t total_counter_packets() const;
    uint64_t total_reason_packets() const;
};

class StatsReader {
public:
    StatsReader(int counters_fd, int reasons_fd) : counters_fd_(counters_fd), reasons_fd_(reasons_fd) {}
    Expected<StatsSnapshot> snapshot() const;

private:
    int counters_fd_;
    int reasons_fd_;
};

}  // namespace icmpguard
