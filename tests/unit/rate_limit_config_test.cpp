// [rate_limit]: ConfigParser (TOML -> RateLimitConfig: every key, defaults,
// every class of error with its exact "test.toml:LINE:COL:" and key) and
// RateLimitCompiler (RateLimitConfig -> the exact ig_rl_params, type rates
// and exemption flags the data plane reads), and render_rate_limits().
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include "icmpguard/abi.h"
#include "lib/token_bucket.h"
}

#include "common/config_expect.hpp"
#include "core/config_parser.hpp"
#include "core/rate_limits.hpp"

namespace icmpguard {
namespace {

// Three lines: an interface, then the [rate_limit] header; keys start on line 4.
constexpr const char* kHead = "[[interface]]\nname = \"eth0\"\n[rate_limit]\n";

using test::expect_error;
using test::parse_ok;

RateLimitConfig parse_rl(const std::string& body) { return parse_ok(kHead + body).rate_limit; }

void expect_rl_error(const std::string& body, const std::string& prefix, std::vector<std::string> parts) {
    expect_error(kHead + body, prefix, std::move(parts));
}

void expect_defaults(const RateLimitConfig& rl) {
    EXPECT_TRUE(rl.enabled);
    EXPECT_EQ(rl.echo_per_source_pps, 1000u);
    EXPECT_EQ(rl.echo_per_source_burst, 0u);
    EXPECT_EQ(rl.per_source_pps, 200u);
    EXPECT_EQ(rl.per_source_burst, 0u);
    EXPECT_EQ(rl.total_pps, 100000u);
    EXPECT_EQ(rl.total_burst, 0u);
    EXPECT_EQ(rl.ipv4_prefix, 32u);
    EXPECT_EQ(rl.ipv6_prefix, 64u);
    EXPECT_EQ(rl.sources, 65536u);
    EXPECT_EQ(rl.new_sources_pps, 0u);
    EXPECT_TRUE(rl.types.empty());
    EXPECT_FALSE(rl.exempt.has_value());
}

// ================================================================ parser

TEST(RateLimitConfig, DefaultsWhenAbsent) {
    RateLimitConfig rl = parse_ok("[[interface]]\nname = \"eth0\"\n").rate_limit;
    expect_defaults(rl);
    EXPECT_TRUE(rl.where.empty());
}

TEST(RateLimitConfig, EmptyTableKeepsDefaults) {
    expect_defaults(parse_rl(""));
    expect_defaults(parse_rl("[rate_limit.types]\n[rate_limit.types.ipv4]\n[rate_limit.types.ipv6]\n"));
}

TEST(RateLimitConfig, ExampleConfigShowsTheDefaults) {
    const auto example = std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "dist" / "icmpguard.toml";
    auto cfg = ConfigParser::parse_file(example.string());
    ASSERT_TRUE(cfg.has_value()) << cfg.error().message();
    expect_defaults(cfg->rate_limit);
    EXPECT_EQ(cfg->rate_limit.where.size(), 11u);  // every scalar key is written out
}

TEST(RateLimitConfig, EveryKeySet) {
    RateLimitConfig rl = parse_rl(
        "enabled = false\n"
        "echo_per_source_pps = 10\n"
        "echo_per_source_burst = 20\n"
        "per_source_pps = 30\n"
        "per_source_burst = 40\n"
        "total_pps = 50\n"
        "total_burst = 60\n"
        "ipv4_prefix = 24\n"
        "ipv6_prefix = 48\n"
        "sources = 1024\n"
        "new_sources_pps = 70\n");
    EXPECT_FALSE(rl.enabled);
    EXPECT_EQ(rl.echo_per_source_pps, 10u);
    EXPECT_EQ(rl.echo_per_source_burst, 20u);
    EXPECT_EQ(rl.per_source_pps, 30u);
    EXPECT_EQ(rl.per_source_burst, 40u);
    EXPECT_EQ(rl.total_pps, 50u);
    EXPECT_EQ(rl.total_burst, 60u);
    EXPECT_EQ(rl.ipv4_prefix, 24u);
    EXPECT_EQ(rl.ipv6_prefix, 48u);
    EXPECT_EQ(rl.sources, 1024u);
    EXPECT_EQ(rl.new_sources_pps, 70u);
    // every key remembers where it was written, for the compiler's messages
    EXPECT_EQ(rl.where.at("enabled").str(), "test.toml:4:1");
    EXPECT_EQ(rl.where.at("total_pps").str(), "test.toml:9:1");
    EXPECT_EQ(rl.where.at("new_sources_pps").str(), "test.toml:14:1");
    EXPECT_EQ(rl.where.size(), 11u);
}

TEST(RateLimitConfig, BoundsAccepted) {
    EXPECT_EQ(parse_rl("total_pps = 0\n").total_pps, 0u);
    EXPECT_EQ(parse_rl("total_pps = 1000000000\n").total_pps, 1000000000u);
    EXPECT_EQ(parse_rl("total_burst = 1000000000\n").total_burst, 1000000000u);
    EXPECT_EQ(parse_rl("new_sources_pps = 1000000000\n").new_sources_pps, 1000000000u);
    EXPECT_EQ(parse_rl("ipv4_prefix = 8\n").ipv4_prefix, 8u);
    EXPECT_EQ(parse_rl("ipv4_prefix = 32\n").ipv4_prefix, 32u);
    EXPECT_EQ(parse_rl("ipv6_prefix = 16\n").ipv6_prefix, 16u);
    EXPECT_EQ(parse_rl("ipv6_prefix = 128\n").ipv6_prefix, 128u);
    EXPECT_EQ(parse_rl("sources = 1\n").sources, 1u);
    EXPECT_EQ(parse_rl("sources = 16777216\n").sources, 16777216u);
    EXPECT_EQ(parse_rl("echo_per_source_pps = 0x10\n").echo_per_source_pps, 16u);
}

TEST(RateLimitConfig, TypeCeilings) {
    RateLimitConfig rl = parse_rl(
        "[rate_limit.types.ipv4]\n"
        "\"destination-unreachable\" = 1000\n"           // line 5
        "\"13\" = { pps = 5, burst = 2 }\n"              // line 6
        "time-exceeded = { pps = 7 }\n"                  // line 7
        "[rate_limit.types.ipv6]\n"
        "\"parameter-problem\" = { pps = 9, burst = 0 }\n"  // line 9
        "[rate_limit.types.ipv6.\"time-exceeded\"]\n"      // line 10: the same as a sub-table
        "pps = 11\nburst = 12\n");
    ASSERT_EQ(rl.types.size(), 5u);
    auto check = [](const TypeCeiling& c, uint32_t family, uint8_t type, uint64_t pps, uint64_t burst,
                    const char* key, const char* where) {
        SCOPED_TRACE(key);
        EXPECT_EQ(c.family, family);
        EXPECT_EQ(c.type, type);
        EXPECT_EQ(c.pps, pps);
        EXPECT_EQ(c.burst, burst);
        EXPECT_EQ(c.key, key);
        EXPECT_EQ(c.where.str(), where);
    };
    check(rl.types[0], IG_FAMILY_IPV4, 3, 1000, 0, "destination-unreachable", "test.toml:5:1");
    check(rl.types[1], IG_FAMILY_IPV4, 13, 5, 2, "13", "test.toml:6:1");
    check(rl.types[2], IG_FAMILY_IPV4, 11, 7, 0, "time-exceeded", "test.toml:7:1");
    check(rl.types[3], IG_FAMILY_IPV6, 4, 9, 0, "parameter-problem", "test.toml:9:1");
    check(rl.types[4], IG_FAMILY_IPV6, 3, 11, 12, "time-exceeded", "test.toml:10:24");
}

TEST(RateLimitConfig, TypeCeilingsDottedAndInFileOrder) {
    RateLimitConfig rl = parse_rl("types.ipv6.\"packet-too-big\" = 3\ntypes.ipv4.\"echo-request\" = 4\n");
    ASSERT_EQ(rl.types.size(), 2u);
    EXPECT_EQ(rl.types[0].family, static_cast<uint32_t>(IG_FAMILY_IPV6));
    EXPECT_EQ(rl.types[0].type, 2);
    EXPECT_EQ(rl.types[1].family, static_cast<uint32_t>(IG_FAMILY_IPV4));
    EXPECT_EQ(rl.types[1].type, 8);
}

TEST(RateLimitConfig, ExemptLists) {
    RateLimitConfig rl = parse_rl(
        "[rate_limit.exempt]\n"
        "ipv4 = [\"destination-unreachable/frag-needed\", \"3/port-unreachable\", \"time-exceeded\"]\n"
        "ipv6 = [\"packet-too-big\", \"135\", \"1/4\"]\n");
    ASSERT_TRUE(rl.exempt.has_value());
    const auto& e = *rl.exempt;
    ASSERT_EQ(e.size(), 6u);
    EXPECT_EQ(e[0].family, static_cast<uint32_t>(IG_FAMILY_IPV4));
    EXPECT_EQ(e[0].type, 3);
    EXPECT_EQ(e[0].code, std::optional<uint8_t>(4));
    EXPECT_EQ(e[0].key, "destination-unreachable/frag-needed");
    EXPECT_EQ(e[0].where.str(), "test.toml:5:9");
    EXPECT_EQ(e[1].code, std::optional<uint8_t>(3));
    EXPECT_EQ(e[2].type, 11);
    EXPECT_FALSE(e[2].code.has_value());
    EXPECT_EQ(e[3].family, static_cast<uint32_t>(IG_FAMILY_IPV6));
    EXPECT_EQ(e[3].type, 2);
    EXPECT_FALSE(e[3].code.has_value());
    EXPECT_EQ(e[4].type, 135);
    EXPECT_EQ(e[5].type, 1);
    EXPECT_EQ(e[5].code, std::optional<uint8_t>(4));
}

TEST(RateLimitConfig, ExemptTableReplacesTheDefault) {
    // present but empty: nothing exempt at all
    RateLimitConfig rl = parse_rl("[rate_limit.exempt]\n");
    ASSERT_TRUE(rl.exempt.has_value());
    EXPECT_TRUE(rl.exempt->empty());
    // one family only: the other has nothing exempt
    rl = parse_rl("[rate_limit.exempt]\nipv6 = [\"packet-too-big\"]\n");
    ASSERT_TRUE(rl.exempt.has_value());
    ASSERT_EQ(rl.exempt->size(), 1u);
    EXPECT_EQ((*rl.exempt)[0].family, static_cast<uint32_t>(IG_FAMILY_IPV6));
    rl = parse_rl("[rate_limit.exempt]\nipv4 = []\n");
    ASSERT_TRUE(rl.exempt.has_value());
    EXPECT_TRUE(rl.exempt->empty());
}

TEST(RateLimitConfig, ExemptTypeAndOneOfItsCodesMayBothBeListed) {
    // not two spellings of one entry: the type covers the code, harmlessly
    RateLimitConfig rl = parse_rl("[rate_limit.exempt]\nipv4 = [\"3\", \"3/4\"]\n");
    ASSERT_TRUE(rl.exempt.has_value());
    EXPECT_EQ(rl.exempt->size(), 2u);
}

// ---------------------------------------------------------------- errors

TEST(RateLimitConfig, TopLevelNotATable) {
    expect_error("rate_limit = 5\n[[interface]]\nname = \"eth0\"\n", "test.toml:1:14: ",
                 {"rate_limit", "expected a table", "integer"});
}

TEST(RateLimitConfig, UnknownKeys) {
    expect_rl_error("enable = true\n", "test.toml:4:1: ",
                    {"unknown key \"enable\"", "[rate_limit]", "enabled, echo_per_source_pps"});
    expect_rl_error("[rate_limit.types]\nipv5 = {}\n", "test.toml:5:1: ",
                    {"unknown key \"ipv5\"", "[rate_limit.types]", "ipv4, ipv6"});
    expect_rl_error("[rate_limit.types.ipv4]\n\"3\" = { pps = 1, brust = 2 }\n", "test.toml:5:18: ",
                    {"unknown key \"brust\"", "rate_limit.types.ipv4.\"3\"", "pps, burst"});
    expect_rl_error("[rate_limit.exempt]\nip4 = []\n", "test.toml:5:1: ",
                    {"unknown key \"ip4\"", "[rate_limit.exempt]", "ipv4, ipv6"});
}

TEST(RateLimitConfig, FirstErrorInFileOrderIsReported) {
    // toml++ sorts keys; the parser reports the first one in the file
    expect_rl_error("total_pps = -1\necho_per_source_pps = -1\n", "test.toml:4:13: ", {"rate_limit.total_pps"});
    expect_rl_error("sources = 0\nenabled = 1\n", "test.toml:4:11: ", {"rate_limit.sources"});
}

TEST(RateLimitConfig, WrongTypes) {
    expect_rl_error("enabled = \"yes\"\n", "test.toml:4:11: ", {"rate_limit.enabled", "expected a boolean", "string"});
    expect_rl_error("total_pps = \"1000\"\n", "test.toml:4:13: ",
                    {"rate_limit.total_pps", "expected an integer", "string"});
    expect_rl_error("per_source_burst = 1.5\n", "test.toml:4:20: ",
                    {"rate_limit.per_source_burst", "expected an integer", "floating-point"});
    expect_rl_error("ipv6_prefix = true\n", "test.toml:4:15: ",
                    {"rate_limit.ipv6_prefix", "expected an integer", "boolean"});
    expect_rl_error("types = 3\n", "test.toml:4:9: ", {"rate_limit.types", "expected a table", "integer"});
    expect_rl_error("types.ipv4 = []\n", "test.toml:4:14: ",
                    {"rate_limit.types.ipv4", "expected a table", "array"});
    expect_rl_error("exempt = [\"3/4\"]\n", "test.toml:4:10: ", {"rate_limit.exempt", "expected a table", "array"});
    expect_rl_error("exempt.ipv4 = \"3/4\"\n", "test.toml:4:15: ",
                    {"rate_limit.exempt.ipv4", "expected an array of strings", "string"});
    expect_rl_error("exempt.ipv6 = [\"2\", 135]\n", "test.toml:4:21: ",
                    {"rate_limit.exempt.ipv6[1]", "expected a string", "integer"});
}

TEST(RateLimitConfig, WrongTypeTypeCeiling) {
    expect_rl_error("[rate_limit.types.ipv4]\n\"3\" = \"1000\"\n", "test.toml:5:7: ",
                    {"rate_limit.types.ipv4.\"3\"", "expected an integer (pps) or a table", "string"});
    expect_rl_error("[rate_limit.types.ipv4]\n\"3\" = { pps = \"1\" }\n", "test.toml:5:15: ",
                    {"rate_limit.types.ipv4.\"3\".pps", "expected an integer", "string"});
    expect_rl_error("[rate_limit.types.ipv6]\n\"2\" = { pps = 1, burst = 2.0 }\n", "test.toml:5:26: ",
                    {"rate_limit.types.ipv6.\"2\".burst", "expected an integer", "floating-point"});
    expect_rl_error("[rate_limit.types.ipv6]\n\"2\" = { burst = 2 }\n", "test.toml:5:7: ",
                    {"rate_limit.types.ipv6.\"2\"", "\"pps\" is required"});
}

TEST(RateLimitConfig, OutOfRange) {
    struct Case {
        const char* line;
        const char* prefix;
        const char* key;
        const char* value;
        const char* range;
    };
    const Case cases[] = {
        {"echo_per_source_pps = -1", "test.toml:4:23: ", "echo_per_source_pps", "-1", "0-1000000000"},
        {"echo_per_source_pps = 1000000001", "test.toml:4:23: ", "echo_per_source_pps", "1000000001",
         "0-1000000000"},
        {"echo_per_source_burst = 1000000001", "test.toml:4:25: ", "echo_per_source_burst", "1000000001",
         "0-1000000000"},
        {"per_source_pps = 9223372036854775807", "test.toml:4:18: ", "per_source_pps", "9223372036854775807",
         "0-1000000000"},
        {"per_source_burst = -5", "test.toml:4:20: ", "per_source_burst", "-5", "0-1000000000"},
        {"total_pps = 1000000001", "test.toml:4:13: ", "total_pps", "1000000001", "0-1000000000"},
        {"total_burst = -1", "test.toml:4:15: ", "total_burst", "-1", "0-1000000000"},
        {"new_sources_pps = 1000000001", "test.toml:4:19: ", "new_sources_pps", "1000000001", "0-1000000000"},
        {"ipv4_prefix = 7", "test.toml:4:15: ", "ipv4_prefix", "7", "8-32"},
        {"ipv4_prefix = 33", "test.toml:4:15: ", "ipv4_prefix", "33", "8-32"},
        {"ipv6_prefix = 15", "test.toml:4:15: ", "ipv6_prefix", "15", "16-128"},
        {"ipv6_prefix = 129", "test.toml:4:15: ", "ipv6_prefix", "129", "16-128"},
        {"sources = 0", "test.toml:4:11: ", "sources", "0", "1-16777216"},
        {"sources = 16777217", "test.toml:4:11: ", "sources", "16777217", "1-16777216"},
    };
    for (const auto& c : cases)
        expect_rl_error(std::string(c.line) + "\n", c.prefix,
                        {std::string("rate_limit.") + c.key + ": " + c.value + " is out of range " + c.range});
}

TEST(RateLimitConfig, TypeCeilingOutOfRange) {
    // pps 0 would mean "no ceiling": leave the type out instead
    expect_rl_error("[rate_limit.types.ipv4]\n\"3\" = 0\n", "test.toml:5:7: ",
                    {"rate_limit.types.ipv4.\"3\": 0 is out of range 1-1000000000"});
    expect_rl_error("[rate_limit.types.ipv4]\n\"3\" = { pps = 1000000001 }\n", "test.toml:5:15: ",
                    {"rate_limit.types.ipv4.\"3\".pps: 1000000001 is out of range 1-1000000000"});
    expect_rl_error("[rate_limit.types.ipv6]\n\"2\" = { pps = 1, burst = -1 }\n", "test.toml:5:26: ",
                    {"rate_limit.types.ipv6.\"2\".burst: -1 is out of range 0-1000000000"});
}

TEST(RateLimitConfig, UnknownTypeNames) {
    expect_rl_error("[rate_limit.types.ipv4]\n\"destination-unreachabel\" = 10\n", "test.toml:5:1: ",
                    {"rate_limit.types.ipv4.\"destination-unreachabel\"",
                     "unknown ICMP type \"destination-unreachabel\""});
    expect_rl_error("[rate_limit.types.ipv6]\n\"redirect\" = 10\n", "test.toml:5:1: ",
                    {"rate_limit.types.ipv6.\"redirect\"", "unknown ICMPv6 type \"redirect\""});
    expect_rl_error("[rate_limit.types.ipv4]\n\"256\" = 10\n", "test.toml:5:1: ", {"unknown ICMP type \"256\""});
    expect_rl_error("[rate_limit.exempt]\nipv4 = [\"packet-too-big\"]\n", "test.toml:5:9: ",
                    {"rate_limit.exempt.ipv4[0]", "unknown ICMP type \"packet-too-big\""});
    expect_rl_error("[rate_limit.exempt]\nipv6 = [\"2\", \"nd-redirekt\"]\n", "test.toml:5:14: ",
                    {"rate_limit.exempt.ipv6[1]", "unknown ICMPv6 type \"nd-redirekt\""});
}

TEST(RateLimitConfig, UnknownCodeNames) {
    expect_rl_error("[rate_limit.exempt]\nipv4 = [\"destination-unreachable/frag-neded\"]\n", "test.toml:5:9: ",
                    {"rate_limit.exempt.ipv4[0]", "unknown code \"frag-neded\"", "destination-unreachable"});
    expect_rl_error("[rate_limit.exempt]\nipv4 = [\"3/256\"]\n", "test.toml:5:9: ", {"unknown code \"256\""});
    expect_rl_error("[rate_limit.exempt]\nipv6 = [\"1/\"]\n", "test.toml:5:9: ",
                    {"rate_limit.exempt.ipv6[0]", "unknown code \"\""});
}

TEST(RateLimitConfig, NoCodesInTypeCeilings) {
    // the data plane keeps one ceiling per type
    expect_rl_error("[rate_limit.types.ipv4]\n\"destination-unreachable/port-unreachable\" = 10\n", "test.toml:5:1: ",
                    {"rate_limit.types.ipv4.\"destination-unreachable/port-unreachable\"", "codes are not allowed"});
    expect_rl_error("[rate_limit.types.ipv6]\n\"1/\" = 10\n", "test.toml:5:1: ", {"codes are not allowed"});
}

TEST(RateLimitConfig, DuplicateTypeCeiling) {
    expect_rl_error("[rate_limit.types.ipv4]\n\"destination-unreachable\" = 10\n\"3\" = 20\n", "test.toml:6:1: ",
                    {"rate_limit.types.ipv4.\"3\"", "\"destination-unreachable\" at test.toml:5:1", "write it once"});
    expect_rl_error("[rate_limit.types.ipv6]\n\"mld-listener-done\" = 10\n\"mld-listener-reduction\" = { pps = 1 }\n",
                    "test.toml:6:1: ", {"rate_limit.types.ipv6.\"mld-listener-reduction\"", "mld-listener-done"});
    // the same type in the other family is a different ceiling
    EXPECT_EQ(parse_rl("types.ipv4.\"3\" = 1\ntypes.ipv6.\"3\" = 1\n").types.size(), 2u);
}

TEST(RateLimitConfig, DuplicateExempt) {
    expect_rl_error("[rate_limit.exempt]\nipv4 = [\"destination-unreachable/frag-needed\", \"3/4\"]\n",
                    "test.toml:5:48: ",
                    {"rate_limit.exempt.ipv4[1]", "\"3/4\"", "\"destination-unreachable/frag-needed\" at test.toml:5:9",
                     "write it once"});
    expect_rl_error("[rate_limit.exempt]\nipv6 = [\"135\", \"nd-neighbor-solicit\"]\n", "test.toml:5:16: ",
                    {"rate_limit.exempt.ipv6[1]", "\"135\" at test.toml:5:9"});
    // one number in both families is two entries
    EXPECT_EQ(parse_rl("exempt.ipv4 = [\"3\"]\nexempt.ipv6 = [\"3\"]\n").exempt->size(), 2u);
}

// ================================================================ compiler

RateLimits compile_ok(const RateLimitConfig& c, unsigned cpus = 4) {
    auto l = RateLimitCompiler::compile(c, cpus);
    EXPECT_TRUE(l.has_value()) << l.error().message();
    return l ? l.value() : RateLimits{};
}

std::string compile_error(const RateLimitConfig& c) {
    auto l = RateLimitCompiler::compile(c, 4);
    EXPECT_FALSE(l.has_value());
    if (l) return "";
    EXPECT_EQ(l.error().code(), EINVAL);
    return l.error().message();
}

std::vector<uint8_t> bytes_of(const void* p, size_t n) {
    std::vector<uint8_t> v(n);
    std::memcpy(v.data(), p, n);
    return v;
}

void expect_rate(const ig_rl_rate& r, uint64_t interval, uint64_t tolerance) {
    EXPECT_EQ(r.interval_ns, interval);
    EXPECT_EQ(r.tolerance_ns, tolerance);
}

TEST(RateLimitCompiler, FreshLimitsAreOffAndEmpty) {
    RateLimits l;
    EXPECT_EQ(l.params.flags, 0u);
    EXPECT_EQ(bytes_of(&l.params, sizeof(l.params)), std::vector<uint8_t>(sizeof(l.params), 0));
    ASSERT_EQ(l.type_rates.size(), 2u * 256);
    for (const auto& r : l.type_rates) expect_rate(r, 0, 0);
    ASSERT_EQ(l.exempt.size(), 2u * 256 * 256);
    EXPECT_TRUE(std::all_of(l.exempt.begin(), l.exempt.end(), [](uint8_t b) { return b == 0; }));
}

TEST(RateLimitCompiler, Ip4Masks) {
    const std::pair<uint32_t, std::vector<uint8_t>> cases[] = {
        {32, {0xff, 0xff, 0xff, 0xff}},
        {24, {0xff, 0xff, 0xff, 0x00}},
        {8, {0xff, 0x00, 0x00, 0x00}},
        {20, {0xff, 0xff, 0xf0, 0x00}},
    };
    for (const auto& [len, bytes] : cases) {
        SCOPED_TRACE(len);
        RateLimitConfig c;
        c.ipv4_prefix = len;
        RateLimits l = compile_ok(c);
        EXPECT_EQ(bytes_of(&l.params.ip4_mask, 4), bytes);  // network order in memory
        EXPECT_EQ(prefix_len_of_ip4_mask(l.params.ip4_mask), len);
    }
}

TEST(RateLimitCompiler, Ip6Masks) {
    auto mask = [](int ones) {
        std::vector<uint8_t> v(16, 0);
        for (int i = 0; i < 16; ++i) v[i] = ones >= 8 * (i + 1) ? 0xff : ones <= 8 * i ? 0 : 0xff << (8 - ones % 8);
        return v;
    };
    EXPECT_EQ(mask(64), (std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0,
                                              0}));  // the helper itself
    for (uint32_t len : {64u, 48u, 128u, 16u, 56u, 65u}) {
        SCOPED_TRACE(len);
        RateLimitConfig c;
        c.ipv6_prefix = len;
        RateLimits l = compile_ok(c);
        EXPECT_EQ(bytes_of(l.params.ip6_mask, 16), mask(static_cast<int>(len)));
        EXPECT_EQ(prefix_len_of_ip6_mask(l.params.ip6_mask), len);
    }
    RateLimitConfig c;
    c.ipv6_prefix = 48;
    EXPECT_EQ(bytes_of(compile_ok(c).params.ip6_mask, 16),
              (std::vector<uint8_t>{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
}

TEST(RateLimitCompiler, PrefixLengthOfEveryMask) {
    for (uint32_t len = 8; len <= 32; ++len) {
        RateLimitConfig c;
        c.ipv4_prefix = len;
        EXPECT_EQ(prefix_len_of_ip4_mask(compile_ok(c).params.ip4_mask), len);
    }
    for (uint32_t len = 16; len <= 128; ++len) {
        RateLimitConfig c;
        c.ipv6_prefix = len;
        EXPECT_EQ(prefix_len_of_ip6_mask(compile_ok(c).params.ip6_mask), len);
    }
}

TEST(RateLimitCompiler, DefaultRates) {
    RateLimits l = compile_ok(RateLimitConfig{});
    EXPECT_EQ(l.params.flags, static_cast<uint32_t>(IG_RL_F_ENABLED));
    // burst 0: one second's worth, so tolerance = (pps - 1) intervals
    expect_rate(l.params.per_source[IG_RL_ECHO], 1000000, 999ull * 1000000);       // 1000 pps
    expect_rate(l.params.per_source[IG_RL_OTHER], 5000000, 199ull * 5000000);      // 200 pps
    expect_rate(l.params.total[IG_RL_ECHO], 10000, 99999ull * 10000);              // 100000 pps
    expect_rate(l.params.total[IG_RL_OTHER], 10000, 99999ull * 10000);             // each class its own bucket
    EXPECT_EQ(l.sources, 65536u);
    for (const auto& r : l.type_rates) expect_rate(r, 0, 0);
}

TEST(RateLimitCompiler, ExplicitRatesAndBursts) {
    RateLimitConfig c;
    c.echo_per_source_pps = 10;
    c.echo_per_source_burst = 20;
    c.per_source_pps = 3;  // 333,333,333.3 ns: rounded to nearest
    c.per_source_burst = 1;
    c.total_pps = 1000000000;
    c.total_burst = 1000;
    RateLimits l = compile_ok(c);
    expect_rate(l.params.per_source[IG_RL_ECHO], 100000000, 19ull * 100000000);
    expect_rate(l.params.per_source[IG_RL_OTHER], 333333333, 0);
    expect_rate(l.params.total[IG_RL_ECHO], 1, 999);
    expect_rate(l.params.total[IG_RL_OTHER], 1, 999);
}

TEST(RateLimitCompiler, PpsZeroIsNoLimit) {
    RateLimitConfig c;
    c.echo_per_source_pps = 0;
    c.per_source_pps = 0;
    c.per_source_burst = 50;  // a burst without a rate limits nothing either
    c.total_pps = 0;
    RateLimits l = compile_ok(c);
    expect_rate(l.params.per_source[IG_RL_ECHO], 0, 0);
    expect_rate(l.params.per_source[IG_RL_OTHER], 0, 0);
    expect_rate(l.params.total[IG_RL_ECHO], 0, 0);
    expect_rate(l.params.total[IG_RL_OTHER], 0, 0);
    EXPECT_EQ(l.params.flags, static_cast<uint32_t>(IG_RL_F_ENABLED));
}

TEST(RateLimitCompiler, DisabledGivesFlagsZero) {
    RateLimitConfig c;
    c.enabled = false;
    EXPECT_EQ(compile_ok(c).params.flags, 0u);
}

TEST(RateLimitCompiler, NewSourcesSplitPerCpu) {
    RateLimitConfig c;
    c.new_sources_pps = 3000;
    // per-CPU pps = total / CPUs, burst = one second of it
    expect_rate(compile_ok(c, 1).params.new_sources, 333333, 2999ull * 333333);  // 3000 pps
    expect_rate(compile_ok(c, 2).params.new_sources, 666667, 1499ull * 666667);  // 1500 pps
    expect_rate(compile_ok(c, 3).params.new_sources, 1000000, 999ull * 1000000); // 1000 pps
    expect_rate(compile_ok(c, 0).params.new_sources, 333333, 2999ull * 333333);  // no CPU count: one

    // 0: sources / 8 in total; the default 65536 sources -> 8192 per second
    RateLimitConfig d;
    ig_rl_rate want{};
    for (unsigned cpus : {1u, 2u, 3u}) {
        SCOPED_TRACE(cpus);
        ASSERT_TRUE(ig_rl_rate_from_pps(8192 / cpus, 8192 / cpus, &want));
        expect_rate(compile_ok(d, cpus).params.new_sources, want.interval_ns, want.tolerance_ns);
    }
    expect_rate(compile_ok(d, 1).params.new_sources, 122070, 8191ull * 122070);

    // never below one per second per CPU
    RateLimitConfig small;
    small.sources = 7;  // 7 / 8 = 0 -> 1
    expect_rate(compile_ok(small, 1).params.new_sources, 1000000000, 0);
    small.new_sources_pps = 2;
    expect_rate(compile_ok(small, 3).params.new_sources, 1000000000, 0);
}

TEST(RateLimitCompiler, SourcesCopied) {
    RateLimitConfig c;
    c.sources = 1234;
    EXPECT_EQ(compile_ok(c).sources, 1234u);
}

TEST(RateLimitCompiler, TypeRates) {
    RateLimitConfig rl = parse_rl(
        "[rate_limit.types.ipv4]\n\"destination-unreachable\" = 1000\n"
        "[rate_limit.types.ipv6]\n\"time-exceeded\" = { pps = 500, burst = 100 }\n");
    RateLimits l = compile_ok(rl);
    expect_rate(l.type_rate(IG_FAMILY_IPV4, 3), 1000000, 999ull * 1000000);  // burst 0 -> pps
    expect_rate(l.type_rate(IG_FAMILY_IPV6, 3), 2000000, 99ull * 2000000);
    int set = 0;
    for (const auto& r : l.type_rates) set += r.interval_ns != 0;
    EXPECT_EQ(set, 2);
    expect_rate(l.type_rate(IG_FAMILY_IPV4, 11), 0, 0);
}

bool v6_default_exempt(int type) {
    static const std::set<int> types = {2, 130, 131, 132, 143, 133, 134, 135, 136, 141, 142, 148, 149, 151, 152, 153};
    return types.count(type) != 0;
}

TEST(RateLimitCompiler, DefaultExemptions) {
    RateLimits l = compile_ok(RateLimitConfig{});
    for (int type = 0; type < 256; ++type)
        for (int code = 0; code < 256; ++code) {
            const auto t = static_cast<uint8_t>(type), c = static_cast<uint8_t>(code);
            EXPECT_EQ(l.is_exempt(IG_FAMILY_IPV4, t, c), type == 3 && code == 4) << "ipv4 " << type << "/" << code;
            EXPECT_EQ(l.is_exempt(IG_FAMILY_IPV6, t, c), v6_default_exempt(type)) << "ipv6 " << type << "/" << code;
        }
    EXPECT_FALSE(l.is_exempt(IG_FAMILY_IPV6, 137, 0));  // redirect is limited

    auto rules = RateLimitCompiler::default_exempt();
    ASSERT_EQ(rules.size(), 17u);
    EXPECT_EQ(rules[0].key, "destination-unreachable/frag-needed");
    EXPECT_EQ(rules[1].key, "packet-too-big");
    EXPECT_FALSE(rules[1].code.has_value());
}

TEST(RateLimitCompiler, ConfiguredExemptionsReplaceTheDefault) {
    RateLimitConfig rl = parse_rl("[rate_limit.exempt]\nipv4 = [\"time-exceeded\", \"3/3\"]\n");
    RateLimits l = compile_ok(rl);
    size_t marked = 0;
    for (uint8_t b : l.exempt) marked += b;
    EXPECT_EQ(marked, 256u + 1u);  // a type without a code: all 256 codes
    for (int code = 0; code < 256; ++code) EXPECT_TRUE(l.is_exempt(IG_FAMILY_IPV4, 11, static_cast<uint8_t>(code)));
    EXPECT_TRUE(l.is_exempt(IG_FAMILY_IPV4, 3, 3));
    EXPECT_FALSE(l.is_exempt(IG_FAMILY_IPV4, 3, 4));   // the default is gone
    EXPECT_FALSE(l.is_exempt(IG_FAMILY_IPV6, 2, 0));   // and for IPv6, not listed at all

    RateLimitConfig none;
    none.exempt = std::vector<ExemptRule>{};
    RateLimits n = compile_ok(none);
    EXPECT_TRUE(std::all_of(n.exempt.begin(), n.exempt.end(), [](uint8_t b) { return b == 0; }));
}

TEST(RateLimitCompiler, OverflowingRateRejectedWithLocation) {
    // The parser's bounds keep every rate representable; a hand-built config may not.
    RateLimitConfig c;
    c.echo_per_source_pps = 2000000000;
    c.where["echo_per_source_pps"] = SourceLocation{"x.toml", 7, 1};
    std::string msg = compile_error(c);
    EXPECT_EQ(msg.rfind("x.toml:7:1: rate_limit.echo_per_source_pps: ", 0), 0u) << msg;
    EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;

    // a burst whose tolerance would pass 2^61 ns: the burst key is named
    RateLimitConfig b;
    b.per_source_pps = 1;
    b.per_source_burst = 1ull << 40;
    b.where["per_source_pps"] = SourceLocation{"x.toml", 8, 1};
    b.where["per_source_burst"] = SourceLocation{"x.toml", 9, 1};
    msg = compile_error(b);
    EXPECT_EQ(msg.rfind("x.toml:9:1: rate_limit.per_source_burst: ", 0), 0u) << msg;

    RateLimitConfig t;
    TypeCeiling ceiling;
    ceiling.family = IG_FAMILY_IPV6;
    ceiling.type = 1;
    ceiling.pps = 5000000000ull;
    ceiling.key = "destination-unreachable";
    ceiling.where = SourceLocation{"x.toml", 12, 1};
    t.types.push_back(ceiling);
    msg = compile_error(t);
    EXPECT_EQ(msg.rfind("x.toml:12:1: rate_limit.types.ipv6.\"destination-unreachable\": ", 0), 0u) << msg;

    RateLimitConfig p;
    p.ipv6_prefix = 8;
    p.where["ipv6_prefix"] = SourceLocation{"x.toml", 3, 1};
    msg = compile_error(p);
    EXPECT_EQ(msg.rfind("x.toml:3:1: rate_limit.ipv6_prefix: 8 is out of range 16-128", 0), 0u) << msg;
}

// ================================================================ render

TEST(RateLimitRender, Defaults) {
    EXPECT_EQ(render_rate_limits(compile_ok(RateLimitConfig{}, 2)),
              "rate limit: on\n"
              "  sources:       ipv4 /32, ipv6 /64, up to 65536 tracked\n"
              "  per source:    echo 1000 pps, burst 1000; other 200 pps, burst 200\n"
              "  total:         echo 100000 pps, burst 100000; other 100000 pps, burst 100000\n"
              "  new sources:   4096 a second per CPU, burst 4096\n"
              "  type ceilings: none\n"
              "  exempt ipv4:   destination-unreachable/frag-needed\n"
              "  exempt ipv6:   packet-too-big, mld-listener-query, mld-listener-report, mld-listener-done, "
              "nd-router-solicit, nd-router-advert, nd-neighbor-solicit, nd-neighbor-advert, ind-neighbor-solicit, "
              "ind-neighbor-advert, mld2-listener-report, 148, 149, 151, 152, 153\n");
}

TEST(RateLimitRender, CeilingsExemptionsAndNoLimit) {
    RateLimitConfig rl = parse_rl(
        "total_pps = 0\nipv4_prefix = 24\nipv6_prefix = 48\n"
        "[rate_limit.types.ipv4]\n\"3\" = { pps = 50, burst = 5 }\n"
        "[rate_limit.types.ipv6]\n\"time-exceeded\" = 20\n"
        "[rate_limit.exempt]\nipv4 = [\"3/4\", \"3/3\", \"time-exceeded\"]\n");
    const std::string text = render_rate_limits(compile_ok(rl));
    for (const char* part : {"ipv4 /24, ipv6 /48", "total:         echo no limit; other no limit\n",
                             "type ceilings: \n    ipv4 destination-unreachable: 50 pps, burst 5\n"
                             "    ipv6 time-exceeded: 20 pps, burst 20\n",
                             "exempt ipv4:   destination-unreachable/port-unreachable, "
                             "destination-unreachable/frag-needed, time-exceeded\n",
                             "exempt ipv6:   none\n"})
        EXPECT_NE(text.find(part), std::string::npos) << "missing \"" << part << "\" in:\n" << text;
}

TEST(RateLimitRender, Off) {
    RateLimitConfig c;
    c.enabled = false;
    EXPECT_EQ(render_rate_limits(compile_ok(c)), "rate limit: off (enabled = false): nothing is limited\n");
}

}  // namespace
}  // namespace icmpguard
