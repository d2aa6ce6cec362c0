#include "daemon/daemon.hpp"

#include <malloc.h>
#include <net/if.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "core/address_writer.hpp"
#include "core/config_parser.hpp"
#include "core/logging.hpp"
#include "core/policy_writer.hpp"
#include "core/rate_limit_state.hpp"
#include "core/xdp_attach.hpp"

#ifndef ICMPGUARD_VERSION
#define ICMPGUARD_VERSION "0.0.0"
#endif

extern "C" {
#include <bpf/libbpf.h>

#include "icmpguard/abi.h"
}

namespace icmpguard {
namespace {

// A long-running daemon should not keep what a scrape borrowed. Each
// /metrics request is served on a civetweb worker thread and builds up to
// ~0.5 MiB of exposition text; glibc gives every such thread its own arena,
// and freed scrape buffers stayed resident in each (RSS 8.6 -> 27.7 MiB over
// bench/metrics_bench.sh). One arena: 14.4 MiB, scrape time unchanged. (A
// fixed mmap threshold saved 3 MiB more but made scrapes ~10 % slower.)
void bound_heap_growth() { mallopt(M_ARENA_MAX, 1); }


// The CPUs that can receive packets, over which the per-CPU new-source
// budget is split: the online ones (a VM may have many more possible CPUs
// than it runs, and they would never spend their share).
unsigned receive_cpus() {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? static_cast<unsigned>(n) : 1u;
}

uint64_t monotonic_usec() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000u + static_cast<uint64_t>(ts.tv_nsec) / 1000u;
}


}  // namespace

Daemon::Daemon(DaemonOptions options) : options_(std::move(options)) {}

Daemon::~Daemon() {
    for (auto& iface : interfaces_) detach(iface);
}

static void log_policy_warnings(const CompiledPolicy& policy) {
    for (const auto& w : policy.warnings) log_warn("policy warning", {{"warning", w}});
}

Expected<void> Daemon::apply_policy(Interface& iface) {
    auto m = iface.datapath->maps();
    uint32_t flags = policy_.mode == PolicyMode::Shadow ? IG_POLICY_F_SHADOW : 0;
    PolicyMapFds fds{m.policy, m.policy_state, m.rl_params, m.rl_type_rates};
    auto state = PolicyWriter(fds).apply(policy_.table, flags, &limits_);
    if (!state) return state.error().wrap("interface " + iface.config.name);
    log_info("policy applied", {{"interface", iface.config.name},
                                {"generation", std::to_string(state->generation)},
                                {"preset", to_string(policy_.preset)},
                                {"mode", to_string(policy_.mode)}});
    return Ok{};
}

Expected<void> Daemon::attach(const InterfaceConfig& config) {
    Interface iface;
    iface.config = config;
    iface.ifindex = static_cast<int>(if_nametoindex(config.name.c_str()));
    if (!iface.ifindex)
        return Error(ENODEV, config.where.str() + ": interface \"" + config.name + "\" does not exist");

    LoadOptions load;
    load.reply_enabled = config_.echo.reply;
    load.reply_ttl = config_.echo.ttl;
    load.rl_sources = config_.rate_limit.sources;
    load.pin_dir = pin_dir_for(config.name, options_.pin_root);
    auto dp = Datapath::open(load);
    if (!dp) return dp.error().wrap("interface " + config.name);

    auto stale = XdpAttachment::remove_stale(iface.ifindex, kProgramName);
    if (!stale) return stale.error().wrap("interface " + config.name);
    if (*stale)
        log_warn("replaced an icmpguard program left attached by an earlier run",
                 {{"interface", config.name}});

    auto info = (*dp)->attach(iface.ifindex, config.mode);
    if (!info) return info.error().wrap("attaching to " + config.name);
    iface.info = *info;
    iface.datapath = std::move(dp.value());

    // the interface MAC and the addresses come from the address sync's resync,
    // which every attach is followed by
    auto m = iface.datapath->maps();
    // per-source state pinned by an earlier run under other prefixes would be misread
    auto differ = rate_limit_prefixes_differ(m.policy_state, m.rl_params, limits_.params);
    if (differ && *differ) {
        auto cleared = clear_rate_limit_sources(m.rl_sources);
        if (!cleared) return cleared.error().wrap("clearing rl_sources of " + config.name);
        log_info("source prefix changed since the last run: per-source rate-limit state cleared",
                 {{"interface", config.name}, {"sources", std::to_string(*cleared)}});
    }
    if (auto r = apply_policy(iface); !r) return r;
    sync_->add_target(iface.ifindex, m);
    log_info("attached", {{"interface", config.name},
                          {"mode", to_string(info->mode)},
                          {"requested", to_string(config.mode)},
                          {"multiprog", info->multiprog ? "true" : "false"},
                          {"prog_id", std::to_string(info->prog_id)},
                          {"pins", load.pin_dir}});
    if (!info->multiprog)
        log_info("libxdp dispatcher unavailable: single-program attach", {{"interface", config.name}});
    if (auto r = metrics_->add_interface(config.name, *info, m); !r)
        log_warn("interface not exported to metrics", {{"interface", config.name}, {"err", r.error().message()}});
    interfaces_.push_back(std::move(iface));
    return Ok{};
}

void Daemon::detach(Interface& iface) {
    if (!iface.datapath) return;
    metrics_->remove_interface(iface.config.name);
    sync_->remove_target(iface.ifindex);
    auto r = iface.datapath->detach();
    if (!r) log_error("detach failed", {{"interface", iface.config.name}, {"err", r.error().message()}});
    else log_info("detached", {{"interface", iface.config.name}});
    iface.datapath.reset();
}

bool Daemon::reconcile_interfaces(const Config& next) {
    bool ok = true;
    for (auto it = interfaces_.begin(); it != interfaces_.end();) {
        bool kept = false;
        for (const auto& c : next.interfaces) kept = kept || c.name == it->config.name;
        // kept, but deleted and re-created (new ifindex) or its program is gone:
        // drop the stale state and attach again below
        if (kept) {
            int now = static_cast<int>(if_nametoindex(it->config.name.c_str()));
            auto q = XdpAttachment::query(it->ifindex, kProgramName);
            if (now == it->ifindex && q && q->has_value()) {
                ++it;
                continue;
            }
            log_warn("interface changed under icmpguard (re-created, or its program was removed); attaching again",
                     {{"interface", it->config.name}});
        }
        detach(*it);
        it = interfaces_.erase(it);
    }
    for (const auto& c : next.interfaces) {
        bool present = false;
        for (const auto& i : interfaces_) present = present || i.config.name == c.name;
        if (present) continue;
        if (auto r = attach(c); !r) {
            ok = false;
            log_error("attach failed", {{"interface", c.name}, {"err", r.error().message()}});
        }
    }
    if (auto r = sync_->resync(); !r) {
        ok = false;
        log_error("address sync failed", {{"err", r.error().message()}});
    }
    return ok;
}

void Daemon::reload() {
    const auto started = std::chrono::steady_clock::now();
    auto elapsed_ms = [&] {
        auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started);
        char buf[32];
        std::snprintf(buf, sizeof(buf), "%.3f", static_cast<double>(us.count()) / 1000.0);
        return std::string(buf);
    };
    std::string notify = "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonic_usec());
    sd_notify(0, notify.c_str());
    auto fail = [&](const std::string& err) {
        count_reload(false);
        log_error("reload failed; the previous policy stays active",
                  {{"config", options_.config_path}, {"err", err},
                   {"reloads_failed", std::to_string(reloads_failed_)}});
        sd_notify(0, "READY=1");
    };
    auto config = ConfigParser::parse_file(options_.config_path);
    if (!config) return fail(config.error().message());
    auto compiled = PolicyCompiler::compile(*config);
    if (!compiled) return fail(compiled.error().message());
    // the LRU keeps the size it was loaded with: compile against that, so a
    // budget derived from `sources` matches the map that really exists
    const uint32_t configured_sources = config->rate_limit.sources;
    config->rate_limit.sources = config_.rate_limit.sources;
    auto limits = RateLimitCompiler::compile(config->rate_limit, receive_cpus());
    if (!limits) return fail(limits.error().message());
    // every configured interface must exist before anything changes
    for (const auto& c : config->interfaces)
        if (!if_nametoindex(c.name.c_str()))
            return fail(c.where.str() + ": interface \"" + c.name + "\" does not exist");

    if (config->echo.reply != config_.echo.reply || config->echo.ttl != config_.echo.ttl)
        log_warn("[echo] settings changed: they take effect at the next restart");
    if (config->metrics.listen != config_.metrics.listen) {
        if (options_.listen_address)
            log_info("[metrics] listen changed; --web.listen-address overrides it",
                     {{"listen", *options_.listen_address}, {"configured", config->metrics.listen}});
        else
            log_warn("[metrics] listen changed: it takes effect at the next restart",
                     {{"listen", config_.metrics.listen}, {"configured", config->metrics.listen}});
    }
    if (configured_sources != config_.rate_limit.sources)
        log_warn("rate_limit.sources changed: it takes effect at the next restart",
                 {{"sources", std::to_string(config_.rate_limit.sources)},
                  {"configured", std::to_string(configured_sources)}});
    const bool prefixes_changed = config->rate_limit.ipv4_prefix != config_.rate_limit.ipv4_prefix ||
                                  config->rate_limit.ipv6_prefix != config_.rate_limit.ipv6_prefix;
    config_.path = config->path;
    config_.policy = config->policy;
    config_.metrics = config->metrics;
    config_.interfaces = config->interfaces;
    config_.rate_limit = config->rate_limit;  // with the running `sources`
    policy_ = std::move(compiled.value());
    limits_ = std::move(limits.value());
    log_policy_warnings(policy_);

    bool ok = true;
    for (auto& iface : interfaces_) {
        if (auto r = apply_policy(iface); !r) {
            ok = false;
            log_error("applying policy failed", {{"interface", iface.config.name}, {"err", r.error().message()}});
            continue;
        }
        // per-source state is keyed by the old prefixes: it would never match again
        if (prefixes_changed) {
            auto cleared = clear_rate_limit_sources(iface.datapath->maps().rl_sources);
            if (!cleared) {
                ok = false;
                log_error("clearing per-source rate-limit state failed",
                          {{"interface", iface.config.name}, {"err", cleared.error().message()}});
            } else log_info("source prefix changed: per-source rate-limit state cleared",
                          {{"interface", iface.config.name}, {"sources", std::to_string(*cleared)}});
        }
    }
    if (!reconcile_interfaces(config_)) ok = false;
    count_reload(ok);
    if (ok) {
        log_info("reloaded", {{"config", options_.config_path},
                              {"reloads", std::to_string(reloads_ok_)},
                              {"duration_ms", elapsed_ms()}});
    } else {
        log_error("reload partly failed (see above); counted as a failure",
                  {{"config", options_.config_path}, {"reloads_failed", std::to_string(reloads_failed_)}});
    }
    sd_notify(0, "READY=1");
}

void Daemon::count_reload(bool ok) {
    ++(ok ? reloads_ok_ : reloads_failed_);
    metrics_->set_reloads(reloads_ok_, reloads_failed_);
}

// The address the exporter serves on: the flag wins over the file; "" is off.
std::string Daemon::metrics_listen(const Config& config) const {
    return options_.listen_address ? *options_.listen_address : config.metrics.listen;
}

Expected<void> Daemon::start_metrics() {
    std::string listen = metrics_listen(config_);
    if (listen.empty()) {
        log_info("metrics endpoint disabled");
        return Ok{};
    }
    ExporterOptions opts{.listen = listen, .path = options_.telemetry_path, .version = ICMPGUARD_VERSION};
    auto exporter = MetricsExporter::start(opts, metrics_);
    if (!exporter) return exporter.error();
    exporter_ = std::move(exporter.value());
    std::string ports;
    for (int p : exporter_->ports()) ports += (ports.empty() ? "" : ",") + std::to_string(p);
    log_info("metrics endpoint listening", {{"listen", listen}, {"path", options_.telemetry_path}, {"port", ports}});
    return Ok{};
}

Expected<void> Daemon::event_loop() {
    uint64_t watchdog_usec = 0;
    if (sd_watchdog_enabled(0, &watchdog_usec) <= 0) watchdog_usec = 0;
    const int timeout_ms = watchdog_usec ? static_cast<int>(watchdog_usec / 2000) : -1;

    for (;;) {
        pollfd fds[2] = {{signal_fd_.get(), POLLIN, 0}, {sync_->fd(), POLLIN, 0}};
        int n = poll(fds, 2, timeout_ms);
        if (n < 0) {
            if (errno == EINTR) continue;
            return Error::from_errno(errno, "poll");
        }
        if (watchdog_usec) sd_notify(0, "WATCHDOG=1");
        if (fds[1].revents & POLLIN) {
            if (auto r = sync_->on_readable(); !r)
                log_error("address sync failed", {{"err", r.error().message()}});
        }
        if (fds[0].revents & POLLIN) {
            signalfd_siginfo si{};
            if (read(signal_fd_.get(), &si, sizeof(si)) != sizeof(si)) continue;
            if (si.ssi_signo == SIGHUP) {
                reload();
            } else {
                log_info("stopping", {{"signal", strsignal(static_cast<int>(si.ssi_signo))}});
                return Ok{};
            }
        }
    }
}

int Daemon::run() {
    bound_heap_growth();
    auto config = ConfigParser::parse_file(options_.config_path);
    if (!config) {
        log_error("invalid configuration", {{"err", config.error().message()}});
        return 2;
    }
    auto compiled = PolicyCompiler::compile(*config);
    if (!compiled) {
        log_error("invalid configuration", {{"err", compiled.error().message()}});
        return 2;
    }
    auto limits = RateLimitCompiler::compile(config->rate_limit, receive_cpus());
    if (!limits) {
        log_error("invalid configuration", {{"err", limits.error().message()}});
        return 2;
    }
    config_ = std::move(config.value());
    policy_ = std::move(compiled.value());
    limits_ = std::move(limits.value());
    log_policy_warnings(policy_);

    // signals become events before anything is attached
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGHUP);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    signal_fd_.reset(signalfd(-1, &mask, SFD_CLOEXEC));
    if (!signal_fd_.valid()) {
        log_error("signalfd failed", {{"err", std::strerror(errno)}});
        return 1;
    }
    auto sync = AddressSync::open();
    if (!sync) {
        log_error("address sync unavailable", {{"err", sync.error().message()}});
        return 1;
    }
    sync_ = std::move(sync.value());
    // after the signal mask: the HTTP threads inherit it, so HUP/TERM/INT
    // still arrive only through the signalfd
    if (auto r = start_metrics(); !r) {
        log_error("metrics endpoint failed", {{"err", r.error().message()}});
        return 1;
    }

    for (const auto& c : config_.interfaces) {
        if (auto r = attach(c); !r) {
            log_error("attach failed", {{"interface", c.name}, {"err", r.error().message()}});
            for (auto& iface : interfaces_) detach(iface);
            interfaces_.clear();
            return 1;
        }
    }
    if (auto r = sync_->resync(); !r) {
        log_error("address sync failed", {{"err", r.error().message()}});
        return 1;
    }
    sd_notify(0, "READY=1");
    log_info("running", {{"config", options_.config_path},
                         {"interfaces", std::to_string(interfaces_.size())}});

    auto loop = event_loop();
    sd_notify(0, "STOPPING=1");
    exporter_.reset();
    for (auto& iface : interfaces_) detach(iface);
    interfaces_.clear();
    if (!loop) {
        log_error("event loop failed", {{"err", loop.error().message()}});
        return 1;
    }
    return 0;
}

}  // namespace icmpguard
