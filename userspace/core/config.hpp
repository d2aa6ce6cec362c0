// Config: the daemon's configuration as plain data, as parsed from TOML by
// ConfigParser (config_parser.hpp) and compiled into maps by
// PolicyCompiler. Every value remembers where it came from, so later
// checks (the must-not-drop guard) can still name file, line and column.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/datapath.hpp"

namespace icmpguard {

struct SourceLocation {
    std::string file;
    uint32_t line = 0;
    uint32_t column = 0;
    std::string str() const;  // "file:line:col"
};

struct InterfaceConfig {
    std::string name;
    AttachMode mode = AttachMode::Auto;
    SourceLocation where;
};

enum class Preset { Rfc4890, Permissive, Strict };
enum class PolicyMode { Enforce, Shadow };

// One override: "TYPE" or "TYPE/CODE" = action, in [policy.ipv4] / [policy.ipv6].
struct PolicyRule {
    uint32_t family = 0;            // IG_FAMILY_IPV4 / IG_FAMILY_IPV6
    uint8_t type = 0;
    std::optional<uint8_t> code;    // unset: every code of the type
    uint8_t action = 0;             // ig_action (pass, drop, reply)
    bool force = false;             // allow dropping what RFC 4890 says must not be dropped
    std::string key;                // as written, for messages
    SourceLocation where;
};

struct PolicyConfig {
    Preset preset = Preset::Rfc4890;
    PolicyMode mode = PolicyMode::Enforce;
    std::vector<PolicyRule> rules;  // in file order
};

struct EchoConfig {
    bool reply = true;   // answer echo requests in XDP (restart-class)
    uint8_t ttl = 64;    // reply TTL / hop limit, 1..255 (restart-class)
};

// A per-type aggregate ceiling: [rate_limit.types.ipv4] "TYPE" = PPS, or
// "TYPE" = { pps = N, burst = M }.
struct TypeCeiling {
    uint32_t family = 0;  // IG_FAMILY_IPV4 / IG_FAMILY_IPV6
    uint8_t type = 0;
    uint64_t pps = 0;
    uint64_t burst = 0;   // 0: one second's worth (= pps)
    std::string key;      // as written, for messages
    SourceLocation where;
};

// A (family, type[, code]) that no limiter ever refuses, from [rate_limit.exempt].
struct ExemptRule {
    uint32_t family = 0;
    uint8_t type = 0;
    std::optional<uint8_t> code;  // unset: every code of the type
    std::string key;
    SourceLocation where;
};

// [rate_limit]: docs/rate-limiting.md. Rates are packets per second; a burst
// of 0 means one second's worth. pps 0 means "no limit" for that budget.
struct RateLimitConfig {
    bool enabled = true;
    uint64_t echo_per_source_pps = 1000;   // echo requests, per source prefix
    uint64_t echo_per_source_burst = 0;
    uint64_t per_source_pps = 200;         // other ICMP passed to the kernel, per source prefix
    uint64_t per_source_burst = 0;
    uint64_t total_pps = 100000;           // aggregate, each class (echo / other) separately
    uint64_t total_burst = 0;
    uint32_t ipv4_prefix = 32;             // 8..32
    uint32_t ipv6_prefix = 64;             // 16..128
    uint32_t sources = 65536;              // LRU capacity (restart-class)
    uint64_t new_sources_pps = 0;          // sources added per second, all CPUs; 0: sources / 8
    std::vector<TypeCeiling> types;        // in file order
    // The exemption list; unset: the built-in default (PMTUD, on-link ND/MLD/MRD/SEND).
    std::optional<std::vector<ExemptRule>> exempt;
    // Where each scalar key was written ("total_pps" -> file:line:col of the
    // key), so the compiler can place its errors; absent: the default was used.
    std::map<std::string, SourceLocation> where;
};

struct MetricsConfig {
    std::string listen;  // "host:port"; empty disables the endpoint
};

struct Config {
    std::string path;
    std::vector<InterfaceConfig> interfaces;
    PolicyConfig policy;
    EchoConfig echo;
    RateLimitConfig rate_limit;
    MetricsConfig metrics;
};

std::string to_string(Preset preset);
std::string to_string(PolicyMode mode);

}  // namespace icmpguard
