// ConfigParser: TOML text -> Config, or an Error whose message starts with
// "FILE:LINE:COL:" and names the key and what is wrong with it. The only
// place toml++ is used. Pure: no maps, no interfaces are touched, so
// `icmpguard check` and `icmpguard run` validate identically.
//
// Accepted keys (docs/cli.md, CONFIGURATION, is the contract):
//   [[interface]] name, mode = auto|native|generic
//   [policy] preset = rfc4890|permissive|strict, mode = enforce|shadow
//   [policy.ipv4] / [policy.ipv6] "TYPE" or "TYPE/CODE" = ACTION
//                 or = { action = ACTION, force = true }
//   [echo] reply = bool, ttl = 1..255
//   [rate_limit] enabled = bool; echo_per_source_pps, per_source_pps,
//                total_pps = 0..1e9 (0: no limit), new_sources_pps = 0..1e9
//                (0: sources / 8);
//                *_burst = 0..1e9 (0: one second's worth); ipv4_prefix 8..32,
//                ipv6_prefix 16..128, sources 1..16777216
//   [rate_limit.types.ipv4] / [.ipv6] "TYPE" = PPS or = { pps = N, burst = M }
//   [rate_limit.exempt] ipv4 = ["TYPE" or "TYPE/CODE", ...], ipv6 = [...]
//   [metrics] listen = "host:port", "[v6]:port" or ""
// Entries are taken in file order; two spellings of one rule are an error.
#pragma once

#include <string>
#include <string_view>

#include "core/config.hpp"
#include "core/error.hpp"

namespace icmpguard {

class ConfigParser {
public:
    static Expected<Config> parse_file(const std::string& path);
    // `path` is only used in messages.
    static Expected<Config> parse_text(std::string_view text, const std::string& path);
};

}  // namespace icmpguard
