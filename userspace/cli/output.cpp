#include "cli/output.hpp"

#include <cmath>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "cli/watch.hpp"
#include "core/names.hpp"

namespace icmpguard {
namespace {

std::string row(const char* fmt, auto... args) {
    char buf[256];
    std::snprintf(buf, sizeof(buf), fmt, args...);
    return buf;
}

// Seconds to the millisecond (the coarse clock ticks every few ms anyway).
double ms_rounded(double seconds) { return std::round(seconds * 1000.0) / 1000.0; }

nlohmann::json last_ago_json(const std::optional<double>& seconds) {
    return seconds ? nlohmann::json(ms_rounded(*seconds)) : nlohmann::json(nullptr);
}

}  // namespace

std::string render_stats_table(const std::vector<InterfaceStats>& stats, bool with_reasons) {
    std::string out = row("%-15s %-6s %-26s %-12s %12s %14s\n", "INTERFACE", "FAMILY", "ICMP TYPE",
                          "ACTION", "PACKETS", "BYTES");
    for (const auto& s : stats)
        for (const auto& r : s.snapshot.counters)
            out += row("%-15s %-6s %-26s %-12s %12llu %14llu\n", s.interface.c_str(),
                       std::string(family_label(r.family)).c_str(),
                       icmp_type_label(r.family, r.type).c_str(), std::string(action_label(r.action)).c_str(),
                       static_cast<unsigned long long>(r.packets), static_cast<unsigned long long>(r.bytes));
    if (with_reasons) {
        out += row("\n%-15s %-6s %-26s %-12s %12s %14s\n", "INTERFACE", "FAMILY", "REASON", "VERDICT",
                   "PACKETS", "BYTES");
        for (const auto& s : stats)
            for (const auto& r : s.snapshot.reasons)
                out += row("%-15s %-6s %-26s %-12s %12llu %14llu\n", s.interface.c_str(),
                           std::string(family_label(r.family)).c_str(),
                           std::string(reason_label(r.reason)).c_str(),
                           std::string(action_label(reason_action(r.reason))).c_str(),
                           static_cast<unsigned long long>(r.packets), static_cast<unsigned long long>(r.bytes));
    }
    return out;
}

std::string render_stats_json(const std::vector<InterfaceStats>& stats, bool with_reasons) {
    nlohmann::json counters = nlohmann::json::array();
    nlohmann::json reasons = nlohmann::json::array();
    for (const auto& s : stats) {
        for (const auto& r : s.snapshot.counters)
            counters.push_back({{"interface", s.interface},
                                {"family", family_label(r.family)},
                                {"icmp_type", icmp_type_label(r.family, r.type)},
                                {"icmp_type_num", r.type},
                                {"action", action_label(r.action)},
                                {"packets", r.packets},
                                {"bytes", r.bytes}});
        for (const auto& r : s.snapshot.reasons)
            reasons.push_back({{"interface", s.interface},
                               {"family", family_label(r.family)},
                               {"reason", reason_label(r.reason)},
                               {"verdict", action_label(reason_action(r.reason))},
                               {"packets", r.packets},
                               {"bytes", r.bytes}});
    }
    if (!with_reasons) return counters.dump() + "\n";
    nlohmann::json out{{"counters", counters}, {"reasons", reasons}};
    // the object form only: the list form stays a list of counter rows
    nlohmann::json rate_limit = nlohmann::json::object();
    for (const auto& s : stats) {
        if (!s.rate_limit) continue;
        const RateLimitSnapshot& rl = *s.rate_limit;
        nlohmann::json top = nlohmann::json::array();
        for (const auto& src : top_sources(rl.list, kStatsTopSources))
            top.push_back({{"source", src.prefix},
                           {"limited", src.limited},
                           {"last_limited_ago_s",
                            last_ago_json(src.last_limited_ns
                                              ? std::optional(seconds_since(src.last_limited_ns, rl.read_at_ns))
                                              : std::nullopt)}});
        rate_limit[s.interface] = {{"sources", rl.sources},
                                   {"capacity", rl.capacity},
                                   {"inserted", rl.inserted},
                                   {"refused", rl.refused},
                                   {"top", top}};
    }
    if (!rate_limit.empty()) out["rate_limit"] = rate_limit;
    return out.dump() + "\n";
}

std::string render_status_table(const std::vector<InterfaceStatus>& status) {
    std::string out = row("%-15s %-8s %-8s %-9s %-12s %-10s %-8s %s\n", "INTERFACE", "IFINDEX", "STATE",
                          "MODE", "ATTACH", "PROG_ID", "POLICY", "GENERATION");
    for (const auto& s : status) {
        const char* state = !s.ifindex ? "gone" : s.attach ? "attached" : "stale";
        std::string mode = s.attach ? to_string(s.attach->mode) : "-";
        std::string kind = s.attach ? (s.attach->multiprog ? "multiprog" : "single") : "-";
        std::string id = s.attach ? std::to_string(s.attach->prog_id) : "-";
        out += row("%-15s %-8d %-8s %-9s %-12s %-10s %-8s %llu\n", s.interface.c_str(), s.ifindex, state,
                   mode.c_str(), kind.c_str(), id.c_str(), s.shadow ? "shadow" : "enforce",
                   static_cast<unsigned long long>(s.generation));
    }
    return out;
}

std::string render_status_json(const std::vector<InterfaceStatus>& status) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : status) {
        nlohmann::json j{{"interface", s.interface},
                         {"ifindex", s.ifindex},
                         {"attached", s.attach.has_value()},
                         {"policy_generation", s.generation},
                         {"policy_mode", s.shadow ? "shadow" : "enforce"},
                         {"local_addresses", s.local_addresses}};
        if (s.attach) {
            j["mode"] = to_string(s.attach->mode);
            j["multiprog"] = s.attach->multiprog;
            j["prog_id"] = s.attach->prog_id;
        }
        out.push_back(j);
    }
    return out.dump() + "\n";
}

std::string render_rates_table(const std::vector<RateRow>& rows, double seconds, const std::string& time) {
    std::string out = row("icmpguard stats --watch   %s   rates over %.2f s   (Ctrl-C to stop)\n\n", time.c_str(),
                          seconds);
    out += row("%-15s %-6s %-26s %-12s %10s %12s %12s %14s\n", "INTERFACE", "FAMILY", "ICMP TYPE", "ACTION",
               "PKT/S", "BYTES/S", "PACKETS", "BYTES");
    for (const auto& r : rows)
        out += row("%-15s %-6s %-26s %-12s %10.1f %12.1f %12llu %14llu\n", r.interface.c_str(),
                   std::string(family_label(r.family)).c_str(), icmp_type_label(r.family, r.type).c_str(),
                   std::string(action_label(r.action)).c_str(), r.packets_per_s, r.bytes_per_s,
                   static_cast<unsigned long long>(r.packets), static_cast<unsigned long long>(r.bytes));
    return out;
}

std::string render_rates_json(const std::vector<RateRow>& rows, double seconds, const std::string& time) {
    nlohmann::json rates = nlohmann::json::array();
    for (const auto& r : rows)
        rates.push_back({{"interface", r.interface},
                         {"family", family_label(r.family)},
                         {"icmp_type", icmp_type_label(r.family, r.type)},
                         {"icmp_type_num", r.type},
                         {"action", action_label(r.action)},
                         {"packets_per_s", r.packets_per_s},
                         {"bytes_per_s", r.bytes_per_s},
                         {"packets", r.packets},
                         {"bytes", r.bytes}});
    return nlohmann::json{{"time", time}, {"interval_s", seconds}, {"rates", rates}}.dump() + "\n";
}

namespace {

std::string top_header(const TopInterface& i) {
    const RateLimitSnapshot& rl = i.snapshot;
    return row("%s: %llu/%llu sources tracked, new sources %llu inserted, %llu refused%s\n", i.interface.c_str(),
               static_cast<unsigned long long>(rl.sources), static_cast<unsigned long long>(rl.capacity),
               static_cast<unsigned long long>(rl.inserted), static_cast<unsigned long long>(rl.refused),
               rl.enabled ? "" : " (limiter off)");
}

}  // namespace

std::string render_top_table(const std::vector<TopInterface>& interfaces, const std::vector<TopRow>& rows,
                             const std::string& time, bool live) {
    std::string out = row("icmpguard top   %s%s\n", time.c_str(), live ? "   (Ctrl-C to stop)" : "");
    for (const auto& i : interfaces) out += top_header(i);
    out += row("\n%-15s %-43s %12s %10s %9s\n", "INTERFACE", "SOURCE", "LIMITED", "RATE", "LAST");
    for (const auto& r : rows) {
        std::string rate = r.limited_per_s ? row("%.1f", *r.limited_per_s) : "-";
        std::string last = r.last_limited_ago_s ? row("%.1fs", *r.last_limited_ago_s) : "-";
        out += row("%-15s %-43s %12llu %10s %9s\n", r.interface.c_str(), r.source.c_str(),
                   static_cast<unsigned long long>(r.limited), rate.c_str(), last.c_str());
    }
    return out;
}

std::string render_top_json(const std::vector<TopInterface>& interfaces, const std::vector<TopRow>& rows,
                            const std::string& time) {
    nlohmann::json ifaces = nlohmann::json::array();
    for (const auto& i : interfaces)
        ifaces.push_back({{"interface", i.interface},
                          {"enabled", i.snapshot.enabled},
                          {"sources", i.snapshot.sources},
                          {"capacity", i.snapshot.capacity},
                          {"inserted", i.snapshot.inserted},
                          {"refused", i.snapshot.refused}});
    nlohmann::json top = nlohmann::json::array();
    for (const auto& r : rows)
        top.push_back({{"interface", r.interface},
                       {"source", r.source},
                       {"family", family_label(r.family)},
                       {"limited", r.limited},
                       {"last_limited_ago_s", last_ago_json(r.last_limited_ago_s)}});
    return nlohmann::json{{"time", time}, {"interfaces", ifaces}, {"top", top}}.dump() + "\n";
}

std::string render_error_json(const std::string& message) {
    return nlohmann::json{{"error", message}}.dump() + "\n";
}

}  // namespace icmpguard
