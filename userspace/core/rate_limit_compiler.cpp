// RateLimitCompiler: [rate_limit] (RateLimitConfig) -> RateLimits, the exact
// values PolicyWriter puts in rl_params, rl_type_rates and the policy rows'
// IG_RULE_F_NO_LIMIT bits. Every rate goes through ig_rl_rate_from_pps(), the
// same C the data plane's tests check, so what is written is what was tested.
#include "core/rate_limits.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <sstream>

extern "C" {
#include "lib/token_bucket.h"
}

#include "core/names.hpp"

namespace icmpguard {

RateLimits::RateLimits()
    : type_rates(IG_ICMP_FAMILIES * IG_ICMP_TYPES, ig_rl_rate{}),
      exempt(IG_ICMP_FAMILIES * IG_ICMP_TYPES * IG_ICMP_CODES, 0) {}

namespace {

constexpr uint64_t kMaxPps = 1000000000;  // ig_rl_rate_from_pps(): a 1 ns interval

ExemptRule exempt_rule(uint32_t family, uint8_t type, std::optional<uint8_t> code = std::nullopt) {
    ExemptRule r;
    r.family = family;
    r.type = type;
    r.code = code;
    r.key = icmp_type_label(family, type) + (code ? "/" + icmp_code_label(family, type, *code) : "");
    return r;  // no location: built in
}

// The top `len` bits of a 32-bit word, host order; len outside 0..32 clamps.
uint32_t word_mask(int len) {
    if (len <= 0) return 0;
    if (len >= 32) return 0xffffffffu;
    return ~0u << (32 - len);
}

// "FILE:LINE:COL: rate_limit.KEY: msg"; without the location when the key
// was not written (a default), which the range checks make unreachable.
Error key_error(const RateLimitConfig& c, const std::string& key, const std::string& msg) {
    auto it = c.where.find(key);
    const std::string loc = it != c.where.end() ? it->second.str() + ": " : "";
    return Error(EINVAL, loc + "rate_limit." + key + ": " + msg);
}

std::string rate_range_message(uint64_t pps, uint64_t burst) {
    return std::to_string(pps) + " pps with a burst of " + std::to_string(burst) +
           " is out of range (at most 1000000000 pps, and (burst - 1) intervals at most 2^61 ns)";
}

// pps with a burst (0: one second's worth, = pps) in GCRA form. pps 0 is "no
// limit" (interval 0). On failure: the pps key if pps is too large, else the
// burst key (the burst made the tolerance overflow).
Expected<ig_rl_rate> rate_of(const RateLimitConfig& c, uint64_t pps, uint64_t burst, const std::string& pps_key,
                             const std::string& burst_key) {
    const uint64_t b = burst ? burst : pps;
    ig_rl_rate r{};
    if (!ig_rl_rate_from_pps(pps, b, &r))
        return key_error(c, pps > kMaxPps ? pps_key : burst_key, rate_range_message(pps, b));
    return r;
}

Expected<void> check_range(const RateLimitConfig& c, const std::string& key, uint64_t v, uint64_t lo, uint64_t hi) {
    if (v < lo || v > hi)
        return key_error(c, key, std::to_string(v) + " is out of range " + std::to_string(lo) + "-" +
                                     std::to_string(hi));
    return Ok{};
}

}  // namespace

std::vector<ExemptRule> RateLimitCompiler::default_exempt() {
    const uint32_t v4 = IG_FAMILY_IPV4, v6 = IG_FAMILY_IPV6;
    return {
        // PMTUD: refusing frag-needed makes path-MTU black holes (RFC 1191, RFC-NOTES §5.5)
        exempt_rule(v4, 3, 4),
        // PMTUD for IPv6: refusing Packet Too Big makes black holes (RFC 8201)
        exempt_rule(v6, 2),
        // The rest are on-link only: the classifier already refuses them unless hop limit is 255
        // (or 1 for MRD) / the source is link-local, so an off-link attacker cannot send them, and
        // limiting them risks breaking neighbour discovery and multicast on the link.
        exempt_rule(v6, 130),  // MLD query: link-local source required
        exempt_rule(v6, 131),  // MLDv1 report: link-local or :: source required
        exempt_rule(v6, 132),  // MLD done: link-local or :: source required
        exempt_rule(v6, 143),  // MLDv2 report: link-local or :: source required
        exempt_rule(v6, 133),  // ND router solicitation: hop limit 255
        exempt_rule(v6, 134),  // ND router advertisement: hop limit 255, link-local source
        exempt_rule(v6, 135),  // ND neighbour solicitation: hop limit 255 (address resolution, DAD)
        exempt_rule(v6, 136),  // ND neighbour advertisement: hop limit 255
        // not 137 (redirect): a host works without redirects, so a flood of them may be limited
        exempt_rule(v6, 141),  // inverse ND solicitation: hop limit 255
        exempt_rule(v6, 142),  // inverse ND advertisement: hop limit 255
        exempt_rule(v6, 148),  // SEND certification path solicitation: hop limit 255
        exempt_rule(v6, 149),  // SEND certification path advertisement: hop limit 255
        exempt_rule(v6, 151),  // MRD advertisement: link-local source, hop limit 1
        exempt_rule(v6, 152),  // MRD solicitation: link-local source, hop limit 1
        exempt_rule(v6, 153),  // MRD termination: link-local source, hop limit 1
    };
}

Expected<RateLimits> RateLimitCompiler::compile(const RateLimitConfig& config, unsigned possible_cpus) {
    RateLimits out;
    ig_rl_params& p = out.params;
    p.flags = config.enabled ? IG_RL_F_ENABLED : 0;

    // The parser enforces these ranges; checked again because a config may be built by hand.
    if (auto r = check_range(config, "ipv4_prefix", config.ipv4_prefix, 8, 32); !r) return r.error();
    if (auto r = check_range(config, "ipv6_prefix", config.ipv6_prefix, 16, 128); !r) return r.error();
    if (auto r = check_range(config, "sources", config.sources, 1, 16777216); !r) return r.error();

    // the data plane ANDs the source address with these, word by word, in network order
    p.ip4_mask = htonl(word_mask(static_cast<int>(config.ipv4_prefix)));
    for (int i = 0; i < 4; ++i) p.ip6_mask[i] = htonl(word_mask(static_cast<int>(config.ipv6_prefix) - 32 * i));

    auto echo = rate_of(config, config.echo_per_source_pps, config.echo_per_source_burst, "echo_per_source_pps",
                        "echo_per_source_burst");
    if (!echo) return echo.error();
    auto other = rate_of(config, config.per_source_pps, config.per_source_burst, "per_source_pps", "per_source_burst");
    if (!other) return other.error();
    p.per_source[IG_RL_ECHO] = *echo;
    p.per_source[IG_RL_OTHER] = *other;

    // total_pps is per class: echo and other each get their own bucket at that
    // rate, never one shared budget (RFC-NOTES §5.4 rule 4: a flood of one
    // class must not silence the other).
    auto total = rate_of(config, config.total_pps, config.total_burst, "total_pps", "total_burst");
    if (!total) return total.error();
    p.total[IG_RL_ECHO] = *total;
    p.total[IG_RL_OTHER] = *total;

    // New sources: each CPU has its own bucket (rl_new_sources is per-CPU, no
    // shared write on the insert path), so the total is split evenly; burst =
    // one second of that CPU's share. An RSS queue that gets more than its share
    // runs out first, which only delays new sources, never known ones.
    const unsigned cpus = std::max(1u, possible_cpus);
    const uint64_t new_total =
        config.new_sources_pps ? config.new_sources_pps : std::max<uint64_t>(1, config.sources / 8);
    const uint64_t per_cpu = std::max<uint64_t>(1, new_total / cpus);
    const std::string new_key = config.new_sources_pps ? "new_sources_pps" : "sources";
    auto fresh = rate_of(config, per_cpu, per_cpu, new_key, new_key);
    if (!fresh) return fresh.error();
    p.new_sources = *fresh;

    // The maybe-known filter forgets a source silent for one to two periods;
    // one period is the LRU's turnover under a flood at the full budget
    // (sources / new sources a second), so it forgets no sooner than the LRU
    // would evict. Clamped to 1..60 s.
    const uint64_t turnover_s = std::clamp<uint64_t>(config.sources / new_total, 1, 60);
    p.filter_period_ns = turnover_s * 1000000000ull;

    for (const TypeCeiling& c : config.types) {
        ig_rl_rate r{};
        const uint64_t burst = c.burst ? c.burst : c.pps;
        if (c.family >= IG_ICMP_FAMILIES || c.pps == 0 || !ig_rl_rate_from_pps(c.pps, burst, &r))
            return Error(EINVAL, c.where.str() + ": rate_limit.types." + std::string(family_label(c.family)) +
                                     ".\"" + c.key + "\": " + rate_range_message(c.pps, burst));
        out.type_rates[c.family * IG_ICMP_TYPES + c.type] = r;
    }

    for (const ExemptRule& e : config.exempt ? *config.exempt : default_exempt()) {
        if (e.family >= IG_ICMP_FAMILIES) continue;  // the parser only makes ipv4 / ipv6
        uint8_t* row = &out.exempt[(e.family * IG_ICMP_TYPES + e.type) * IG_ICMP_CODES];
        if (e.code) row[*e.code] = 1;
        else std::fill(row, row + IG_ICMP_CODES, uint8_t{1});  // no code: every code of the type
    }

    out.sources = config.sources;
    return out;
}

uint32_t prefix_len_of_ip4_mask(uint32_t mask_be) {
    return static_cast<uint32_t>(std::countl_one(ntohl(mask_be)));
}

uint32_t prefix_len_of_ip6_mask(const uint32_t mask_be[4]) {
    uint32_t len = 0;
    for (int i = 0; i < 4; ++i) {
        const uint32_t ones = static_cast<uint32_t>(std::countl_one(ntohl(mask_be[i])));
        len += ones;
        if (ones < 32) break;  // a prefix mask: nothing after the first partial word
    }
    return len;
}

namespace {

// The rate the data plane enforces, back in pps: 1e9 / interval, rounded.
// At high rates the whole-ns interval makes this differ from what was
// configured (700,000,000 pps is a 1 ns interval), which is worth seeing.
uint64_t pps_of(const ig_rl_rate& r) { return r.interval_ns ? (1000000000ull + r.interval_ns / 2) / r.interval_ns : 0; }
uint64_t burst_of(const ig_rl_rate& r) { return r.interval_ns ? r.tolerance_ns / r.interval_ns + 1 : 0; }

std::string rate_text(const ig_rl_rate& r) {
    if (!r.interval_ns) return "no limit";
    return std::to_string(pps_of(r)) + " pps, burst " + std::to_string(burst_of(r));
}

// One family's exemptions: whole types by name, single codes as TYPE/CODE,
// and a count when a type has many (but not all) codes exempt.
std::string exempt_text(const RateLimits& l, uint32_t family) {
    std::string out;
    auto add = [&out](const std::string& s) { out += (out.empty() ? "" : ", ") + s; };
    for (uint32_t type = 0; type < IG_ICMP_TYPES; ++type) {
        const auto t = static_cast<uint8_t>(type);
        std::vector<uint8_t> codes;
        for (uint32_t code = 0; code < IG_ICMP_CODES; ++code)
            if (l.is_exempt(family, t, static_cast<uint8_t>(code))) codes.push_back(static_cast<uint8_t>(code));
        const std::string name = icmp_type_label(family, t);
        if (codes.size() == IG_ICMP_CODES) add(name);
        else if (codes.size() > 4) add(name + " (" + std::to_string(codes.size()) + " codes)");
        else
            for (uint8_t c : codes) add(name + "/" + icmp_code_label(family, t, c));
    }
    return out.empty() ? "none" : out;
}

}  // namespace

std::string render_rate_limits(const RateLimits& l) {
    std::ostringstream out;
    const ig_rl_params& p = l.params;
    if (!(p.flags & IG_RL_F_ENABLED)) {
        out << "rate limit: off (enabled = false): nothing is limited\n";
        return out.str();
    }
    out << "rate limit: on\n";
    out << "  sources:       ipv4 /" << prefix_len_of_ip4_mask(p.ip4_mask) << ", ipv6 /"
        << prefix_len_of_ip6_mask(p.ip6_mask) << ", up to " << l.sources << " tracked\n";
    out << "  per source:    echo " << rate_text(p.per_source[IG_RL_ECHO]) << "; other "
        << rate_text(p.per_source[IG_RL_OTHER]) << "\n";
    out << "  total:         echo " << rate_text(p.total[IG_RL_ECHO]) << "; other "
        << rate_text(p.total[IG_RL_OTHER]) << "\n";
    // per CPU: compile() split the host's budget evenly (rl_new_sources is per-CPU)
    out << "  new sources:   " << pps_of(p.new_sources) << " a second per CPU, burst " << burst_of(p.new_sources)
        << "\n";
    std::string ceilings;
    for (uint32_t family = 0; family < IG_ICMP_FAMILIES; ++family)
        for (uint32_t type = 0; type < IG_ICMP_TYPES; ++type) {
            const ig_rl_rate& r = l.type_rate(family, static_cast<uint8_t>(type));
            if (r.interval_ns)
                ceilings += "    " + std::string(family_label(family)) + " " +
                            icmp_type_label(family, type) + ": " + rate_text(r) + "\n";
        }
    out << "  type ceilings: " << (ceilings.empty() ? "none\n" : "\n" + ceilings);
    out << "  exempt ipv4:   " << exempt_text(l, IG_FAMILY_IPV4) << "\n";
    out << "  exempt ipv6:   " << exempt_text(l, IG_FAMILY_IPV6) << "\n";
    return out.str();
}

}  // namespace icmpguard
