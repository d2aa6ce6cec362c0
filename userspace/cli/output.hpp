// Rendering of `stats` and `status` as aligned human tables or as the
// documented JSON schema (docs/cli.md), from the same data. The only place
// nlohmann-json is used.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/datapath.hpp"
#include "core/rate_limit_reader.hpp"
#include "core/stats_reader.hpp"

namespace icmpguard {

struct InterfaceStats {
    std::string interface;
    StatsSnapshot snapshot;
    // The limiter, for the object form of `stats -j` (its `list`: the top
    // sources only). Empty: not read, or not pinned (then no "rate_limit").
    std::optional<RateLimitSnapshot> rate_limit;
};

// How many sources the `rate_limit` object of `stats -j` lists.
inline constexpr size_t kStatsTopSources = 10;

struct InterfaceStatus {
    std::string interface;
    int ifindex = 0;                   // 0: the interface no longer exists
    std::optional<AttachInfo> attach;  // empty: pins without a program (stale)
    uint64_t generation = 0;
    bool shadow = false;
    uint64_t local_addresses = 0;
};

std::string render_stats_table(const std::vector<InterfaceStats>& stats, bool with_reasons);
std::string render_stats_json(const std::vector<InterfaceStats>& stats, bool with_reasons);
std::string render_status_table(const std::vector<InterfaceStatus>& status);
std::string render_status_json(const std::vector<InterfaceStatus>& status);
std::string render_error_json(const std::string& message);

// `stats --watch`: one frame. `seconds` is the measured time between the two
// readings, `time` the UTC time of the later one (RFC 3339).
struct RateRow;
std::string render_rates_table(const std::vector<RateRow>& rows, double seconds, const std::string& time);
std::string render_rates_json(const std::vector<RateRow>& rows, double seconds, const std::string& time);

// `top`: one frame, the header of each interface then the rows. `live`:
// a frame of the refreshing view (says how to stop it).
struct TopInterface;
struct TopRow;
std::string render_top_table(const std::vector<TopInterface>& interfaces, const std::vector<TopRow>& rows,
                             const std::string& time, bool live);
std::string render_top_json(const std::vector<TopInterface>& interfaces, const std::vector<TopRow>& rows,
                            const std::string& time);

}  // namespace icmpguard
