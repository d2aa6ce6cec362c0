// RateLimits: the [rate_limit] config compiled into exactly what the data
// plane reads (ig_rl_params, the per-type ceilings, the per-code exemption
// flags). RateLimitCompiler is pure: no I/O, the CPU count is an argument.
// PolicyWriter writes the result into the inactive policy side together with
// the policy table, so limits flip atomically with the policy.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"

extern "C" {
#include "icmpguard/abi.h"
}

namespace icmpguard {

struct RateLimits {
    ig_rl_params params{};                 // flags 0: limiter off
    std::vector<ig_rl_rate> type_rates;    // [family * IG_ICMP_TYPES + type]; interval 0 = none
    std::vector<uint8_t> exempt;           // [(family * IG_ICMP_TYPES + type) * IG_ICMP_CODES + code]: 1 = never limited
    uint32_t sources = IG_RL_SOURCES_DEFAULT;  // rl_sources capacity (load-time)

    RateLimits();  // everything off, nothing exempt
    bool is_exempt(uint32_t family, uint8_t type, uint8_t code) const {
        return exempt[(family * IG_ICMP_TYPES + type) * IG_ICMP_CODES + code] != 0;
    }
    const ig_rl_rate& type_rate(uint32_t family, uint8_t type) const {
        return type_rates[family * IG_ICMP_TYPES + type];
    }
};

class RateLimitCompiler {
public:
    // The exemptions used when the config does not list its own.
    static std::vector<ExemptRule> default_exempt();
    // Errors name file:line:col of the offending key (a rate that could
    // overflow, a prefix out of range).
    static Expected<RateLimits> compile(const RateLimitConfig& config, unsigned possible_cpus);
};

// The prefix length a mask in ig_rl_params encodes (for display).
uint32_t prefix_len_of_ip4_mask(uint32_t mask_be);
uint32_t prefix_len_of_ip6_mask(const uint32_t mask_be[4]);

// A short human summary of compiled limits (for `icmpguard check`): on/off,
// prefixes, per-source and total rates, the per-CPU new-source budget, the
// per-type ceilings by nft name, the exemptions.
std::string render_rate_limits(const RateLimits& limits);

}  // namespace icmpguard
