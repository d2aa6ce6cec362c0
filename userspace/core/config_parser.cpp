#include "core/config_parser.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <set>
#include <sstream>

#include <toml++/toml.h>

extern "C" {
#include "icmpguard/abi.h"
}

#include "core/names.hpp"

namespace icmpguard {

std::string SourceLocation::str() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string to_string(Preset preset) {
    switch (preset) {
    case Preset::Rfc4890: return "rfc4890";
    case Preset::Permissive: return "permissive";
    case Preset::Strict: return "strict";
    }
    return "?";
}

std::string to_string(PolicyMode mode) { return mode == PolicyMode::Shadow ? "shadow" : "enforce"; }

namespace {

// The kernel's dev_valid_name(): what can name an interface at all.
bool valid_interface_name(const std::string& n) {
    if (n.empty() || n.size() > 15 || n == "." || n == "..") return false;
    for (unsigned char c : n)
        if (c == '/' || c == ':' || std::isspace(c)) return false;
    return true;
}

// "host:port" or "[v6]:port", port 1-65535, host non-empty.
bool valid_listen(const std::string& s) {
    auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 >= s.size() || s.size() - colon - 1 > 5) return false;
    std::string host = s.substr(0, colon), port = s.substr(colon + 1);
    if (port.find_first_not_of("0123456789") != std::string::npos) return false;
    int p = std::stoi(port);
    if (p < 1 || p > 65535) return false;
    if (host.front() == '[') return host.size() > 2 && host.back() == ']';
    return host.find(':') == std::string::npos;  // a bare IPv6 address needs brackets
}

// Everything parse_* needs to say where a problem is.
class Parser {
public:
    explicit Parser(std::string path) : path_(std::move(path)) {}

    Expected<Config> parse(const toml::table& root);

private:
    SourceLocation at(const toml::source_region& r) const {
        return SourceLocation{path_, static_cast<uint32_t>(r.begin.line),
                              static_cast<uint32_t>(r.begin.column)};
    }
    Error error(const toml::source_region& r, const std::string& msg) const {
        return Error(EINVAL, at(r).str() + ": " + msg);
    }
    static std::string type_name(const toml::node& n) {
        std::ostringstream s;
        s << n.type();
        return s.str();
    }
    Error wrong_type(const std::string& key, const toml::node& n, const char* want) const {
        return error(n.source(), key + ": expected " + want + ", got " + type_name(n));
    }
    // A table's entries in file order: toml++ keeps tables sorted by key, so
    // without this "first error" and rule order would depend on spelling.
    static std::vector<std::pair<const toml::key*, const toml::node*>> in_file_order(const toml::table& t) {
        std::vector<std::pair<const toml::key*, const toml::node*>> out;
        for (auto&& [k, v] : t) out.emplace_back(&k, &v);
        std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
            const auto &x = a.first->source().begin, &y = b.first->source().begin;
            return x.line != y.line ? x.line < y.line : x.column < y.column;
        });
        return out;
    }
    // Unknown keys are errors: a typo must not silently do nothing.
    Expected<void> only_keys(const toml::table& t, const std::string& where,
                             std::initializer_list<std::string_view> allowed) const {
        for (auto [kp, vp] : in_file_order(t)) {
            const toml::key& k = *kp;
            bool ok = false;
            for (auto a : allowed) ok = ok || k.str() == a;
            if (!ok) {
                std::string list;
                for (auto a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
                return error(k.source(), "unknown key \"" + std::string(k.str()) + "\" in " + where +
                                             " (expected one of: " + list + ")");
            }
        }
        return Ok{};
    }
    Expected<std::string> string_of(const toml::node& n, const std::string& key) const {
        if (auto s = n.as_string()) return s->get();
        return wrong_type(key, n, "a string");
    }
    Expected<int64_t> integer_in(const toml::node& n, const std::string& key, int64_t lo, int64_t hi) const {
        auto i = n.as_integer();
        if (!i) return wrong_type(key, n, "an integer");
        if (i->get() < lo || i->get() > hi)
            return error(n.source(), key + ": " + std::to_string(i->get()) + " is out of range " +
                                         std::to_string(lo) + "-" + std::to_string(hi));
        return i->get();
    }
    // "TYPE" or "TYPE/CODE", nft names or numbers; `name` is the key for messages.
    struct TypeCode {
        uint8_t type = 0;
        std::optional<uint8_t> code;
    };
    Expected<TypeCode> type_code(const std::string& text, uint32_t family, const std::string& name,
                                 const toml::source_region& r) const;

    Expected<void> parse_interfaces(const toml::node& n, Config& cfg);
    Expected<void> parse_policy(const toml::node& n, Config& cfg);
    Expected<void> parse_rules(const toml::node& n, uint32_t family, const std::string& where,
                               Config& cfg);
    Expected<PolicyRule> parse_rule(const toml::key& k, const toml::node& v, uint32_t family,
                                    const std::string& where);
    Expected<void> parse_echo(const toml::node& n, Config& cfg);
    Expected<void> parse_rate_limit(const toml::node& n, Config& cfg);
    Expected<void> parse_type_ceilings(const toml::node& n, uint32_t family, const std::string& where,
                                       Config& cfg);
    Expected<void> parse_exempt(const toml::node& n, Config& cfg);
    Expected<void> parse_metrics(const toml::node& n, Config& cfg);

    std::string path_;
};

Expected<Config> Parser::parse(const toml::table& root) {
    Config cfg;
    cfg.path = path_;
    if (auto r = only_keys(root, "the top level", {"interface", "policy", "echo", "rate_limit", "metrics"}); !r)
        return r.error();
    if (auto n = root.get("interface"))
        if (auto r = parse_interfaces(*n, cfg); !r) return r.error();
    if (auto n = root.get("policy"))
        if (auto r = parse_policy(*n, cfg); !r) return r.error();
    if (auto n = root.get("echo"))
        if (auto r = parse_echo(*n, cfg); !r) return r.error();
    if (auto n = root.get("rate_limit"))
        if (auto r = parse_rate_limit(*n, cfg); !r) return r.error();
    if (auto n = root.get("metrics"))
        if (auto r = parse_metrics(*n, cfg); !r) return r.error();
    if (cfg.interfaces.empty())
        return Error(EINVAL, path_ + ":1:1: no [[interface]] configured: name at least one interface");
    return cfg;
}

Expected<void> Parser::parse_interfaces(const toml::node& n, Config& cfg) {
    const toml::array* arr = n.as_array();
    if (!arr || !arr->is_array_of_tables())
        return wrong_type("interface", n, "an array of tables ([[interface]])");
    std::set<std::string> seen;
    for (const toml::node& item : *arr) {
        const toml::table& t = *item.as_table();
        if (auto r = only_keys(t, "[[interface]]", {"name", "mode"}); !r) return r.error();
        InterfaceConfig ifc;
        ifc.where = at(t.source());
        const toml::node* name = t.get("name");
        if (!name) return error(t.source(), "[[interface]]: \"name\" is required");
        auto s = string_of(*name, "interface.name");
        if (!s) return s.error();
        if (!valid_interface_name(*s))
            return error(name->source(), "interface.name: \"" + *s +
                                             "\" is not a valid interface name (1-15 characters, not \".\" or "
                                             "\"..\", no '/', ':' or whitespace)");
        if (!seen.insert(*s).second)
            return error(name->source(), "interface.name: \"" + *s + "\" is configured twice");
        ifc.name = *s;
        if (const toml::node* mode = t.get("mode")) {
            auto m = string_of(*mode, "interface.mode");
            if (!m) return m.error();
            if (*m == "auto") ifc.mode = AttachMode::Auto;
            else if (*m == "native") ifc.mode = AttachMode::Native;
            else if (*m == "generic") ifc.mode = AttachMode::Generic;
            else
                return error(mode->source(), "interface.mode: \"" + *m +
                                                 "\" is not one of auto, native, generic");
        }
        cfg.interfaces.push_back(ifc);
    }
    return Ok{};
}

Expected<void> Parser::parse_policy(const toml::node& n, Config& cfg) {
    const toml::table* t = n.as_table();
    if (!t) return wrong_type("policy", n, "a table ([policy])");
    if (auto r = only_keys(*t, "[policy]", {"preset", "mode", "ipv4", "ipv6"}); !r) return r.error();
    if (const toml::node* p = t->get("preset")) {
        auto s = string_of(*p, "policy.preset");
        if (!s) return s.error();
        if (*s == "rfc4890") cfg.policy.preset = Preset::Rfc4890;
        else if (*s == "permissive") cfg.policy.preset = Preset::Permissive;
        else if (*s == "strict") cfg.policy.preset = Preset::Strict;
        else
            return error(p->source(), "policy.preset: \"" + *s +
                                          "\" is not one of rfc4890, permissive, strict");
    }
    if (const toml::node* m = t->get("mode")) {
        auto s = string_of(*m, "policy.mode");
        if (!s) return s.error();
        if (*s == "enforce") cfg.policy.mode = PolicyMode::Enforce;
        else if (*s == "shadow") cfg.policy.mode = PolicyMode::Shadow;
        else return error(m->source(), "policy.mode: \"" + *s + "\" is not one of enforce, shadow");
    }
    if (const toml::node* v4 = t->get("ipv4"))
        if (auto r = parse_rules(*v4, IG_FAMILY_IPV4, "policy.ipv4", cfg); !r) return r;
    if (const toml::node* v6 = t->get("ipv6"))
        if (auto r = parse_rules(*v6, IG_FAMILY_IPV6, "policy.ipv6", cfg); !r) return r;
    return Ok{};
}

Expected<void> Parser::parse_rules(const toml::node& n, uint32_t family, const std::string& where,
                                   Config& cfg) {
    const toml::table* t = n.as_table();
    if (!t) return wrong_type(where, n, "a table");
    for (auto [k, v] : in_file_order(*t)) {
        auto rule = parse_rule(*k, *v, family, where);
        if (!rule) return rule.error();
        // two spellings of one rule ("echo-request" and "8", an alias): refuse,
        // rather than let one silently override the other
        for (const PolicyRule& other : cfg.policy.rules)
            if (other.family == family && other.type == rule->type && other.code == rule->code)
                return error(k->source(), where + ".\"" + rule->key + "\": the same rule as \"" + other.key +
                                              "\" at " + other.where.str() + "; write it once");
        cfg.policy.rules.push_back(std::move(rule.value()));
    }
    return Ok{};
}

Expected<Parser::TypeCode> Parser::type_code(const std::string& text, uint32_t family, const std::string& name,
                                             const toml::source_region& r) const {
    std::string type_text = text, code_text;
    const auto slash = text.find('/');
    if (slash != std::string::npos) {
        type_text = text.substr(0, slash);
        code_text = text.substr(slash + 1);
    }
    auto type = parse_icmp_type(family, type_text);
    if (!type)
        return error(r, name + ": unknown ICMP" + std::string(family == IG_FAMILY_IPV6 ? "v6" : "") + " type \"" +
                            type_text + "\" (an nft type name or a number 0-255)");
    TypeCode tc;
    tc.type = *type;
    if (slash != std::string::npos) {
        auto code = parse_icmp_code(family, *type, code_text);
        if (!code)
            return error(r, name + ": unknown code \"" + code_text + "\" for type " +
                                icmp_type_label(family, *type) + " (a code name or a number 0-255)");
        tc.code = *code;
    }
    return tc;
}

Expected<PolicyRule> Parser::parse_rule(const toml::key& k, const toml::node& v, uint32_t family,
                                        const std::string& where) {
    PolicyRule rule;
    rule.family = family;
    rule.key = std::string(k.str());
    rule.where = at(k.source());
    const std::string name = where + ".\"" + rule.key + "\"";

    auto tc = type_code(rule.key, family, name, k.source());
    if (!tc) return tc.error();
    rule.type = tc->type;
    rule.code = tc->code;

    // ACTION or { action = ACTION, force = bool }
    const toml::node* action_node = &v;
    if (const toml::table* t = v.as_table()) {
        if (auto r = only_keys(*t, name, {"action", "force"}); !r) return r.error();
        action_node = t->get("action");
        if (!action_node) return error(v.source(), name + ": \"action\" is required");
        if (const toml::node* f = t->get("force")) {
            auto b = f->as_boolean();
            if (!b) return wrong_type(name + ".force", *f, "a boolean");
            rule.force = b->get();
        }
    } else if (!v.is_string()) {
        return wrong_type(name, v, "an action string or a table { action = ..., force = ... }");
    }
    auto action_text = string_of(*action_node, name + ".action");
    if (!action_text) return action_text.error();
    auto action = parse_action(*action_text);
    if (!action || (*action != IG_ACTION_PASS && *action != IG_ACTION_DROP && *action != IG_ACTION_REPLY))
        return error(action_node->source(), name + ": unknown action \"" + *action_text +
                                                "\" (expected pass, drop or reply)");
    rule.action = static_cast<uint8_t>(*action);
    const uint8_t echo_request = family == IG_FAMILY_IPV4 ? 8 : 128;
    if (rule.action == IG_ACTION_REPLY && rule.type != echo_request)
        return error(action_node->source(), name + ": \"reply\" is only possible for echo-request");
    return rule;
}

Expected<void> Parser::parse_echo(const toml::node& n, Config& cfg) {
    const toml::table* t = n.as_table();
    if (!t) return wrong_type("echo", n, "a table ([echo])");
    if (auto r = only_keys(*t, "[echo]", {"reply", "ttl"}); !r) return r.error();
    if (const toml::node* r = t->get("reply")) {
        auto b = r->as_boolean();
        if (!b) return wrong_type("echo.reply", *r, "a boolean");
        cfg.echo.reply = b->get();
    }
    if (const toml::node* ttl = t->get("ttl")) {
        auto i = ttl->as_integer();
        if (!i) return wrong_type("echo.ttl", *ttl, "an integer");
        if (i->get() < 1 || i->get() > 255)
            return error(ttl->source(), "echo.ttl: " + std::to_string(i->get()) + " is out of range 1-255");
        cfg.echo.ttl = static_cast<uint8_t>(i->get());
    }
    return Ok{};
}

// [rate_limit] (docs/rate-limiting.md). Bounds keep every rate convertible:
// with pps and burst at most 1e9, (burst - 1) * interval stays below the
// data plane's tolerance ceiling (2^61 ns), so compiling cannot overflow.
constexpr int64_t kMaxPps = 1000000000;
constexpr int64_t kMaxBurst = 1000000000;
constexpr int64_t kMaxSources = 16777216;  // 2^24 LRU entries: 1 GiB of kernel memory at most

Expected<void> Parser::parse_rate_limit(const toml::node& n, Config& cfg) {
    const toml::table* t = n.as_table();
    if (!t) return wrong_type("rate_limit", n, "a table ([rate_limit])");
    if (auto r = only_keys(*t, "[rate_limit]",
                           {"enabled", "echo_per_source_pps", "echo_per_source_burst", "per_source_pps",
                            "per_source_burst", "total_pps", "total_burst", "new_sources_pps", "ipv4_prefix",
                            "ipv6_prefix", "sources", "types", "exempt"});
        !r)
        return r.error();
    RateLimitConfig& rl = cfg.rate_limit;
    // The integer keys: where each goes and what range it accepts.
    struct Scalar {
        std::string_view key;
        uint64_t* u64;
        uint32_t* u32;
        int64_t lo, hi;
    };
    const Scalar scalars[] = {
        {"echo_per_source_pps", &rl.echo_per_source_pps, nullptr, 0, kMaxPps},
        {"echo_per_source_burst", &rl.echo_per_source_burst, nullptr, 0, kMaxBurst},
        {"per_source_pps", &rl.per_source_pps, nullptr, 0, kMaxPps},
        {"per_source_burst", &rl.per_source_burst, nullptr, 0, kMaxBurst},
        {"total_pps", &rl.total_pps, nullptr, 0, kMaxPps},
        {"total_burst", &rl.total_burst, nullptr, 0, kMaxBurst},
        {"new_sources_pps", &rl.new_sources_pps, nullptr, 0, kMaxPps},
        {"ipv4_prefix", nullptr, &rl.ipv4_prefix, 8, 32},
        {"ipv6_prefix", nullptr, &rl.ipv6_prefix, 16, 128},
        {"sources", nullptr, &rl.sources, 1, kMaxSources},
    };
    // in file order, so the first mistake in the file is the one reported
    for (auto [k, v] : in_file_order(*t)) {
        const std::string key(k->str()), name = "rate_limit." + key;
        if (key == "types") {
            const toml::table* types = v->as_table();
            if (!types) return wrong_type(name, *v, "a table ([rate_limit.types.ipv4] / [rate_limit.types.ipv6])");
            if (auto r = only_keys(*types, "[rate_limit.types]", {"ipv4", "ipv6"}); !r) return r.error();
            for (auto [fk, fv] : in_file_order(*types)) {
                const uint32_t family = fk->str() == "ipv4" ? IG_FAMILY_IPV4 : IG_FAMILY_IPV6;
                if (auto r = parse_type_ceilings(*fv, family, name + "." + std::string(fk->str()), cfg); !r)
                    return r;
            }
            continue;
        }
        if (key == "exempt") {
            if (auto r = parse_exempt(*v, cfg); !r) return r;
            continue;
        }
        rl.where[key] = at(k->source());
        if (key == "enabled") {
            auto b = v->as_boolean();
            if (!b) return wrong_type(name, *v, "a boolean");
            rl.enabled = b->get();
            continue;
        }
        for (const Scalar& sc : scalars) {
            if (sc.key != key) continue;
            auto i = integer_in(*v, name, sc.lo, sc.hi);
            if (!i) return i.error();
            if (sc.u64) *sc.u64 = static_cast<uint64_t>(*i);
            else *sc.u32 = static_cast<uint32_t>(*i);
        }
    }
    return Ok{};
}

// [rate_limit.types.ipv4] / [rate_limit.types.ipv6]: "TYPE" = PPS or { pps, burst }.
Expected<void> Parser::parse_type_ceilings(const toml::node& n, uint32_t family, const std::string& where,
                                           Config& cfg) {
    const toml::table* t = n.as_table();
    if (!t) return wrong_type(where, n, "a table");
    for (auto [k, v] : in_file_order(*t)) {
        TypeCeiling c;
        c.family = family;
        c.key = std::string(k->str());
        c.where = at(k->source());
        const std::string name = where + ".\"" + c.key + "\"";
        // the data plane keeps one ceiling per (family, type): no per-code buckets
        if (c.key.find('/') != std::string::npos)
            return error(k->source(), name + ": a ceiling applies to a whole type; codes are not allowed here");
        auto tc = type_code(c.key, family, name, k->source());
        if (!tc) return tc.error();
        c.type = tc->type;
        if (const toml::table* vt = v->as_table()) {
            if (auto r = only_keys(*vt, name, {"pps", "burst"}); !r) return r.error();
            const toml::node* pps = vt->get("pps");
            if (!pps) return error(v->source(), name + ": \"pps\" is required");
            auto p = integer_in(*pps, name + ".pps", 1, kMaxPps);
            if (!p) return p.error();
            c.pps = static_cast<uint64_t>(*p);
            if (const toml::node* burst = vt->get("burst")) {
                auto b = integer_in(*burst, name + ".burst", 0, kMaxBurst);
                if (!b) return b.error();
                c.burst = static_cast<uint64_t>(*b);
            }
        } else if (v->is_integer()) {
            auto p = integer_in(*v, name, 1, kMaxPps);  // 0 would be "no ceiling": leave the type out
            if (!p) return p.error();
            c.pps = static_cast<uint64_t>(*p);
        } else {
            return wrong_type(name, *v, "an integer (pps) or a table { pps = ..., burst = ... }");
        }
        // two spellings of one type ("destination-unreachable" and "3"): refuse
        for (const TypeCeiling& other : cfg.rate_limit.types)
            if (other.family == family && other.type == c.type)
                return error(k->source(), name + ": the same type as \"" + other.key + "\" at " +
                                              other.where.str() + "; write it once");
        cfg.rate_limit.types.push_back(std::move(c));
    }
    return Ok{};
}

// [rate_limit.exempt] ipv4 = ["TYPE" or "TYPE/CODE", ...], ipv6 = [...]. The
// table replaces the built-in list: a family without a list exempts nothing.
Expected<void> Parser::parse_exempt(const toml::node& n, Config& cfg) {
    const toml::table* t = n.as_table();
    if (!t) return wrong_type("rate_limit.exempt", n, "a table ([rate_limit.exempt])");
    if (auto r = only_keys(*t, "[rate_limit.exempt]", {"ipv4", "ipv6"}); !r) return r.error();
    std::vector<ExemptRule> rules;
    for (auto [k, v] : in_file_order(*t)) {
        const uint32_t family = k->str() == "ipv4" ? IG_FAMILY_IPV4 : IG_FAMILY_IPV6;
        const std::string list_name = "rate_limit.exempt." + std::string(k->str());
        const toml::array* arr = v->as_array();
        if (!arr) return wrong_type(list_name, *v, "an array of strings (\"TYPE\" or \"TYPE/CODE\")");
        for (size_t i = 0; i < arr->size(); ++i) {
            const toml::node& item = *arr->get(i);
            const std::string name = list_name + "[" + std::to_string(i) + "]";
            auto text = string_of(item, name);
            if (!text) return text.error();
            auto tc = type_code(*text, family, name, item.source());
            if (!tc) return tc.error();
            ExemptRule rule{family, tc->type, tc->code, *text, at(item.source())};
            for (const ExemptRule& other : rules)
                if (other.family == family && other.type == rule.type && other.code == rule.code)
                    return error(item.source(), name + ": \"" + rule.key + "\" is the same as \"" + other.key +
                                                    "\" at " + other.where.str() + "; write it once");
            rules.push_back(std::move(rule));
        }
    }
    cfg.rate_limit.exempt = std::move(rules);
    return Ok{};
}

Expected<void> Parser::parse_metrics(const toml::node& n, Config& cfg) {
    const toml::table* t = n.as_table();
    if (!t) return wrong_type("metrics", n, "a table ([metrics])");
    if (auto r = only_keys(*t, "[metrics]", {"listen"}); !r) return r.error();
    if (const toml::node* l = t->get("listen")) {
        auto s = string_of(*l, "metrics.listen");
        if (!s) return s.error();
        if (!s->empty() && !valid_listen(*s))
            return error(l->source(), "metrics.listen: \"" + *s +
                                          "\" is not host:port or [ipv6]:port (port 1-65535), or \"\" to disable");
        cfg.metrics.listen = *s;
    }
    return Ok{};
}

}  // namespace

Expected<Config> ConfigParser::parse_text(std::string_view text, const std::string& path) {
    toml::table root;
    try {
        root = toml::parse(text, path);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        return Error(EINVAL, path + ":" + std::to_string(b.line) + ":" + std::to_string(b.column) +
                                 ": " + std::string(e.description()));
    }
    return Parser(path).parse(root);
}

Expected<Config> ConfigParser::parse_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return Error::from_errno(errno, path);
    std::stringstream buf;
    buf << in.rdbuf();
    return parse_text(buf.str(), path);
}

}  // namespace icmpguard
