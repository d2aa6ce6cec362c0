#include "cli/watch.hpp"

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

}  // namespace icmpguard
