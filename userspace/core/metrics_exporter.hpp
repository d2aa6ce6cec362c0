// Prometheus export of the counters (docs/metrics.md). The only code that
// knows prometheus-cpp is metrics_exporter.cpp; this header stays free of it.
//
//   MetricsSource    what the daemon publishes for the exporter: each
//                    attached interface with its own duplicates of the map
//                    fds, and the reload counts. Thread-safe: the daemon's
//                    thread writes it, the exporter's HTTP threads read it.
//   read_sample()    reads the maps of a MetricsSource::View (the scrape).
//   render_exposition()  ScrapeSample -> text exposition format: the same
//                    family builder the live endpoint uses, serialised with
//                    prometheus::TextSerializer (what the unit tests compare).
//   MetricsExporter  the HTTP endpoint: prometheus-cpp's Exposer, which runs
//                    its own civetweb threads; its Collectable calls
//                    read_sample() on them at every scrape, so the daemon's
//                    event loop never waits for a scrape.
//
// Series rule: a (interface, family, icmp_type, action) or (interface,
// family, reason) series is exported once it has been non-zero in this
// process (SeriesMemory), and from then on even if its counter reads lower
// (0 after the pins were removed): Prometheus sees a reset, not a vanishing
// series. The rate limiter's series (a fixed few per interface) are exported
// whenever its maps could be read, from 0.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/datapath.hpp"
#include "core/error.hpp"
#include "core/rate_limit_reader.hpp"
#include "core/stats_reader.hpp"
#include "core/unique_fd.hpp"

namespace icmpguard {

class MetricsSource {
public:
    // One attached interface as a scrape sees it. The fds are duplicates
    // owned here, so a scrape that still holds the shared_ptr reads valid
    // maps even if the daemon detaches the interface meanwhile.
    struct Interface {
        std::string name;
        int ifindex = 0;
        AttachInfo info;
        UniqueFd counters;
        UniqueFd reasons;
        UniqueFd policy_state;
        // the rate limiter's maps; invalid when the MapFds had none
        UniqueFd rl_sources;
        UniqueFd rl_params;
        UniqueFd rl_new_sources;
    };
    struct View {
        std::vector<std::shared_ptr<const Interface>> interfaces;
        uint64_t reloads_ok = 0;
        uint64_t reloads_failed = 0;
    };

    // Daemon thread. Adds or replaces the interface of that name.
    Expected<void> add_interface(const std::string& name, const AttachInfo& info, const MapFds& maps);
    void remove_interface(const std::string& name);
    void set_reloads(uint64_t ok, uint64_t failed);

    // Any thread: a copy taken under the lock (no map is read under it).
    View view() const;

private:
    mutable std::mutex mutex_;
    std::vector<std::shared_ptr<const Interface>> interfaces_;
    uint64_t reloads_ok_ = 0;
    uint64_t reloads_failed_ = 0;
};

// What one scrape read.
struct InterfaceSample {
    std::string interface;
    AttachMode mode = AttachMode::Native;
    std::optional<bool> attached;              // empty: the kernel could not be asked
    std::optional<uint64_t> policy_generation;  // empty: policy_state unreadable
    std::optional<StatsSnapshot> stats;         // empty: counters unreadable (no series then, not zeros)
    std::optional<RateLimitSnapshot> rate_limit;  // counts only (no list); empty: no limiter maps, or unreadable
};

struct ScrapeSample {
    std::vector<InterfaceSample> interfaces;
    uint64_t reloads_ok = 0;
    uint64_t reloads_failed = 0;
    std::string version;
};

// Label sets of the counter series that have been non-zero in this process.
// Thread-safe (scrapes run concurrently on the HTTP threads).
class SeriesMemory {
public:
    using CounterKey = std::tuple<std::string, uint32_t, uint32_t, uint32_t>;  // interface, family, type, action
    using ReasonKey = std::tuple<std::string, uint32_t, uint32_t>;             // interface, family, reason

    // Remembers the non-zero rows of `sample`; the view lists every
    // remembered key and holds the lock until it goes (one scrape at a time
    // builds from it; building takes a few ms at most).
    struct View {
        std::unique_lock<std::mutex> lock;
        const std::set<CounterKey>& counters;
        const std::set<ReasonKey>& reasons;
    };
    View update(const ScrapeSample& sample);

private:
    std::mutex mutex_;
    std::set<CounterKey> counters_;
    std::set<ReasonKey> reasons_;
};

ScrapeSample read_sample(const MetricsSource::View& view, const std::string& version);
std::string render_exposition(const ScrapeSample& sample, SeriesMemory& memory);

struct ExporterOptions {
    std::string listen;               // "host:port" or "[v6]:port"
    std::string path = "/metrics";    // --web.telemetry-path
    std::string version;              // icmpguard_build_info{version}
};

// "host:port" / "[v6]:port" with port 0..65535 (0: any free port, for tests).
Expected<void> validate_listen(const std::string& listen);
Expected<void> validate_telemetry_path(const std::string& path);

class MetricsExporter {
public:
    // Binds and starts serving; an error if the address cannot be bound.
    static Expected<std::unique_ptr<MetricsExporter>> start(const ExporterOptions& options,
                                                            std::shared_ptr<const MetricsSource> source);
    ~MetricsExporter();  // stops the HTTP threads (waits for running requests)
    MetricsExporter(const MetricsExporter&) = delete;
    MetricsExporter& operator=(const MetricsExporter&) = delete;

    std::vector<int> ports() const;

private:
    struct Impl;
    explicit MetricsExporter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace icmpguard
