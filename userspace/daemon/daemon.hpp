// Daemon: `icmpguard run`. Attaches icmpguard to every configured
// interface, keeps policy and local addresses current, reloads on SIGHUP,
// detaches and exits 0 on SIGTERM/SIGINT.
//
// Threads: one event loop. Events: a signalfd (HUP, TERM, INT), the
// rtnetlink address socket, the systemd watchdog timer. With [metrics]
// listen set, the Prometheus exporter adds its own HTTP threads (civetweb);
// they only read a MetricsSource, which this thread fills under its lock
// (attach, detach, reload counts), so a scrape never blocks the loop.
//
// Reload (SIGHUP): parse -> compile -> for each interface write the inactive
// policy side and flip. A config that fails to parse or compile changes
// nothing: the last good policy keeps running, the error is logged with its
// file:line:col, and the failure is counted. Interfaces added to the config
// are attached, removed ones detached; [echo] changes and rate_limit.sources
// are restart-class and only logged. Rate limits flip with the policy and
// keep their bucket state, unless a source prefix length changed: then the
// per-source state (keyed by the old prefixes) is cleared.
//
// Crash (kill -9): nothing detaches, so the program stays attached with its
// last policy and addresses (fail-static), pins stay. The next start loads a
// program on the same pins (counters continue), removes the stale program
// and attaches the new one. docs/cli.md documents this.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/address_sync.hpp"
#include "core/config.hpp"
#include "core/datapath.hpp"
#include "core/metrics_exporter.hpp"
#include "core/policy_compiler.hpp"
#include "core/rate_limits.hpp"
#include "core/unique_fd.hpp"

namespace icmpguard {

struct DaemonOptions {
    std::string config_path;
    std::string pin_root = "/sys/fs/bpf/icmpguard";
    // --web.listen-address: replaces [metrics] listen when set ("" disables).
    std::optional<std::string> listen_address;
    std::string telemetry_path = "/metrics";  // --web.telemetry-path
};

class Daemon {
public:
    explicit Daemon(DaemonOptions options);
    ~Daemon();

    // Runs until SIGTERM/SIGINT. Exit code: 0 clean stop, 1 runtime failure,
    // 2 invalid configuration at start.
    int run();

private:
    struct Interface {
        InterfaceConfig config;
        int ifindex = 0;
        std::unique_ptr<Datapath> datapath;
        AttachInfo info;
    };

    Expected<void> attach(const InterfaceConfig& config);
    Expected<void> apply_policy(Interface& iface);
    void detach(Interface& iface);
    void reload();
    // Attach interfaces new to the config (and re-created ones), detach
    // removed ones, resync addresses. False if any of it failed.
    bool reconcile_interfaces(const Config& next);
    Expected<void> event_loop();
    Expected<void> start_metrics();
    std::string metrics_listen(const Config& config) const;
    void count_reload(bool ok);

    DaemonOptions options_;
    Config config_;
    CompiledPolicy policy_;
    RateLimits limits_;
    std::vector<Interface> interfaces_;
    std::unique_ptr<AddressSync> sync_;
    UniqueFd signal_fd_;
    uint64_t reloads_ok_ = 0;
    uint64_t reloads_failed_ = 0;
    std::shared_ptr<MetricsSource> metrics_ = std::make_shared<MetricsSource>();
    std::unique_ptr<MetricsExporter> exporter_;  // after metrics_: stopped first
};

}  // namespace icmpguard
