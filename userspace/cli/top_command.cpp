#include "cli/top_command.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <iostream>

#include "cli/output.hpp"
#include "cli/watch.hpp"
#include "core/datapath.hpp"
#include "core/logging.hpp"
#include "core/pinned_maps.hpp"

namespace icmpguard {
namespace {

int fail(bool json, const std::string& message, int code = 1) {
    if (json) std::cout << render_error_json(message);
    else std::cerr << "icmpguard: " << message << "\n";
    return code;
}

struct Reading {
    std::vector<TopInterface> interfaces;
    std::vector<std::string> not_pinned;  // "rate limiter state not pinned for X ..." of skipped interfaces
};

// The limiter of every chosen interface. Pins are opened afresh at each
// reading, like `stats --watch`: a daemon restart that re-creates the maps
// (a resized rl_sources) is followed. An interface without the limiter's
// pins is an error when asked for by name, else skipped and reported.
Expected<Reading> read_top(const std::string& pin_root, const std::string& only) {
    auto names = PinnedMaps::list(pin_root);
    if (!names) return names.error();
    if (!only.empty()) {
        if (std::find(names->begin(), names->end(), only) == names->end())
            return Error(ENOENT, "no icmpguard maps pinned for interface " + only + " under " +
                                     pin_dir_for("", pin_root));
        *names = {only};
    }
    Reading reading;
    for (const auto& name : *names) {
        auto maps = PinnedMaps::open(pin_root, name);
        if (!maps) return maps.error();
        if (!maps->rate_limit_pinned()) {
            if (!only.empty()) return Error(ENOENT, maps->rate_limit_missing_message());
            reading.not_pinned.push_back(maps->rate_limit_missing_message());
            continue;
        }
        auto snap = RateLimitReader(maps->rl_sources.get(), maps->rl_params.get(), maps->policy_state.get(),
                                    maps->rl_new_sources.get())
                        .snapshot(RateLimitReader::Detail::Sources);
        if (!snap) return snap.error().wrap(name);
        reading.interfaces.push_back({name, std::move(snap.value())});
    }
    if (reading.interfaces.empty() && !reading.not_pinned.empty()) {
        std::string message = reading.not_pinned.front();
        for (size_t i = 1; i < reading.not_pinned.size(); ++i) message += "; " + reading.not_pinned[i];
        return Error(ENOENT, message);
    }
    return reading;
}

// Only the sources a later rate can need: the ones limited so far.
void keep_limited(std::vector<TopInterface>& interfaces) {
    for (auto& i : interfaces) std::erase_if(i.snapshot.list, [](const auto& s) { return s.limited == 0; });
}

}  // namespace

std::unique_ptr<TopCommand> add_top_command(CLI::App& app) {
    auto c = std::make_unique<TopCommand>();
    c->cmd = app.add_subcommand("top", "sources the rate limiter refused most, live (no daemon needed)");
    c->cmd->add_option("-i,--interface", c->interface, "only this interface (default: every pinned one)");
    c->cmd->add_option("-n,--rows", c->count, "sources shown")->capture_default_str()->check(CLI::Range(1, 1000000));
    auto* json = c->cmd->add_flag("-j,--json", c->json, "print one JSON document and exit");
    auto* once = c->cmd->add_flag("--once", c->once, "print one table and exit");
    c->cmd->add_option("--interval", c->interval, "seconds between refreshes (0.1-3600)")
        ->check(CLI::Range(0.1, 3600.0))
        ->capture_default_str()
        ->excludes(json)
        ->excludes(once);
    return c;
}

int run_top_command(const TopCommand& c, const std::string& pin_root) {
    using Clock = std::chrono::steady_clock;
    const bool live = !c.json && !c.once;
    std::optional<Ticker> ticker;
    if (live) ticker.emplace(c.interval);  // from here Ctrl-C is taken between frames
    const bool tty = live && isatty(STDOUT_FILENO);

    auto prev = read_top(pin_root, c.interface);
    if (!prev) return fail(c.json, prev.error().message());
    for (const auto& m : prev->not_pinned) std::cerr << "icmpguard: " << m << "\n";
    auto prev_at = Clock::now();
    std::string time = utc_timestamp();
    auto rows = compute_top_rows(prev->interfaces, nullptr, 0, c.count);
    if (c.json) {
        std::cout << render_top_json(prev->interfaces, rows, time);
        return 0;
    }
    std::cout << (tty ? "\033[H\033[2J" : "") << render_top_table(prev->interfaces, rows, time, live) << std::flush;
    if (!live) return 0;

    keep_limited(prev->interfaces);
    while (ticker->wait()) {
        auto cur = read_top(pin_root, c.interface);
        if (!cur) return fail(false, cur.error().message());
        auto now = Clock::now();
        double seconds = std::chrono::duration<double>(now - prev_at).count();
        rows = compute_top_rows(cur->interfaces, &prev->interfaces, seconds, c.count);
        std::cout << (tty ? "\033[H\033[2J" : "\n")
                  << render_top_table(cur->interfaces, rows, utc_timestamp(), live) << std::flush;
        keep_limited(cur->interfaces);
        prev = std::move(cur);
        prev_at = now;
    }
    return 0;
}

}  // namespace icmpguard
