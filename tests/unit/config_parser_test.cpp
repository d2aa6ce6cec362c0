// ConfigParser: TOML text -> Config. The accepted forms of every key, the
// defaults, and one test per class of error. Every error must start with
// "test.toml:LINE:COL:" pointing at the offending key or value, and name
// the key and what is wrong with it.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include "icmpguard/abi.h"
}

#include "common/config_expect.hpp"
#include "core/config_parser.hpp"

namespace icmpguard {
namespace {

using test::kConfigFile;
// Two lines: every test that needs a valid interface starts with this.
constexpr const char* kIface = "[[interface]]\nname = \"eth0\"\n";

using test::expect_error;
using test::parse_error;
using test::parse_ok;

const PolicyRule& only_rule(const Config& cfg) {
    static const PolicyRule none{};
    EXPECT_EQ(cfg.policy.rules.size(), 1u);
    return cfg.policy.rules.empty() ? none : cfg.policy.rules.front();
}

// One rule in [policy.ipv4] / [policy.ipv6]: `"key" = value`, on line 4.
PolicyRule parse_rule(const char* family_table, const std::string& line) {
    return only_rule(parse_ok(std::string(kIface) + "[" + family_table + "]\n" + line + "\n"));
}

// ---------------------------------------------------------------- accepted

TEST(ConfigParser, ExampleConfigParses) {
    // dist/icmpguard.toml, found from this file's place in the source tree.
    const auto example = std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "dist" / "icmpguard.toml";
    ASSERT_TRUE(std::filesystem::exists(example)) << example;
    auto cfg = ConfigParser::parse_file(example.string());
    ASSERT_TRUE(cfg.has_value()) << cfg.error().message();
    ASSERT_EQ(cfg->interfaces.size(), 1u);
    EXPECT_EQ(cfg->interfaces[0].name, "eth0");
    EXPECT_EQ(cfg->interfaces[0].mode, AttachMode::Auto);
    EXPECT_EQ(cfg->policy.preset, Preset::Rfc4890);
    EXPECT_EQ(cfg->policy.mode, PolicyMode::Enforce);
    ASSERT_EQ(cfg->policy.rules.size(), 2u);
    for (const auto& r : cfg->policy.rules) {
        if (r.family == IG_FAMILY_IPV4) {
            EXPECT_EQ(r.type, 13);  // timestamp-request
            EXPECT_EQ(r.action, IG_ACTION_DROP);
        } else {
            EXPECT_EQ(r.family, static_cast<uint32_t>(IG_FAMILY_IPV6));
            EXPECT_EQ(r.type, 128);  // echo-request
            EXPECT_EQ(r.action, IG_ACTION_REPLY);
        }
        EXPECT_FALSE(r.code.has_value());
        EXPECT_FALSE(r.force);
        EXPECT_EQ(r.where.file, example.string());
    }
    EXPECT_TRUE(cfg->echo.reply);
    EXPECT_EQ(cfg->echo.ttl, 64);
    EXPECT_EQ(cfg->metrics.listen, "");
}

TEST(ConfigParser, Defaults) {
    Config cfg = parse_ok(kIface);
    EXPECT_EQ(cfg.path, kConfigFile);
    ASSERT_EQ(cfg.interfaces.size(), 1u);
    EXPECT_EQ(cfg.interfaces[0].name, "eth0");
    EXPECT_EQ(cfg.interfaces[0].mode, AttachMode::Auto);
    EXPECT_EQ(cfg.interfaces[0].where.str(), "test.toml:1:1");
    EXPECT_EQ(cfg.policy.preset, Preset::Rfc4890);
    EXPECT_EQ(cfg.policy.mode, PolicyMode::Enforce);
    EXPECT_TRUE(cfg.policy.rules.empty());
    EXPECT_TRUE(cfg.echo.reply);
    EXPECT_EQ(cfg.echo.ttl, 64);
    EXPECT_EQ(cfg.metrics.listen, "");
}

TEST(ConfigParser, EmptyTablesKeepDefaults) {
    Config cfg = parse_ok(std::string(kIface) + "[policy]\n[policy.ipv4]\n[policy.ipv6]\n[echo]\n[metrics]\n");
    EXPECT_EQ(cfg.policy.preset, Preset::Rfc4890);
    EXPECT_EQ(cfg.policy.mode, PolicyMode::Enforce);
    EXPECT_TRUE(cfg.policy.rules.empty());
    EXPECT_TRUE(cfg.echo.reply);
    EXPECT_EQ(cfg.echo.ttl, 64);
    EXPECT_EQ(cfg.metrics.listen, "");
}

TEST(ConfigParser, EveryKeySet) {
    Config cfg = parse_ok(
        "[[interface]]\nname = \"eth0\"\nmode = \"native\"\n"
        "[[interface]]\nname = \"veth-a.100\"\nmode = \"generic\"\n"
        "[[interface]]\nname = \"lan\"\nmode = \"auto\"\n"
        "[policy]\npreset = \"strict\"\nmode = \"shadow\"\n"
        "[echo]\nreply = false\nttl = 255\n"
        "[metrics]\nlisten = \"127.0.0.1:9469\"\n");
    ASSERT_EQ(cfg.interfaces.size(), 3u);
    EXPECT_EQ(cfg.interfaces[0].name, "eth0");
    EXPECT_EQ(cfg.interfaces[0].mode, AttachMode::Native);
    EXPECT_EQ(cfg.interfaces[1].name, "veth-a.100");
    EXPECT_EQ(cfg.interfaces[1].mode, AttachMode::Generic);
    EXPECT_EQ(cfg.interfaces[1].where.str(), "test.toml:4:1");
    EXPECT_EQ(cfg.interfaces[2].mode, AttachMode::Auto);
    EXPECT_EQ(cfg.policy.preset, Preset::Strict);
    EXPECT_EQ(cfg.policy.mode, PolicyMode::Shadow);
    EXPECT_FALSE(cfg.echo.reply);
    EXPECT_EQ(cfg.echo.ttl, 255);
    EXPECT_EQ(cfg.metrics.listen, "127.0.0.1:9469");
}

TEST(ConfigParser, PresetsAndModes) {
    EXPECT_EQ(parse_ok(std::string(kIface) + "[policy]\npreset = \"rfc4890\"\n").policy.preset, Preset::Rfc4890);
    EXPECT_EQ(parse_ok(std::string(kIface) + "[policy]\npreset = \"permissive\"\n").policy.preset, Preset::Permissive);
    EXPECT_EQ(parse_ok(std::string(kIface) + "[policy]\npreset = \"strict\"\n").policy.preset, Preset::Strict);
    EXPECT_EQ(parse_ok(std::string(kIface) + "[policy]\nmode = \"enforce\"\n").policy.mode, PolicyMode::Enforce);
    EXPECT_EQ(parse_ok(std::string(kIface) + "[policy]\nmode = \"shadow\"\n").policy.mode, PolicyMode::Shadow);
    EXPECT_EQ(to_string(Preset::Rfc4890), "rfc4890");
    EXPECT_EQ(to_string(Preset::Permissive), "permissive");
    EXPECT_EQ(to_string(Preset::Strict), "strict");
    EXPECT_EQ(to_string(PolicyMode::Enforce), "enforce");
    EXPECT_EQ(to_string(PolicyMode::Shadow), "shadow");
}

TEST(ConfigParser, TtlAndPortBoundsAccepted) {
    EXPECT_EQ(parse_ok(std::string(kIface) + "[echo]\nttl = 1\n").echo.ttl, 1);
    EXPECT_EQ(parse_ok(std::string(kIface) + "[echo]\nttl = 255\n").echo.ttl, 255);
    EXPECT_EQ(parse_ok(std::string(kIface) + "[echo]\nttl = 0x40\n").echo.ttl, 64);
    EXPECT_EQ(parse_ok(std::string(kIface) + "[metrics]\nlisten = \"127.0.0.1:1\"\n").metrics.listen, "127.0.0.1:1");
    EXPECT_EQ(parse_ok(std::string(kIface) + "[metrics]\nlisten = \"0.0.0.0:65535\"\n").metrics.listen, "0.0.0.0:65535");
    EXPECT_EQ(parse_ok(std::string(kIface) + "[metrics]\nlisten = \"[::1]:9469\"\n").metrics.listen, "[::1]:9469");
    EXPECT_EQ(parse_ok(std::string(kIface) + "[metrics]\nlisten = \"localhost:9469\"\n").metrics.listen, "localhost:9469");
    EXPECT_EQ(parse_ok(std::string(kIface) + "[metrics]\nlisten = \"\"\n").metrics.listen, "");
}

TEST(ConfigParser, InterfaceNameOfFifteenCharacters) {
    Config cfg = parse_ok("[[interface]]\nname = \"abcdefghijklmno\"\n");
    ASSERT_EQ(cfg.interfaces.size(), 1u);
    EXPECT_EQ(cfg.interfaces[0].name, "abcdefghijklmno");
}

TEST(ConfigParser, RuleByName) {
    PolicyRule r = parse_rule("policy.ipv4", "\"timestamp-request\" = \"drop\"");
    EXPECT_EQ(r.family, static_cast<uint32_t>(IG_FAMILY_IPV4));
    EXPECT_EQ(r.type, 13);
    EXPECT_FALSE(r.code.has_value());
    EXPECT_EQ(r.action, IG_ACTION_DROP);
    EXPECT_FALSE(r.force);
    EXPECT_EQ(r.key, "timestamp-request");
    EXPECT_EQ(r.where.str(), "test.toml:4:1");

    r = parse_rule("policy.ipv6", "\"echo-request\" = \"reply\"");
    EXPECT_EQ(r.family, static_cast<uint32_t>(IG_FAMILY_IPV6));
    EXPECT_EQ(r.type, 128);
    EXPECT_EQ(r.action, IG_ACTION_REPLY);

    r = parse_rule("policy.ipv6", "nd-redirect = \"pass\"");  // bare key
    EXPECT_EQ(r.type, 137);
    EXPECT_EQ(r.action, IG_ACTION_PASS);
}

TEST(ConfigParser, RuleByNumber) {
    PolicyRule r = parse_rule("policy.ipv4", "\"13\" = \"drop\"");
    EXPECT_EQ(r.family, static_cast<uint32_t>(IG_FAMILY_IPV4));
    EXPECT_EQ(r.type, 13);
    EXPECT_FALSE(r.code.has_value());
    EXPECT_EQ(r.key, "13");

    r = parse_rule("policy.ipv4", "8 = \"reply\"");  // a bare key of digits
    EXPECT_EQ(r.type, 8);
    EXPECT_EQ(r.action, IG_ACTION_REPLY);

    r = parse_rule("policy.ipv6", "\"0\" = \"pass\"");
    EXPECT_EQ(r.type, 0);
    r = parse_rule("policy.ipv6", "\"255\" = \"pass\"");
    EXPECT_EQ(r.type, 255);
    r = parse_rule("policy.ipv6", "\"128\" = \"reply\"");
    EXPECT_EQ(r.type, 128);
    EXPECT_EQ(r.action, IG_ACTION_REPLY);
}

TEST(ConfigParser, RuleWithCode) {
    struct Case {
        const char* table;
        const char* key;
        uint8_t type, code;
    };
    const Case cases[] = {
        {"policy.ipv4", "destination-unreachable/port-unreachable", 3, 3},
        {"policy.ipv4", "destination-unreachable/frag-needed", 3, 4},
        {"policy.ipv4", "destination-unreachable/admin-prohibited", 3, 13},
        {"policy.ipv4", "destination-unreachable/4", 3, 4},
        {"policy.ipv4", "3/frag-needed", 3, 4},
        {"policy.ipv4", "3/4", 3, 4},
        {"policy.ipv4", "redirect/1", 5, 1},
        {"policy.ipv4", "42/0", 42, 0},
        {"policy.ipv4", "3/255", 3, 255},
        {"policy.ipv6", "destination-unreachable/no-route", 1, 0},
        {"policy.ipv6", "destination-unreachable/admin-prohibited", 1, 1},
        {"policy.ipv6", "destination-unreachable/reject-route", 1, 6},
        {"policy.ipv6", "1/port-unreachable", 1, 4},
        {"policy.ipv6", "time-exceeded/1", 3, 1},
        {"policy.ipv6", "parameter-problem/0", 4, 0},
        {"policy.ipv6", "4/2", 4, 2},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.key);
        PolicyRule r = parse_rule(c.table, std::string("\"") + c.key + "\" = \"pass\"");
        EXPECT_EQ(r.type, c.type);
        ASSERT_TRUE(r.code.has_value());
        EXPECT_EQ(*r.code, c.code);
        EXPECT_EQ(r.key, c.key);
        EXPECT_EQ(r.where.str(), "test.toml:4:1");
    }
}

TEST(ConfigParser, RuleTableWithForce) {
    PolicyRule r = parse_rule("policy.ipv6", "\"packet-too-big\" = { action = \"drop\", force = true }");
    EXPECT_EQ(r.type, 2);
    EXPECT_EQ(r.action, IG_ACTION_DROP);
    EXPECT_TRUE(r.force);

    r = parse_rule("policy.ipv4", "\"timestamp-request\" = { action = \"drop\" }");
    EXPECT_EQ(r.action, IG_ACTION_DROP);
    EXPECT_FALSE(r.force);

    r = parse_rule("policy.ipv4", "\"timestamp-request\" = { action = \"pass\", force = false }");
    EXPECT_EQ(r.action, IG_ACTION_PASS);
    EXPECT_FALSE(r.force);

    // the same as a sub-table
    Config cfg = parse_ok(std::string(kIface) +
                          "[policy.ipv6.\"nd-neighbor-solicit\"]\naction = \"drop\"\nforce = true\n");
    r = only_rule(cfg);
    EXPECT_EQ(r.type, 135);
    EXPECT_EQ(r.action, IG_ACTION_DROP);
    EXPECT_TRUE(r.force);
}

TEST(ConfigParser, RuleAliases) {
    PolicyRule done = parse_rule("policy.ipv6", "\"mld-listener-done\" = \"pass\"");
    PolicyRule reduction = parse_rule("policy.ipv6", "\"mld-listener-reduction\" = \"pass\"");
    EXPECT_EQ(done.type, 132);
    EXPECT_EQ(reduction.type, 132);
    EXPECT_EQ(reduction.key, "mld-listener-reduction");  // messages quote the key as written
}

TEST(ConfigParser, DottedKeysInPolicy) {
    Config cfg = parse_ok(std::string(kIface) + "[policy]\nipv4.\"timestamp-request\" = \"drop\"\n");
    PolicyRule r = only_rule(cfg);
    EXPECT_EQ(r.family, static_cast<uint32_t>(IG_FAMILY_IPV4));
    EXPECT_EQ(r.type, 13);
}

TEST(ConfigParser, RulesOfBothFamilies) {
    Config cfg = parse_ok(std::string(kIface) +
                          "[policy.ipv4]\n\"echo-request\" = \"drop\"\n"
                          "[policy.ipv6]\n\"echo-request\" = \"pass\"\n");
    ASSERT_EQ(cfg.policy.rules.size(), 2u);
    EXPECT_EQ(cfg.policy.rules[0].family, static_cast<uint32_t>(IG_FAMILY_IPV4));
    EXPECT_EQ(cfg.policy.rules[0].type, 8);
    EXPECT_EQ(cfg.policy.rules[0].where.str(), "test.toml:4:1");
    EXPECT_EQ(cfg.policy.rules[1].family, static_cast<uint32_t>(IG_FAMILY_IPV6));
    EXPECT_EQ(cfg.policy.rules[1].type, 128);
    EXPECT_EQ(cfg.policy.rules[1].where.str(), "test.toml:6:1");
}

TEST(ConfigParser, ReplyOnEchoRequestWithCode) {
    PolicyRule r = parse_rule("policy.ipv4", "\"echo-request/0\" = \"reply\"");
    EXPECT_EQ(r.type, 8);
    EXPECT_EQ(r.code, std::optional<uint8_t>(0));
    EXPECT_EQ(r.action, IG_ACTION_REPLY);
}

// ---------------------------------------------------------------- errors

TEST(ConfigParser, TomlSyntaxError) {
    expect_error(std::string(kIface) + "[echo]\nttl = \n", "test.toml:4:7: ", {"expected value"});
    expect_error("[[interface]\nname = \"eth0\"\n", "test.toml:1:13: ", {"table header", "expected ']'"});
    expect_error(std::string(kIface) + "name = \"eth1\"\n", "test.toml:3:8: ", {"name", "redefine"});
}

TEST(ConfigParser, UnknownTopLevelKey) {
    expect_error(std::string(kIface) + "[logging]\nlevel = \"debug\"\n", "test.toml:3:2: ",
                 {"unknown key \"logging\"", "top level"});
    expect_error(std::string("bogus = 1\n") + kIface, "test.toml:1:1: ", {"unknown key \"bogus\"", "top level"});
}

TEST(ConfigParser, UnknownKeyInInterface) {
    expect_error(std::string(kIface) + "moed = \"native\"\n", "test.toml:3:1: ",
                 {"unknown key \"moed\"", "[[interface]]", "name, mode"});
}

TEST(ConfigParser, UnknownKeyInPolicy) {
    expect_error(std::string(kIface) + "[policy]\npreset = \"strict\"\nipv5 = {}\n", "test.toml:5:1: ",
                 {"unknown key \"ipv5\"", "[policy]"});
}

TEST(ConfigParser, UnknownKeyInEcho) {
    expect_error(std::string(kIface) + "[echo]\nhop_limit = 64\n", "test.toml:4:1: ",
                 {"unknown key \"hop_limit\"", "[echo]", "reply, ttl"});
}

TEST(ConfigParser, UnknownKeyInMetrics) {
    expect_error(std::string(kIface) + "[metrics]\nport = 9469\n", "test.toml:4:1: ",
                 {"unknown key \"port\"", "[metrics]", "listen"});
}

TEST(ConfigParser, UnknownKeyInRuleTable) {
    expect_error(std::string(kIface) + "[policy.ipv6]\n\"packet-too-big\" = { action = \"drop\", forse = true }\n",
                 "test.toml:4:39: ", {"unknown key \"forse\"", "policy.ipv6.\"packet-too-big\"", "action, force"});
}

TEST(ConfigParser, RuleTableWithoutAction) {
    expect_error(std::string(kIface) + "[policy.ipv6]\n\"packet-too-big\" = { force = true }\n", "test.toml:4:20: ",
                 {"policy.ipv6.\"packet-too-big\"", "\"action\" is required"});
}

TEST(ConfigParser, WrongTypeInterfaceName) {
    expect_error("[[interface]]\nname = 5\n", "test.toml:2:8: ",
                 {"interface.name", "expected a string", "integer"});
}

TEST(ConfigParser, WrongTypeInterfaceMode) {
    expect_error(std::string(kIface) + "mode = true\n", "test.toml:3:8: ",
                 {"interface.mode", "expected a string", "boolean"});
}

TEST(ConfigParser, WrongTypeInterfaceNotArrayOfTables) {
    expect_error("interface = \"eth0\"\n", "test.toml:1:13: ", {"interface", "array of tables", "string"});
    expect_error("[interface]\nname = \"eth0\"\n", "test.toml:1:1: ", {"interface", "array of tables", "table"});
}

TEST(ConfigParser, WrongTypeEchoReply) {
    expect_error(std::string(kIface) + "[echo]\nreply = \"yes\"\n", "test.toml:4:9: ",
                 {"echo.reply", "expected a boolean", "string"});
}

TEST(ConfigParser, WrongTypeEchoTtl) {
    expect_error(std::string(kIface) + "[echo]\nttl = \"64\"\n", "test.toml:4:7: ",
                 {"echo.ttl", "expected an integer", "string"});
    expect_error(std::string(kIface) + "[echo]\nttl = 64.0\n", "test.toml:4:7: ",
                 {"echo.ttl", "expected an integer", "floating-point"});
}

TEST(ConfigParser, WrongTypePolicyPresetAndMode) {
    expect_error(std::string(kIface) + "[policy]\npreset = 1\n", "test.toml:4:10: ",
                 {"policy.preset", "expected a string", "integer"});
    expect_error(std::string(kIface) + "[policy]\nmode = false\n", "test.toml:4:8: ",
                 {"policy.mode", "expected a string", "boolean"});
}

TEST(ConfigParser, WrongTypePolicyIpv4) {
    expect_error(std::string(kIface) + "[policy]\nipv4 = 3\n", "test.toml:4:8: ",
                 {"policy.ipv4", "expected a table", "integer"});
    expect_error(std::string(kIface) + "[policy]\nipv6 = \"drop\"\n", "test.toml:4:8: ",
                 {"policy.ipv6", "expected a table", "string"});
}

TEST(ConfigParser, WrongTypeRuleValue) {
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"timestamp-request\" = 5\n", "test.toml:4:23: ",
                 {"policy.ipv4.\"timestamp-request\"", "expected an action string", "integer"});
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"timestamp-request\" = { action = 1 }\n", "test.toml:4:34: ",
                 {"policy.ipv4.\"timestamp-request\".action", "expected a string", "integer"});
    expect_error(std::string(kIface) + "[policy.ipv6]\n\"packet-too-big\" = { action = \"drop\", force = \"yes\" }\n",
                 "test.toml:4:47: ", {"policy.ipv6.\"packet-too-big\".force", "expected a boolean", "string"});
}

TEST(ConfigParser, WrongTypeSections) {
    // top-level keys come before the first [[interface]] header
    expect_error("echo = true\n" + std::string(kIface), "test.toml:1:8: ", {"echo", "expected a table", "boolean"});
    expect_error("metrics = \"127.0.0.1:9469\"\n" + std::string(kIface), "test.toml:1:11: ",
                 {"metrics", "expected a table", "string"});
    expect_error("policy = \"strict\"\n" + std::string(kIface), "test.toml:1:10: ",
                 {"policy", "expected a table", "string"});
    expect_error(std::string(kIface) + "[metrics]\nlisten = 9469\n", "test.toml:4:10: ",
                 {"metrics.listen", "expected a string", "integer"});
}

TEST(ConfigParser, TtlOutOfRange) {
    expect_error(std::string(kIface) + "[echo]\nttl = 0\n", "test.toml:4:7: ", {"echo.ttl", "0", "out of range 1-255"});
    expect_error(std::string(kIface) + "[echo]\nttl = 256\n", "test.toml:4:7: ",
                 {"echo.ttl", "256", "out of range 1-255"});
    expect_error(std::string(kIface) + "[echo]\nttl = -1\n", "test.toml:4:7: ",
                 {"echo.ttl", "-1", "out of range 1-255"});
}

TEST(ConfigParser, MetricsPortOutOfRange) {
    const std::vector<std::string> bad = {"127.0.0.1:0", "127.0.0.1:70000", "127.0.0.1:65536", "127.0.0.1:999999"};
    for (const auto& listen : bad)
        expect_error(std::string(kIface) + "[metrics]\nlisten = \"" + listen + "\"\n", "test.toml:4:10: ",
                     {"metrics.listen", "\"" + listen + "\"", "port 1-65535"});
}

TEST(ConfigParser, MetricsPortMissing) {
    const std::vector<std::string> bad = {"127.0.0.1", "127.0.0.1:", ":9469", "127.0.0.1:http", "127.0.0.1:-1"};
    for (const auto& listen : bad)
        expect_error(std::string(kIface) + "[metrics]\nlisten = \"" + listen + "\"\n", "test.toml:4:10: ",
                     {"metrics.listen", "\"" + listen + "\"", "not host:port"});
}

TEST(ConfigParser, MetricsBareIpv6AddressIsNotHostPort) {
    expect_error(std::string(kIface) + "[metrics]\nlisten = \"::1\"\n", "test.toml:4:10: ",
                 {"metrics.listen", "\"::1\""});
}

TEST(ConfigParser, UnknownTypeName) {
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"timestamp-requets\" = \"drop\"\n", "test.toml:4:1: ",
                 {"policy.ipv4.\"timestamp-requets\"", "unknown ICMP type \"timestamp-requets\""});
    // an ICMPv6 name is not an ICMPv4 name, and the other way round
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"packet-too-big\" = \"pass\"\n", "test.toml:4:1: ",
                 {"policy.ipv4.\"packet-too-big\"", "unknown ICMP type \"packet-too-big\""});
    expect_error(std::string(kIface) + "[policy.ipv6]\n\"redirect\" = \"drop\"\n", "test.toml:4:1: ",
                 {"policy.ipv6.\"redirect\"", "unknown ICMPv6 type \"redirect\""});
    // names are case-sensitive, as in nft
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"Redirect\" = \"drop\"\n", "test.toml:4:1: ",
                 {"policy.ipv4.\"Redirect\"", "unknown ICMP type \"Redirect\""});
}

TEST(ConfigParser, UnknownCodeName) {
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"destination-unreachable/frag-neded\" = \"drop\"\n",
                 "test.toml:4:1: ",
                 {"policy.ipv4.\"destination-unreachable/frag-neded\"", "unknown code \"frag-neded\"",
                  "destination-unreachable"});
    // a code name belongs to its type
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"time-exceeded/frag-needed\" = \"drop\"\n", "test.toml:4:1: ",
                 {"unknown code \"frag-needed\"", "time-exceeded"});
    // an ICMPv4 code name is not an ICMPv6 one
    expect_error(std::string(kIface) + "[policy.ipv6]\n\"destination-unreachable/host-unreachable\" = \"drop\"\n",
                 "test.toml:4:1: ", {"unknown code \"host-unreachable\"", "destination-unreachable"});
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"3/\" = \"drop\"\n", "test.toml:4:1: ",
                 {"policy.ipv4.\"3/\"", "unknown code \"\""});
}

TEST(ConfigParser, TypeNumberOutOfRange) {
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"256\" = \"drop\"\n", "test.toml:4:1: ",
                 {"policy.ipv4.\"256\"", "unknown ICMP type \"256\"", "0-255"});
    expect_error(std::string(kIface) + "[policy.ipv6]\n\"99999999999\" = \"drop\"\n", "test.toml:4:1: ",
                 {"unknown ICMPv6 type \"99999999999\""});
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"-1\" = \"drop\"\n", "test.toml:4:1: ",
                 {"unknown ICMP type \"-1\""});
}

TEST(ConfigParser, CodeNumberOutOfRange) {
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"3/256\" = \"drop\"\n", "test.toml:4:1: ",
                 {"policy.ipv4.\"3/256\"", "unknown code \"256\"", "0-255"});
}

TEST(ConfigParser, UnknownAction) {
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"timestamp-request\" = \"dorp\"\n", "test.toml:4:23: ",
                 {"policy.ipv4.\"timestamp-request\"", "unknown action \"dorp\"", "pass, drop or reply"});
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"timestamp-request\" = { action = \"deny\" }\n",
                 "test.toml:4:34: ", {"unknown action \"deny\""});
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"timestamp-request\" = \"DROP\"\n", "test.toml:4:23: ",
                 {"unknown action \"DROP\""});
}

TEST(ConfigParser, RateLimitedIsNotAnAction) {
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"timestamp-request\" = \"rate_limited\"\n", "test.toml:4:23: ",
                 {"policy.ipv4.\"timestamp-request\"", "unknown action \"rate_limited\""});
}

TEST(ConfigParser, CounterOnlyActionsAreNotActions) {
    // would_drop / would_reply are what shadow mode counts; in the policy
    // table the data plane treats them as pass, so a rule must not name them.
    for (const char* action : {"would_drop", "would_reply", "none"})
        expect_error(std::string(kIface) + "[policy.ipv4]\n\"echo-request\" = \"" + action + "\"\n",
                     "test.toml:4:18: ", {"unknown action \"" + std::string(action) + "\""});
}

TEST(ConfigParser, ReplyOnNonEchoType) {
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"timestamp-request\" = \"reply\"\n", "test.toml:4:23: ",
                 {"policy.ipv4.\"timestamp-request\"", "\"reply\"", "echo-request"});
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"echo-reply\" = { action = \"reply\" }\n", "test.toml:4:27: ",
                 {"policy.ipv4.\"echo-reply\"", "\"reply\"", "echo-request"});
    // 8 is echo-request only for IPv4, 128 only for IPv6
    expect_error(std::string(kIface) + "[policy.ipv6]\n\"8\" = \"reply\"\n", "test.toml:4:7: ",
                 {"policy.ipv6.\"8\"", "\"reply\"", "echo-request"});
    expect_error(std::string(kIface) + "[policy.ipv4]\n\"128\" = \"reply\"\n", "test.toml:4:9: ",
                 {"policy.ipv4.\"128\"", "\"reply\"", "echo-request"});
}

TEST(ConfigParser, MissingInterfaceName) {
    expect_error("[[interface]]\nmode = \"native\"\n", "test.toml:1:1: ",
                 {"[[interface]]", "\"name\" is required"});
    expect_error(std::string(kIface) + "[[interface]]\nmode = \"native\"\n", "test.toml:3:1: ",
                 {"[[interface]]", "\"name\" is required"});
}

TEST(ConfigParser, DuplicateInterface) {
    expect_error(std::string(kIface) + "[[interface]]\nname = \"eth0\"\nmode = \"native\"\n", "test.toml:4:8: ",
                 {"interface.name", "\"eth0\"", "configured twice"});
}

TEST(ConfigParser, InvalidInterfaceNames) {
    for (const char* name : {"", "abcdefghijklmnop", "eth/0", "eth 0", "eth\\t0"})
        expect_error(std::string("[[interface]]\nname = \"") + name + "\"\n", "test.toml:2:8: ",
                     {"interface.name", "not a valid interface name"});
}

TEST(ConfigParser, InterfaceNamesLinuxRefuses) {
    // The kernel's dev_valid_name() also refuses ".", "..", ':' and every
    // whitespace character, so these can never name an interface.
    for (const char* name : {".", "..", "eth0:1", "eth\\n0"})
        expect_error(std::string("[[interface]]\nname = \"") + name + "\"\n", "test.toml:2:8: ",
                     {"interface.name", "not a valid interface name"});
}

TEST(ConfigParser, NoInterface) {
    expect_error("", "test.toml:1:1: ", {"no [[interface]]"});
    expect_error("[policy]\npreset = \"strict\"\n", "test.toml:1:1: ", {"no [[interface]]"});
    expect_error("# comment only\n[echo]\nttl = 64\n", "test.toml:1:1: ", {"no [[interface]]"});
}

TEST(ConfigParser, BadPreset) {
    expect_error(std::string(kIface) + "[policy]\npreset = \"paranoid\"\n", "test.toml:4:10: ",
                 {"policy.preset", "\"paranoid\"", "rfc4890, permissive, strict"});
    expect_error(std::string(kIface) + "[policy]\npreset = \"RFC4890\"\n", "test.toml:4:10: ",
                 {"policy.preset", "\"RFC4890\""});
}

TEST(ConfigParser, BadPolicyMode) {
    expect_error(std::string(kIface) + "[policy]\nmode = \"audit\"\n", "test.toml:4:8: ",
                 {"policy.mode", "\"audit\"", "enforce, shadow"});
}

TEST(ConfigParser, BadInterfaceMode) {
    expect_error(std::string(kIface) + "mode = \"offload\"\n", "test.toml:3:8: ",
                 {"interface.mode", "\"offload\"", "auto, native, generic"});
}

TEST(ConfigParser, ParseFileMissing) {
    auto cfg = ConfigParser::parse_file("/nonexistent/icmpguard.toml");
    ASSERT_FALSE(cfg.has_value());
    EXPECT_EQ(cfg.error().code(), ENOENT);
    EXPECT_NE(cfg.error().message().find("/nonexistent/icmpguard.toml"), std::string::npos);
}

// ---------------------------------------------------------------- order

TEST(ConfigParser, RulesInFileOrder) {
    // config.hpp: PolicyConfig::rules is "in file order".
    Config cfg = parse_ok(std::string(kIface) + "[policy.ipv4]\n\"timestamp-request\" = \"drop\"\n\"8\" = \"drop\"\n");
    ASSERT_EQ(cfg.policy.rules.size(), 2u);
    EXPECT_EQ(cfg.policy.rules[0].key, "timestamp-request");
    EXPECT_EQ(cfg.policy.rules[1].key, "8");
}

TEST(ConfigParser, FirstUnknownKeyInFileIsReported) {
    expect_error(std::string(kIface) + "zzz = 1\naaa = 2\n", "test.toml:3:1: ", {"unknown key \"zzz\""});
}

}  // namespace
}  // namespace icmpguard
