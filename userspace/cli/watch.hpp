// The live views, `icmpguard stats --watch` and `icmpguard top`: per-second
// rates from successive snapshots. compute_rates() and compute_top_rows()
// are pure (unit-tested); commands.cpp and top_command.cpp own the loops,
// output.cpp the rendering.
#pragma once

#include <signal.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "cli/output.hpp"
#include "core/rate_limit_reader.hpp"

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

// One interface's limiter as one reading saw it (`snapshot.list`: every
// source, or at least every one with limited > 0).
struct TopInterface {
    std::string interface;
    RateLimitSnapshot snapshot;
};

struct TopRow {
    std::string interface;
    std::string source;  // the prefix
    uint8_t family = 0;
    uint64_t limited = 0;                     // total
    std::optional<double> limited_per_s;      // since the previous reading; empty on the first
    std::optional<double> last_limited_ago_s; // empty: never limited
};

// The `n` sources with the most limited packets over all interfaces, highest
// first (equal counts by source, then interface). With a `previous` reading
// taken `seconds` earlier, each row's rate: a source absent from it (new,
// or evicted and added again) or whose count went down counts from zero.
std::vector<TopRow> compute_top_rows(const std::vector<TopInterface>& current,
                                     const std::vector<TopInterface>* previous, double seconds, size_t n);

// The clock of a live view (`top`): a tick every `interval_s` seconds on a
// fixed schedule from construction, so frames do not drift; when a frame
// took longer than the interval the missed ticks are skipped, not burst.
// SIGINT and SIGTERM are blocked while it lives and taken synchronously
// (sigtimedwait is also the sleep), so Ctrl-C ends the view between frames.
class Ticker {
public:
    explicit Ticker(double interval_s);
    ~Ticker();  // restores the signal mask
    Ticker(const Ticker&) = delete;
    Ticker& operator=(const Ticker&) = delete;

    // Sleeps until the next tick: true then, false if SIGINT or SIGTERM came first.
    bool wait();

private:
    using Clock = std::chrono::steady_clock;
    sigset_t mask_{};
    sigset_t old_mask_{};
    Clock::duration step_;
    Clock::time_point deadline_;
};

}  // namespace icmpguard
