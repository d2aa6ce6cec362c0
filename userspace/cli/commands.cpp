#include "cli/commands.hpp"

#include <net/if.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>

#include <CLI/CLI.hpp>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "icmpguard/abi.h"
}

#include "cli/capture_command.hpp"
#include "cli/output.hpp"
#include "cli/top_command.hpp"
#include "cli/watch.hpp"
#include "core/config_parser.hpp"
#include "core/logging.hpp"
#include "core/map_keys.hpp"
#include "core/metrics_exporter.hpp"
#include "core/pinned_maps.hpp"
#include "core/policy_compiler.hpp"
#include "core/rate_limits.hpp"
#include "core/rate_limit_reader.hpp"
#include "core/stats_reader.hpp"
#include "core/xdp_attach.hpp"
#include "daemon/daemon.hpp"

#ifndef ICMPGUARD_VERSION
#define ICMPGUARD_VERSION "0.0.0"
#endif

namespace icmpguard {
namespace {

constexpr const char* kDefaultPinRoot = "/sys/fs/bpf/icmpguard";

struct Globals {
    std::string pin_root = kDefaultPinRoot;
    bool json = false;
};

int fail(const Globals& g, const std::string& message, int code = 1) {
    if (g.json) std::cout << render_error_json(message);
    else std::cerr << "icmpguard: " << message << "\n";
    return code;
}

int cmd_check(const std::string& path) {
    auto config = ConfigParser::parse_file(path);
    if (!config) {
        std::cerr << config.error().message() << "\n";
        return 2;
    }
    auto compiled = PolicyCompiler::compile(*config);
    if (!compiled) {
        std::cerr << compiled.error().message() << "\n";
        return 2;
    }
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);  // as the daemon splits the new-source budget
    auto limits = RateLimitCompiler::compile(config->rate_limit, cpus > 0 ? static_cast<unsigned>(cpus) : 1u);
    if (!limits) {
        std::cerr << limits.error().message() << "\n";
        return 2;
    }
    for (const auto& w : compiled->warnings) std::cerr << "warning: " << w << "\n";
    std::cout << "config " << path << ": OK\n";
    for (const auto& i : config->interfaces) std::cout << "interface " << i.name << " mode " << to_string(i.mode) << "\n";
    std::cout << "echo reply " << (config->echo.reply ? "on" : "off") << ", ttl " << int(config->echo.ttl) << "\n";
    std::cout << render_policy(*compiled);
    std::cout << render_rate_limits(*limits);
    return 0;
}

int cmd_run(const DaemonOptions& options, const std::string& level, const std::string& format) {
    auto l = parse_log_level(level);
    if (!l) return (std::cerr << "icmpguard: " << l.error().message() << "\n", 2);
    auto f = parse_log_format(format);
    if (!f) return (std::cerr << "icmpguard: " << f.error().message() << "\n", 2);
    if (options.listen_address && !options.listen_address->empty())
        if (auto r = validate_listen(*options.listen_address); !r)
            return (std::cerr << "icmpguard: --web.listen-address: " << r.error().message() << "\n", 2);
    if (auto r = validate_telemetry_path(options.telemetry_path); !r)
        return (std::cerr << "icmpguard: --web.telemetry-path: " << r.error().message() << "\n", 2);
    setup_logging(*l, *f);
    Daemon daemon(options);
    return daemon.run();
}

Expected<std::vector<std::string>> chosen_interfaces(const Globals& g, const std::string& only) {
    auto all = PinnedMaps::list(g.pin_root);
    if (!all) return all.error();
    if (only.empty()) return all;
    for (const auto& name : *all)
        if (name == only) return std::vector<std::string>{name};
    return Error(ENOENT, "no icmpguard maps pinned for interface " + only + " under " + pin_dir_for("", g.pin_root));
}

// `with_rate_limit`: also the limiter's counts and top sources, where its
// maps are pinned (the object form of `stats -j`).
Expected<std::vector<InterfaceStats>> read_stats(const Globals& g, const std::string& only,
                                                 bool with_rate_limit = false) {
    auto names = chosen_interfaces(g, only);
    if (!names) return names.error();
    std::vector<InterfaceStats> stats;
    for (const auto& name : *names) {
        auto maps = PinnedMaps::open(g.pin_root, name);
        if (!maps) return maps.error();
        auto snap = StatsReader(maps->counters.get(), maps->reasons.get()).snapshot();
        if (!snap) return snap.error().wrap(name);
        stats.push_back({name, std::move(snap.value()), std::nullopt});
        if (!with_rate_limit || !maps->rate_limit_pinned()) continue;
        auto rl = RateLimitReader(maps->rl_sources.get(), maps->rl_params.get(), maps->policy_state.get(),
                                  maps->rl_new_sources.get())
                      .snapshot(RateLimitReader::Detail::Sources);
        if (!rl) return rl.error().wrap(name);
        rl->list = top_sources(std::move(rl->list), kStatsTopSources);
        stats.back().rate_limit = std::move(rl.value());
    }
    return stats;
}

int cmd_stats(const Globals& g, const std::string& only, bool with_reasons) {
    auto stats = read_stats(g, only, g.json && with_reasons);
    if (!stats) return fail(g, stats.error().message());
    std::cout << (g.json ? render_stats_json(*stats, with_reasons) : render_stats_table(*stats, with_reasons));
    return 0;
}


// `stats --watch`: a reading every `interval` seconds (on a fixed schedule,
// so frames do not drift), rates over the measured time between readings,
// until SIGINT/SIGTERM or `count` frames (0: no limit). Signals are taken
// synchronously with sigtimedwait, which is also the sleep.
int cmd_watch(const Globals& g, const std::string& only, double interval, unsigned count) {
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask, nullptr);
    const bool tty = !g.json && isatty(STDOUT_FILENO);

    using Clock = std::chrono::steady_clock;
    auto prev = read_stats(g, only);
    if (!prev) return fail(g, prev.error().message());
    auto prev_at = Clock::now();
    const auto step = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval));
    auto deadline = prev_at + step;
    for (unsigned frame = 0; count == 0 || frame < count; ++frame) {
        for (;;) {  // sleep until the deadline unless a signal comes first
            auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline - Clock::now()).count();
            if (left <= 0) break;
            timespec ts{static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)};
            int sig = sigtimedwait(&mask, nullptr, &ts);
            if (sig == SIGINT || sig == SIGTERM) {
                if (tty) std::cout << std::flush;
                return 0;
            }
            if (sig < 0 && errno == EAGAIN) break;
        }
        auto cur = read_stats(g, only);
        if (!cur) return fail(g, cur.error().message());
        auto now = Clock::now();
        double seconds = std::chrono::duration<double>(now - prev_at).count();
        auto rows = compute_rates(*prev, *cur, seconds);
        std::string time = utc_timestamp();
        if (g.json) std::cout << render_rates_json(rows, seconds, time);
        else std::cout << (tty ? "\033[H\033[2J" : frame ? "\n" : "") << render_rates_table(rows, seconds, time);
        std::cout << std::flush;
        prev = std::move(cur);
        prev_at = now;
        deadline += step;
        if (deadline < now) deadline = now + step;  // fell behind (slow reads): skip, do not burst
    }
    return 0;
}

int cmd_status(const Globals& g) {
    auto names = chosen_interfaces(g, "");
    if (!names) return fail(g, names.error().message());
    std::vector<InterfaceStatus> out;
    for (const auto& name : *names) {
        InterfaceStatus s;
        s.interface = name;
        s.ifindex = static_cast<int>(if_nametoindex(name.c_str()));
        auto maps = PinnedMaps::open(g.pin_root, name);
        if (!maps) return fail(g, maps.error().message());
        uint32_t zero = 0;
        ig_policy_state st{};
        if (bpf_map_lookup_elem(maps->policy_state.get(), &zero, &st) == 0) {
            s.generation = st.generation;
            s.shadow = st.flags & IG_POLICY_F_SHADOW;
        }
        auto addrs = map_keys<ig_addr_key>(maps->local_addrs.get(), "local_addrs");
        if (!addrs) return fail(g, addrs.error().message());
        s.local_addresses = addrs->size();
        if (s.ifindex) {
            auto q = XdpAttachment::query(s.ifindex, kProgramName);
            if (!q) return fail(g, q.error().message());
            s.attach = *q;
        }
        out.push_back(s);
    }
    std::cout << (g.json ? render_status_json(out) : render_status_table(out));
    return 0;
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{"icmpguard: ICMP filter and echo responder in XDP", "icmpguard"};
    app.require_subcommand(1);
    app.set_version_flag("-V,--version", ICMPGUARD_VERSION);
    Globals g;
    app.add_option("--pin-root", g.pin_root, "bpffs directory holding the pins")->capture_default_str();

    DaemonOptions daemon_opts;
    std::string log_level = "info", log_format = "logfmt";
    auto* run = app.add_subcommand("run", "run the daemon in the foreground");
    run->add_option("-c,--config,--config.file", daemon_opts.config_path, "TOML configuration file")->required();
    run->add_option("--log.level", log_level, "debug|info|warn|error")->capture_default_str();
    run->add_option("--log.format", log_format, "logfmt|json")->capture_default_str();
    run->add_option("--web.listen-address", daemon_opts.listen_address,
                    "serve Prometheus metrics on host:port or [v6]:port (overrides [metrics] listen; \"\" disables)");
    run->add_option("--web.telemetry-path", daemon_opts.telemetry_path, "path of the metrics endpoint")
        ->capture_default_str();

    std::string check_path;
    auto* check = app.add_subcommand("check", "validate a configuration and print the compiled policy");
    check->add_option("-c,--config,--config.file", check_path, "TOML configuration file")->required();

    std::string stats_iface;
    bool with_reasons = false;
    auto* stats = app.add_subcommand("stats", "counters from the pinned maps (no daemon needed)");
    stats->add_option("-i,--interface", stats_iface, "only this interface");
    stats->add_flag("-j,--json", g.json, "JSON output");
    auto* reasons_flag = stats->add_flag("-r,--reasons", with_reasons, "also the reasons for passes and drops");
    bool watch = false;
    double interval = 1.0;
    unsigned watch_count = 0;
    auto* watch_flag = stats->add_flag("-w,--watch", watch, "live per-second rates, redrawn every interval until Ctrl-C");
    watch_flag->excludes(reasons_flag);
    stats->add_option("--interval", interval, "seconds between frames of --watch (0.1-3600)")
        ->check(CLI::Range(0.1, 3600.0))
        ->needs(watch_flag)
        ->capture_default_str();
    stats->add_option("--count", watch_count, "stop --watch after this many frames (0: until Ctrl-C)")
        ->needs(watch_flag);

    auto* status = app.add_subcommand("status", "attached interfaces, mode, program and policy generation");
    status->add_flag("-j,--json", g.json, "JSON output");

    auto capture = add_capture_command(app);
    auto top = add_top_command(app);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    daemon_opts.pin_root = g.pin_root;
    if (*run) return cmd_run(daemon_opts, log_level, log_format);
    if (*check) return cmd_check(check_path);
    if (*stats && watch) return cmd_watch(g, stats_iface, interval, watch_count);
    if (*stats) return cmd_stats(g, stats_iface, with_reasons);
    if (*status) return cmd_status(g);
    if (*capture->cmd) return run_capture_command(*capture, g.pin_root);
    if (*top->cmd) return run_top_command(*top, g.pin_root);
    return 2;
}

}  // namespace icmpguard
