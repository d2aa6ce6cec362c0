#include "cli/watch.hpp"

#include <cerrno>
#include <ctime>

#include <algorithm>
#include <map>
#include <tuple>

namespace icmpguard {

std::vector<RateRow> compute_rates(const std::vector<InterfaceStats>& previous,
                                   const std::vector<InterfaceStats>& current, double seconds) {
    using Key = std::tuple<std::string, uint32_t, uint32_t, uint32_t>;
    std::map<Key, const CounterRow*> before;
    for (const auto& s : previous)
        for (const auto& r : s.snapshot.counters) before[{s.interface, r.family, r.type, r.action}] = &r;

    auto per_second = [seconds](uint64_t now, uint64_t then) {
        uint64_t delta = now >= then ? now - then : now;  // reset: count from zero
        return seconds > 0 ? static_cast<double>(delta) / seconds : 0.0;
    };
    std::vector<RateRow> out;
    for (const auto& s : current)
        for (const auto& r : s.snapshot.counters) {
            auto it = before.find({s.interface, r.family, r.type, r.action});
            uint64_t p0 = it == before.end() ? 0 : it->second->packets;
            uint64_t b0 = it == before.end() ? 0 : it->second->bytes;
            // a reset is judged on packets, so bytes and packets agree on it
            bool reset = r.packets < p0;
            out.push_back({.interface = s.interface,
                           .family = r.family,
                           .type = r.type,
                           .action = r.action,
                           .packets = r.packets,
                           .bytes = r.bytes,
                           .packets_per_s = per_second(r.packets, reset ? 0 : p0),
                           .bytes_per_s = per_second(r.bytes, reset ? 0 : b0)});
        }
    std::stable_sort(out.begin(), out.end(), [](const RateRow& a, const RateRow& b) {
        if (a.packets_per_s != b.packets_per_s) return a.packets_per_s > b.packets_per_s;
        return std::tie(a.interface, a.family, a.type, a.action) <
               std::tie(b.interface, b.family, b.type, b.action);
    });
    return out;
}

std::vector<TopRow> compute_top_rows(const std::vector<TopInterface>& current,
                                     const std::vector<TopInterface>* previous, double seconds, size_t n) {
    std::map<std::pair<std::string, std::string>, uint64_t> before;
    if (previous)
        for (const auto& i : *previous)
            for (const auto& s : i.snapshot.list)
                if (s.limited) before[{i.interface, s.prefix}] = s.limited;

    std::vector<TopRow> rows;
    for (const auto& i : current) {
        std::vector<RateLimitSource> limited;
        for (const auto& s : i.snapshot.list)
            if (s.limited) limited.push_back(s);
        for (auto& s : top_sources(std::move(limited), n)) {
            TopRow r;
            r.interface = i.interface;
            r.source = std::move(s.prefix);
            r.family = s.family;
            r.limited = s.limited;
            if (previous) {
                auto it = before.find({r.interface, r.source});
                uint64_t then = it == before.end() || it->second > r.limited ? 0 : it->second;  // new or reset: from 0
                r.limited_per_s = seconds > 0 ? static_cast<double>(r.limited - then) / seconds : 0.0;
            }
            if (s.last_limited_ns) r.last_limited_ago_s = seconds_since(s.last_limited_ns, i.snapshot.read_at_ns);
            rows.push_back(std::move(r));
        }
    }
    std::stable_sort(rows.begin(), rows.end(), [](const TopRow& a, const TopRow& b) {
        if (a.limited != b.limited) return a.limited > b.limited;
        return std::tie(a.source, a.interface) < std::tie(b.source, b.interface);
    });
    if (rows.size() > n) rows.resize(n);
    return rows;
}

Ticker::Ticker(double interval_s)
    : step_(std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval_s))),
      deadline_(Clock::now() + step_) {
    sigemptyset(&mask_);
    sigaddset(&mask_, SIGINT);
    sigaddset(&mask_, SIGTERM);
    sigprocmask(SIG_BLOCK, &mask_, &old_mask_);
}

Ticker::~Ticker() { sigprocmask(SIG_SETMASK, &old_mask_, nullptr); }

bool Ticker::wait() {
    if (deadline_ <= Clock::now()) deadline_ = Clock::now() + step_;  // fell behind (slow reads): skip, do not burst
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(deadline_ - Clock::now()).count();
        if (left <= 0) break;
        timespec ts{static_cast<time_t>(left / 1000000000), static_cast<long>(left % 1000000000)};
        int sig = sigtimedwait(&mask_, nullptr, &ts);
        if (sig == SIGINT || sig == SIGTERM) return false;
        if (sig < 0 && errno == EAGAIN) break;  // timed out: the deadline
    }
    deadline_ += step_;
    return true;
}

}  // namespace icmpguard
