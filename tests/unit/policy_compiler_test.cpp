// PolicyCompiler: presets against the host defaults of RFC-NOTES §1 and §2
// (rl-pass counts as pass until the limiter exists), rule resolution, the
// must-not-drop guard, shadow mode, render_policy, and docs/policy.md's
// preset tables against preset_table().
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include "icmpguard/abi.h"
}

#include "core/config_parser.hpp"
#include "core/names.hpp"
#include "core/policy_compiler.hpp"

namespace icmpguard {
namespace {

constexpr uint32_t kV4 = IG_FAMILY_IPV4;
constexpr uint32_t kV6 = IG_FAMILY_IPV6;
constexpr uint8_t kPass = IG_ACTION_PASS;
constexpr uint8_t kDrop = IG_ACTION_DROP;
constexpr uint8_t kReply = IG_ACTION_REPLY;
constexpr const char* kIface = "[[interface]]\nname = \"eth0\"\n";

const char* fam(uint32_t family) { return family == kV4 ? "ipv4" : "ipv6"; }

Config parse(const std::string& text) {
    auto cfg = ConfigParser::parse_text(text, "test.toml");
    EXPECT_TRUE(cfg.has_value()) << cfg.error().message() << "\n--- text ---\n" << text;
    return cfg ? cfg.value() : Config{};
}

Expected<CompiledPolicy> compile_text(const std::string& text) { return PolicyCompiler::compile(parse(text)); }

// kIface, then `body` (which starts on line 3).
CompiledPolicy compile_ok(const std::string& body) {
    auto p = compile_text(kIface + body);
    EXPECT_TRUE(p.has_value()) << p.error().message() << "\n--- body ---\n" << body;
    return p ? p.value() : CompiledPolicy{};
}

std::string compile_error(const std::string& body) {
    auto p = compile_text(kIface + body);
    EXPECT_FALSE(p.has_value()) << "expected the guard to refuse:\n" << body;
    if (p) return "";
    EXPECT_EQ(p.error().code(), EINVAL);
    return p.error().message();
}

// The action of every code of a type, or nullopt when the codes differ.
std::optional<uint8_t> uniform(const PolicyTable& t, uint32_t family, int type) {
    uint8_t a = t.action(family, static_cast<uint8_t>(type), 0);
    for (int c = 1; c <= 255; ++c)
        if (t.action(family, static_cast<uint8_t>(type), static_cast<uint8_t>(c)) != a) return std::nullopt;
    return a;
}

// Expected per-type actions, written from the RFC-NOTES tables: a default
// and the types that differ from it.
using TypeActions = std::map<int, uint8_t>;
void set(TypeActions& m, int first, int last, uint8_t action) {
    for (int t = first; t <= last; ++t) m[t] = action;
}
TypeActions all(uint8_t action) {
    TypeActions m;
    set(m, 0, 255, action);
    return m;
}

void expect_table(const PolicyTable& t, uint32_t family, const TypeActions& want) {
    ASSERT_EQ(want.size(), 256u);
    for (const auto& [type, action] : want) {
        auto got = uniform(t, family, type);
        ASSERT_TRUE(got.has_value()) << fam(family) << " type " << type << ": codes differ in a preset";
        EXPECT_EQ(int(*got), int(action)) << fam(family) << " type " << type << " ("
                                          << icmp_type_label(family, type) << "): want " << action_label(action)
                                          << ", got " << action_label(*got);
    }
}

// RFC-NOTES §1 "Host default", rl-pass = pass.
TypeActions rfc4890_v4() {
    TypeActions m = all(kDrop);  // unassigned, deprecated, reserved, experimental: drop (RFC 1122 §3.2.2)
    m[0] = kPass;                // echo-reply
    m[3] = kPass;                // destination-unreachable (rl-pass; code 4 never limited)
    m[8] = kReply;               // echo-request
    m[11] = kPass;               // time-exceeded (rl-pass)
    m[12] = kPass;               // parameter-problem (rl-pass)
    return m;
}

// RFC-NOTES §2 "Host default", rl-pass = pass. Type 0 has no row there:
// reserved, dropped.
TypeActions rfc4890_v6() {
    TypeActions m = all(kDrop);
    set(m, 1, 4, kPass);      // 1, 2 MND; 3, 4 rl-pass / pass
    set(m, 5, 99, kPass);     // unallocated errors: RFC 4443 §2.4(a)
    set(m, 102, 126, kPass);  // unallocated errors
    m[128] = kReply;
    m[129] = kPass;
    set(m, 130, 136, kPass);  // MLD, ND
    set(m, 141, 143, kPass);  // IND, MLDv2
    set(m, 148, 149, kPass);  // SEND
    set(m, 151, 153, kPass);  // MRD
    return m;
}

TypeActions strict_v4() {
    TypeActions m = all(kDrop);
    for (int t : {0, 3, 11, 12}) m[t] = kPass;
    m[8] = kReply;
    return m;
}

TypeActions strict_v6() {
    TypeActions m = all(kDrop);
    set(m, 1, 4, kPass);
    m[128] = kReply;
    m[129] = kPass;
    set(m, 130, 136, kPass);
    set(m, 141, 143, kPass);
    set(m, 148, 149, kPass);
    set(m, 151, 153, kPass);
    return m;
}

TypeActions permissive(uint8_t echo_request) {
    TypeActions m = all(kPass);
    m[echo_request] = kReply;
    return m;
}

// ---------------------------------------------------------------- presets

TEST(PresetTable, Rfc4890Ipv4) { expect_table(PolicyCompiler::preset_table(Preset::Rfc4890), kV4, rfc4890_v4()); }
TEST(PresetTable, Rfc4890Ipv6) { expect_table(PolicyCompiler::preset_table(Preset::Rfc4890), kV6, rfc4890_v6()); }
TEST(PresetTable, PermissiveIpv4) {
    expect_table(PolicyCompiler::preset_table(Preset::Permissive), kV4, permissive(8));
}
TEST(PresetTable, PermissiveIpv6) {
    expect_table(PolicyCompiler::preset_table(Preset::Permissive), kV6, permissive(128));
}
TEST(PresetTable, StrictIpv4) { expect_table(PolicyCompiler::preset_table(Preset::Strict), kV4, strict_v4()); }
TEST(PresetTable, StrictIpv6) { expect_table(PolicyCompiler::preset_table(Preset::Strict), kV6, strict_v6()); }

TEST(PresetTable, Rfc4890SpotChecks) {
    const PolicyTable t = PolicyCompiler::preset_table(Preset::Rfc4890);
    EXPECT_EQ(t.action(kV4, 8, 0), kReply);    // echo-request
    EXPECT_EQ(t.action(kV4, 0, 0), kPass);     // echo-reply
    EXPECT_EQ(t.action(kV4, 3, 4), kPass);     // frag-needed: PMTUD
    EXPECT_EQ(t.action(kV4, 3, 3), kPass);
    EXPECT_EQ(t.action(kV4, 4, 0), kDrop);     // source-quench, RFC 6633
    EXPECT_EQ(t.action(kV4, 5, 1), kDrop);     // redirect
    EXPECT_EQ(t.action(kV4, 13, 0), kDrop);    // timestamp-request
    EXPECT_EQ(t.action(kV4, 14, 0), kDrop);    // timestamp-reply
    EXPECT_EQ(t.action(kV4, 42, 0), kDrop);    // PROBE, RFC 8335 §8
    EXPECT_EQ(t.action(kV4, 1, 0), kDrop);     // unassigned
    EXPECT_EQ(t.action(kV6, 2, 0), kPass);     // packet-too-big
    EXPECT_EQ(t.action(kV6, 100, 0), kDrop);   // private experimentation
    EXPECT_EQ(t.action(kV6, 101, 0), kDrop);
    EXPECT_EQ(t.action(kV6, 127, 0), kDrop);   // reserved
    EXPECT_EQ(t.action(kV6, 5, 0), kPass);     // unallocated error: RFC 4443 §2.4(a)
    EXPECT_EQ(t.action(kV6, 99, 0), kPass);
    EXPECT_EQ(t.action(kV6, 128, 0), kReply);
    EXPECT_EQ(t.action(kV6, 129, 0), kPass);
    EXPECT_EQ(t.action(kV6, 137, 0), kDrop);   // nd-redirect
    EXPECT_EQ(t.action(kV6, 138, 0), kDrop);   // router-renumbering
    EXPECT_EQ(t.action(kV6, 139, 0), kDrop);   // node information
    EXPECT_EQ(t.action(kV6, 140, 0), kDrop);
    for (int type = 144; type <= 147; ++type) EXPECT_EQ(t.action(kV6, type, 0), kDrop) << type;  // Mobile IPv6
    EXPECT_EQ(t.action(kV6, 150, 0), kDrop);
    for (int type = 154; type <= 255; ++type) EXPECT_EQ(t.action(kV6, type, 0), kDrop) << type;
}

TEST(PresetTable, PresetsNeverDropWhatMustNotBeDropped) {
    for (Preset p : {Preset::Rfc4890, Preset::Permissive, Preset::Strict}) {
        const PolicyTable t = PolicyCompiler::preset_table(p);
        for (uint32_t family : {kV4, kV6})
            for (int type = 0; type <= 255; ++type)
                for (int code = 0; code <= 255; ++code)
                    if (PolicyCompiler::must_not_drop(family, type, code)) {
                        ASSERT_NE(t.action(family, type, code), kDrop)
                            << to_string(p) << " " << fam(family) << " " << type << "/" << code;
                    }
    }
}

TEST(PresetTable, ReplyOnlyForEchoRequest) {
    for (Preset p : {Preset::Rfc4890, Preset::Permissive, Preset::Strict}) {
        const PolicyTable t = PolicyCompiler::preset_table(p);
        for (uint32_t family : {kV4, kV6})
            for (int type = 0; type <= 255; ++type) {
                const bool echo = type == (family == kV4 ? 8 : 128);
                EXPECT_EQ(t.action(family, type, 0) == kReply, echo) << to_string(p) << " " << fam(family) << " " << type;
            }
    }
}

TEST(PolicyCompiler, NoRulesGivesThePresetTable) {
    for (auto [name, preset] : {std::pair{"rfc4890", Preset::Rfc4890}, std::pair{"permissive", Preset::Permissive},
                                std::pair{"strict", Preset::Strict}}) {
        CompiledPolicy p = compile_ok(std::string("[policy]\npreset = \"") + name + "\"\n");
        EXPECT_EQ(p.preset, preset);
        EXPECT_EQ(p.mode, PolicyMode::Enforce);
        const PolicyTable want = PolicyCompiler::preset_table(preset);
        for (uint32_t family : {kV4, kV6})
            for (int type = 0; type <= 255; ++type)
                ASSERT_EQ(uniform(p.table, family, type), uniform(want, family, type)) << name << " " << type;
    }
}

// ---------------------------------------------------------------- rules

TEST(PolicyCompiler, TypeRuleOverridesPreset) {
    CompiledPolicy p = compile_ok("[policy.ipv4]\n\"redirect\" = \"pass\"\n\"echo-request\" = \"drop\"\n");
    TypeActions want = rfc4890_v4();
    want[5] = kPass;
    want[8] = kDrop;
    expect_table(p.table, kV4, want);
    expect_table(p.table, kV6, rfc4890_v6());  // the other family untouched
}

TEST(PolicyCompiler, RuleOnlyAffectsItsFamily) {
    CompiledPolicy p = compile_ok("[policy.ipv6]\n\"3\" = { action = \"drop\", force = true }\n");
    EXPECT_EQ(uniform(p.table, kV6, 3), kDrop);
    EXPECT_EQ(uniform(p.table, kV4, 3), kPass);
}

TEST(PolicyCompiler, CodeRuleWinsOverTypeRuleInEitherOrder) {
    const std::string type_rule = "\"destination-unreachable\" = { action = \"drop\", force = true }\n";
    const std::string code_rule = "\"destination-unreachable/port-unreachable\" = \"pass\"\n";
    for (const std::string& rules : {type_rule + code_rule, code_rule + type_rule}) {
        SCOPED_TRACE(rules);
        CompiledPolicy p = compile_ok("[policy.ipv4]\n" + rules);
        for (int c = 0; c <= 255; ++c) EXPECT_EQ(p.table.action(kV4, 3, c), c == 3 ? kPass : kDrop) << "code " << c;
    }
    // and the other way round: pass the type, drop one code
    const std::string type_pass = "\"time-exceeded\" = \"pass\"\n";
    const std::string code_drop = "\"time-exceeded/1\" = \"drop\"\n";
    for (const std::string& rules : {type_pass + code_drop, code_drop + type_pass}) {
        SCOPED_TRACE(rules);
        CompiledPolicy p = compile_ok("[policy.ipv6]\n" + rules);
        for (int c = 0; c <= 255; ++c) EXPECT_EQ(p.table.action(kV6, 3, c), c == 1 ? kDrop : kPass) << "code " << c;
    }
}

TEST(PolicyCompiler, CodeRuleKeysSortingBeforeTheTypeRule) {
    // "3/3" sorts before "destination-unreachable" and "destination-unreachable/x"
    // after it: whatever order the rules arrive in, the code rule wins.
    CompiledPolicy a = compile_ok("[policy.ipv4]\n\"3/3\" = \"pass\"\n"
                                  "\"destination-unreachable\" = { action = \"drop\", force = true }\n");
    CompiledPolicy b = compile_ok("[policy.ipv4]\n\"destination-unreachable/port-unreachable\" = \"pass\"\n"
                                  "\"3\" = { action = \"drop\", force = true }\n");
    for (int c = 0; c <= 255; ++c) {
        EXPECT_EQ(a.table.action(kV4, 3, c), c == 3 ? kPass : kDrop) << c;
        EXPECT_EQ(b.table.action(kV4, 3, c), c == 3 ? kPass : kDrop) << c;
    }
}

TEST(PolicyCompiler, NumbersAndNamesAreEquivalent) {
    const std::pair<const char*, const char*> same[] = {
        {"[policy.ipv4]\n\"timestamp-request\" = \"pass\"\n\"destination-unreachable/port-unreachable\" = \"drop\"\n",
         "[policy.ipv4]\n\"13\" = \"pass\"\n\"3/3\" = \"drop\"\n"},
        {"[policy.ipv4]\n\"destination-unreachable/frag-needed\" = { action = \"drop\", force = true }\n",
         "[policy.ipv4]\n\"3/4\" = { action = \"drop\", force = true }\n"},
        {"[policy.ipv6]\n\"nd-redirect\" = \"pass\"\n\"destination-unreachable/admin-prohibited\" = "
         "{ action = \"drop\", force = true }\n",
         "[policy.ipv6]\n\"137\" = \"pass\"\n\"1/1\" = { action = \"drop\", force = true }\n"},
        {"[policy.ipv6]\n\"mld-listener-reduction\" = { action = \"drop\", force = true }\n",
         "[policy.ipv6]\n\"132\" = { action = \"drop\", force = true }\n"},
        {"[policy.ipv6]\n\"echo-request\" = \"pass\"\n", "[policy.ipv6]\n128 = \"pass\"\n"},
    };
    for (const auto& [names, numbers] : same) {
        SCOPED_TRACE(names);
        CompiledPolicy a = compile_ok(names), b = compile_ok(numbers);
        for (uint32_t family : {kV4, kV6})
            for (int type = 0; type <= 255; ++type)
                for (int code = 0; code <= 255; ++code)
                    ASSERT_EQ(a.table.action(family, type, code), b.table.action(family, type, code))
                        << fam(family) << " " << type << "/" << code;
    }
}

TEST(PolicyCompiler, ConflictingSpellingsOfOneTypeAreRefused) {
    // Two rules for the same type written two ways must never be resolved by
    // whichever key sorts last: the config is refused, naming both.
    auto p = ConfigParser::parse_text(std::string(kIface) + "[policy.ipv4]\n\"echo-request\" = \"reply\"\n\"8\" = \"drop\"\n",
                                      "test.toml");
    ASSERT_FALSE(p.has_value());
    EXPECT_NE(p.error().message().find("test.toml:5:1:"), std::string::npos) << p.error().message();
    EXPECT_NE(p.error().message().find("\"echo-request\" at test.toml:4:1"), std::string::npos) << p.error().message();
    auto alias = ConfigParser::parse_text(
        std::string(kIface) + "[policy.ipv6]\n\"mld-listener-done\" = \"pass\"\n\"mld-listener-reduction\" = \"pass\"\n",
        "test.toml");
    ASSERT_FALSE(alias.has_value());
    EXPECT_NE(alias.error().message().find("the same rule as"), std::string::npos) << alias.error().message();
    // a type rule and a type/code rule are different rules, not a conflict
    EXPECT_TRUE(compile_text(std::string(kIface) + "[policy.ipv4]\n\"5\" = \"drop\"\n\"5/1\" = \"pass\"\n").has_value());
}

TEST(PolicyCompiler, DroppingIpv6EchoWarns) {
    auto p = compile_text(std::string(kIface) + "[policy.ipv6]\n\"echo-request\" = \"drop\"\n");
    ASSERT_TRUE(p.has_value()) << p.error().message();
    ASSERT_EQ(p->warnings.size(), 1u);
    EXPECT_NE(p->warnings[0].find("test.toml:4:1:"), std::string::npos) << p->warnings[0];
    EXPECT_TRUE(compile_text(std::string(kIface) + "[policy.ipv4]\n\"echo-request\" = \"drop\"\n")->warnings.empty());
}

TEST(PolicyCompiler, ShadowModeCarriedThrough) {
    CompiledPolicy p = compile_ok("[policy]\npreset = \"strict\"\nmode = \"shadow\"\n[policy.ipv4]\n\"13\" = \"pass\"\n");
    EXPECT_EQ(p.mode, PolicyMode::Shadow);
    EXPECT_EQ(p.preset, Preset::Strict);
    // shadow mode changes what the data plane does with a decision, not the decision
    TypeActions want = strict_v4();
    want[13] = kPass;
    expect_table(p.table, kV4, want);
    EXPECT_EQ(compile_ok("").mode, PolicyMode::Enforce);
}

// ---------------------------------------------------------------- guard

// RFC 4890 §4.4.1 (RFC-NOTES §2.4), independently of must_not_drop().
bool mnd(uint32_t family, int type, int code) {
    if (family == kV4) return type == 3 && code == 4;
    if (type == 1 || type == 2) return true;
    if (type == 3) return code == 0;
    if (type == 4) return code == 1 || code == 2;
    return (type >= 130 && type <= 136) || (type >= 141 && type <= 143) || type == 148 || type == 149 ||
           (type >= 151 && type <= 153);
}

TEST(PolicyCompiler, MustNotDropMatchesRfc4890) {
    for (uint32_t family : {kV4, kV6})
        for (int type = 0; type <= 255; ++type)
            for (int code = 0; code <= 255; ++code)
                ASSERT_EQ(PolicyCompiler::must_not_drop(family, type, code), mnd(family, type, code))
                    << fam(family) << " " << type << "/" << code;
}

struct MndKey {
    std::string key;  // as written in [policy.ipv6]
    int type;
    std::optional<int> code;
};

std::vector<MndKey> ipv6_mnd_keys() {
    std::vector<MndKey> keys = {
        {"destination-unreachable", 1, {}}, {"1", 1, {}},
        {"destination-unreachable/no-route", 1, 0}, {"1/6", 1, 6},
        {"packet-too-big", 2, {}}, {"2/0", 2, 0},
        {"time-exceeded", 3, {}}, {"time-exceeded/0", 3, 0}, {"3/0", 3, 0},
        {"parameter-problem", 4, {}}, {"parameter-problem/1", 4, 1}, {"4/2", 4, 2},
        {"mld-listener-reduction", 132, {}},
    };
    for (int t = 130; t <= 136; ++t) keys.push_back({icmp_type_label(kV6, t), t, {}});
    for (int t = 141; t <= 143; ++t) keys.push_back({icmp_type_label(kV6, t), t, {}});
    for (int t : {148, 149, 151, 152, 153}) keys.push_back({std::to_string(t), t, {}});
    for (int t : {130, 133, 148, 153}) keys.push_back({std::to_string(t) + "/0", t, 0});
    return keys;
}

TEST(PolicyCompiler, GuardRefusesDroppingEveryMustNotDropType) {
    for (const auto& k : ipv6_mnd_keys()) {
        SCOPED_TRACE(k.key);
        // the rule sits on line 5, after a harmless one: the message points at it
        std::string msg = compile_error("[policy.ipv6]\n\"nd-redirect\" = \"drop\"\n\"" + k.key + "\" = \"drop\"\n");
        EXPECT_EQ(msg.rfind("test.toml:5:1: ", 0), 0u) << msg;
        EXPECT_NE(msg.find("policy.ipv6.\"" + k.key + "\""), std::string::npos) << msg;
        EXPECT_NE(msg.find("must not"), std::string::npos) << msg;
        EXPECT_NE(msg.find("force = true"), std::string::npos) << msg;
        // { action = "drop" } without force, and force = false, are refused too
        EXPECT_FALSE(compile_text(std::string(kIface) + "[policy.ipv6]\n\"" + k.key + "\" = { action = \"drop\" }\n"));
        EXPECT_FALSE(compile_text(std::string(kIface) + "[policy.ipv6]\n\"" + k.key +
                                  "\" = { action = \"drop\", force = false }\n"));
    }
}

TEST(PolicyCompiler, GuardMessageNamesWhatWouldBeDropped) {
    EXPECT_NE(compile_error("[policy.ipv6]\n\"packet-too-big\" = \"drop\"\n").find("dropping packet-too-big"),
              std::string::npos);
    EXPECT_NE(compile_error("[policy.ipv6]\n\"time-exceeded\" = \"drop\"\n").find("dropping time-exceeded/0"),
              std::string::npos);
    EXPECT_NE(compile_error("[policy.ipv6]\n\"parameter-problem\" = \"drop\"\n").find("dropping parameter-problem/1"),
              std::string::npos);
    EXPECT_NE(compile_error("[policy.ipv6]\n\"1/4\" = \"drop\"\n").find("dropping destination-unreachable/port-unreachable"),
              std::string::npos);
    EXPECT_NE(compile_error("[policy.ipv6]\n\"135\" = \"drop\"\n").find("dropping nd-neighbor-solicit"),
              std::string::npos);
}

TEST(PolicyCompiler, ForceAllowsDroppingEveryMustNotDropType) {
    for (const auto& k : ipv6_mnd_keys()) {
        SCOPED_TRACE(k.key);
        CompiledPolicy p = compile_ok("[policy.ipv6]\n\"" + k.key + "\" = { action = \"drop\", force = true }\n");
        for (int c = 0; c <= 255; ++c) {
            const bool hit = !k.code || *k.code == c;
            const uint8_t before = PolicyCompiler::preset_table(Preset::Rfc4890).action(kV6, k.type, c);
            EXPECT_EQ(p.table.action(kV6, k.type, c), hit ? kDrop : before) << "code " << c;
        }
    }
}

TEST(PolicyCompiler, GuardAllowsNonMustNotDropCodes) {
    // RFC 4890: 3/1 and 4/0 are SND, 4/3.. were added later; none is MND
    for (const char* key : {"time-exceeded/1", "3/1", "parameter-problem/0", "4/0", "4/3", "4/10", "3/255"}) {
        SCOPED_TRACE(key);
        CompiledPolicy p = compile_ok(std::string("[policy.ipv6]\n\"") + key + "\" = \"drop\"\n");
        auto r = parse(std::string(kIface) + "[policy.ipv6]\n\"" + key + "\" = \"drop\"\n").policy.rules.at(0);
        EXPECT_EQ(p.table.action(kV6, r.type, *r.code), kDrop);
        EXPECT_EQ(p.table.action(kV6, r.type, r.type == 3 ? 0 : 1), kPass);  // the MND code still passes
    }
    // and dropping what is not MND at all
    for (const char* key : {"nd-redirect", "router-renumbering", "echo-request", "echo-reply", "5", "144", "150"}) {
        SCOPED_TRACE(key);
        compile_ok(std::string("[policy.ipv6]\n\"") + key + "\" = \"drop\"\n");
    }
}

TEST(PolicyCompiler, GuardIgnoresPassRulesOnMustNotDropTypes) {
    CompiledPolicy p = compile_ok("[policy]\npreset = \"strict\"\n[policy.ipv6]\n\"packet-too-big\" = \"pass\"\n"
                                  "\"nd-neighbor-solicit\" = \"pass\"\n[policy.ipv4]\n\"3/4\" = \"pass\"\n");
    EXPECT_EQ(uniform(p.table, kV6, 2), kPass);
    EXPECT_EQ(uniform(p.table, kV4, 3), kPass);
}

TEST(PolicyCompiler, GuardRefusesIpv4FragNeeded) {
    for (const char* key : {"destination-unreachable/frag-needed", "3/4", "destination-unreachable/4",
                            "3/frag-needed", "destination-unreachable", "3"}) {
        SCOPED_TRACE(key);
        std::string msg = compile_error(std::string("[policy.ipv4]\n\"") + key + "\" = \"drop\"\n");
        EXPECT_EQ(msg.rfind("test.toml:4:1: ", 0), 0u) << msg;
        EXPECT_NE(msg.find(std::string("policy.ipv4.\"") + key + "\""), std::string::npos) << msg;
        // a type-wide drop is refused because it covers code 4
        EXPECT_NE(msg.find("destination-unreachable/frag-needed"), std::string::npos) << msg;
        EXPECT_NE(msg.find("PMTUD"), std::string::npos) << msg;
    }
}

TEST(PolicyCompiler, ForceAllowsDroppingIpv4FragNeeded) {
    CompiledPolicy p = compile_ok("[policy.ipv4]\n\"destination-unreachable\" = { action = \"drop\", force = true }\n");
    EXPECT_EQ(uniform(p.table, kV4, 3), kDrop);
    p = compile_ok("[policy.ipv4]\n\"destination-unreachable/frag-needed\" = { action = \"drop\", force = true }\n");
    for (int c = 0; c <= 255; ++c) EXPECT_EQ(p.table.action(kV4, 3, c), c == 4 ? kDrop : kPass) << c;
}

TEST(PolicyCompiler, GuardAllowsOtherIpv4UnreachableCodes) {
    CompiledPolicy p = compile_ok("[policy.ipv4]\n\"destination-unreachable/port-unreachable\" = \"drop\"\n"
                                  "\"3/13\" = \"drop\"\n");
    for (int c = 0; c <= 255; ++c)
        EXPECT_EQ(p.table.action(kV4, 3, c), (c == 3 || c == 13) ? kDrop : kPass) << c;
    // nothing else on IPv4 is guarded
    compile_ok("[policy.ipv4]\n\"echo-reply\" = \"drop\"\n\"time-exceeded\" = \"drop\"\n\"parameter-problem\" = \"drop\"\n");
}

TEST(PolicyCompiler, GuardOnlyLooksAtDropRules) {
    // force on a non-drop rule is allowed and harmless
    CompiledPolicy p = compile_ok("[policy.ipv6]\n\"packet-too-big\" = { action = \"pass\", force = true }\n");
    EXPECT_EQ(uniform(p.table, kV6, 2), kPass);
}

// ---------------------------------------------------------------- render

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

// The render_policy line for (family, type).
std::string line_for(const std::string& text, const std::string& family, int type) {
    for (const auto& line : lines_of(text)) {
        std::istringstream in(line);
        std::string f, t;
        in >> f >> t;
        if (f == family && t == std::to_string(type)) return line;
    }
    return "";
}

TEST(PolicyCompiler, RenderPolicy) {
    CompiledPolicy p = compile_ok("[policy]\nmode = \"shadow\"\n[policy.ipv4]\n"
                                  "\"destination-unreachable/port-unreachable\" = \"drop\"\n\"3/200\" = \"drop\"\n"
                                  "[policy.ipv6]\n\"time-exceeded/1\" = \"drop\"\n");
    const std::string out = render_policy(p);
    auto lines = lines_of(out);
    ASSERT_EQ(lines.size(), 2u + 2 * 256);  // header, column titles, one line per (family, type)
    EXPECT_EQ(lines[0], "preset rfc4890, mode shadow");

    const std::string echo = line_for(out, "ipv4", 8);
    EXPECT_NE(echo.find("8 echo-request"), std::string::npos) << echo;
    EXPECT_NE(echo.find("reply"), std::string::npos) << echo;

    const std::string unreach = line_for(out, "ipv4", 3);
    EXPECT_NE(unreach.find("destination-unreachable"), std::string::npos) << unreach;
    EXPECT_NE(unreach.find(" pass "), std::string::npos) << unreach;  // the type's main action
    EXPECT_NE(unreach.find("port-unreachable=drop"), std::string::npos) << unreach;
    EXPECT_NE(unreach.find("200=drop"), std::string::npos) << unreach;
    EXPECT_EQ(unreach.find("frag-needed"), std::string::npos) << unreach;

    const std::string te6 = line_for(out, "ipv6", 3);
    EXPECT_NE(te6.find("time-exceeded"), std::string::npos) << te6;
    EXPECT_NE(te6.find(" 1=drop"), std::string::npos) << te6;

    const std::string unnamed = line_for(out, "ipv4", 42);
    EXPECT_NE(unnamed.find("drop"), std::string::npos) << unnamed;
    EXPECT_EQ(unnamed.find("="), std::string::npos) << unnamed;  // no exceptions
    EXPECT_NE(line_for(out, "ipv6", 128).find("echo-request"), std::string::npos);
}

TEST(PolicyCompiler, RenderPolicyMainActionIsTheMajority) {
    // 255 codes dropped, one passed: the line says drop with one exception
    CompiledPolicy p = compile_ok("[policy.ipv4]\n\"destination-unreachable\" = { action = \"drop\", force = true }\n"
                                  "\"3/frag-needed\" = \"pass\"\n");
    const std::string line = line_for(render_policy(p), "ipv4", 3);
    EXPECT_NE(line.find(" drop "), std::string::npos) << line;
    EXPECT_NE(line.find("frag-needed=pass"), std::string::npos) << line;
}

// ---------------------------------------------------------------- docs

// docs/policy.md: every `<!-- preset-table: PRESET FAMILY -->` marker is
// followed by a Markdown table whose rows are "| TYPES | NAME | ACTION | ...",
// TYPES a number or "A–B". The rows must cover 0..255 in order and agree
// with preset_table() and the nft names.
struct DocRow {
    int first = 0, last = 0;
    std::string name, action;
};

std::vector<std::string> cells(const std::string& line) {
    std::vector<std::string> out;
    std::string cur;
    for (size_t i = 1; i < line.size(); ++i) {
        if (line[i] == '|') {
            auto b = cur.find_first_not_of(' '), e = cur.find_last_not_of(' ');
            out.push_back(b == std::string::npos ? "" : cur.substr(b, e - b + 1));
            cur.clear();
        } else {
            cur += line[i];
        }
    }
    return out;
}

std::map<std::string, std::vector<DocRow>> doc_tables(const std::string& path) {
    std::ifstream in(path);
    std::map<std::string, std::vector<DocRow>> tables;
    std::string current;
    for (std::string line; std::getline(in, line);) {
        const std::string marker = "<!-- preset-table: ";
        if (line.rfind(marker, 0) == 0) {
            current = line.substr(marker.size(), line.find(" -->") - marker.size());
            tables[current];
            continue;
        }
        if (current.empty()) continue;
        if (line.rfind("|", 0) != 0) {
            if (!tables[current].empty()) current.clear();  // the table ended
            continue;
        }
        auto c = cells(line);
        if (c.size() < 4 || c[0].empty() || !std::isdigit(static_cast<unsigned char>(c[0][0]))) continue;
        DocRow row;
        const std::string dash = "\xe2\x80\x93";  // en dash
        auto d = c[0].find(dash);
        row.first = std::stoi(c[0]);
        row.last = d == std::string::npos ? row.first : std::stoi(c[0].substr(d + dash.size()));
        row.name = c[1];
        row.action = c[2];
        tables[current].push_back(row);
    }
    return tables;
}

TEST(PresetTable, DocsMatchTheCode) {
    const auto doc = std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "docs" / "policy.md";
    ASSERT_TRUE(std::filesystem::exists(doc)) << doc;
    auto tables = doc_tables(doc.string());
    const std::pair<const char*, Preset> presets[] = {
        {"rfc4890", Preset::Rfc4890}, {"permissive", Preset::Permissive}, {"strict", Preset::Strict}};
    EXPECT_EQ(tables.size(), 6u);
    for (const auto& [pname, preset] : presets) {
        const PolicyTable t = PolicyCompiler::preset_table(preset);
        for (uint32_t family : {kV4, kV6}) {
            const std::string id = std::string(pname) + " " + fam(family);
            SCOPED_TRACE(id);
            ASSERT_TRUE(tables.count(id)) << "no table marked <!-- preset-table: " << id << " -->";
            int next = 0;
            for (const DocRow& row : tables[id]) {
                ASSERT_EQ(row.first, next) << "rows must cover 0-255 in order";
                ASSERT_LE(row.first, row.last);
                for (int type = row.first; type <= row.last; ++type) {
                    auto a = uniform(t, family, type);
                    ASSERT_TRUE(a.has_value());
                    EXPECT_EQ(row.action, action_label(*a))
                        << "type " << type << " in row " << row.first << "-" << row.last;
                    const std::string label = icmp_type_label(family, type);
                    const bool named = label != std::to_string(type);
                    if (row.first != row.last) {
                        EXPECT_FALSE(named) << "named type " << type << " inside a range";
                    }
                    if (named) {
                        EXPECT_EQ(row.name.rfind("`" + label + "`", 0), 0u) << "type " << type;
                    } else {
                        EXPECT_EQ(row.name, "\xe2\x80\x94") << "type " << type;  // em dash
                    }
                }
                next = row.last + 1;
            }
            EXPECT_EQ(next, 256) << "rows must end at 255";
        }
    }
}

}  // namespace
}  // namespace icmpguard
