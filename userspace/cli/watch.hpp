// `icmpguard stats --watch`: per-second rates from successive snapshots.
// compute_rates() is pure (unit-tested); commands.cpp owns the loop and
// output.cpp the rendering.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/output.hpp"

namespace icmpguard {

struct RateRow {
    std::string interface;
    uint32_t family = 0;
    uint32_t type = 0;
    uint32_t action = 0;
    uint64_t packets = 0;  // totals at the current reading
    uint64_t bytes = 0;
    double packets_per_s = 0;
    double bytes_per_s = 0;
};

// Rates between two readings taken `seconds` apart (> 0), one row per
// non-zero counter of `current`. A counter absent from `previous` counts
// from zero (new interface or first packet); one that went down (pins
// removed, counting restarted) too, as Prometheus treats a reset. Rows are
// sorted by packets/s, highest first, then by interface, family, type,
// action, so equal rates do not reorder between frames.
std::vector<RateRow> compute_rates(const std::vector<InterfaceStats>& previous,
                                   const std::vector<InterfaceStats>& current, double seconds);

}  // namespace icmpguard
