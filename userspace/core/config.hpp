// Config: the daemon's configuration as plain data, as parsed from TOML by
// ConfigParser (config_parser.hpp) and compiled into maps by
// PolicyCompiler. Every value remembers where it came from, so later
// checks (the must-not-drop guard) can still name file, line and column.
#pragma once

#include <cstdint>
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

struct MetricsConfig {
    std::string listen;  // "host:port"; empty disables the endpoint
};

struct Config {
    std::string path;
    std::vector<InterfaceConfig> interfaces;
    PolicyConfig policy;
    EchoConfig echo;
    MetricsConfig metrics;
};

std::string to_string(Preset preset);
std::string to_string(PolicyMode mode);

}  // namespace icmpguard
