// Labels and parsers generated from the X-macro lists (STYLE §3.3, §5.2):
// every label exists and is unique, a reason's action agrees with the pass
// mask the program shifts, and ICMP type names are nft's spelling, checked
// against an independent copy of the nft table written out below.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include "icmpguard/abi.h"
#include "icmpguard/icmp_types.h"
}

#include "core/names.hpp"

namespace icmpguard {
namespace {

struct ListEntry {
    uint32_t id;
    std::string_view label;
};

#define IG_X_ENTRY(id, label, ...) ListEntry{id, label},
const std::vector<ListEntry> kFamilies = {IG_FAMILY_LIST(IG_X_ENTRY)};
const std::vector<ListEntry> kActions = {IG_ACTION_LIST(IG_X_ENTRY)};
const std::vector<ListEntry> kReasons = {IG_REASON_LIST(IG_X_ENTRY)};
const std::vector<ListEntry> kAddrKinds = {IG_ADDR_KIND_LIST(IG_X_ENTRY)};
#undef IG_X_ENTRY

// Labels become Prometheus label values and JSON strings: lower-case
// identifiers, no spaces or dashes.
bool is_identifier(std::string_view s) {
    if (s.empty()) return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return false;
    return true;
}

void expect_list_well_formed(const char* name, const std::vector<ListEntry>& list, uint32_t count,
                             std::string_view (*label)(uint32_t)) {
    SCOPED_TRACE(name);
    EXPECT_EQ(list.size(), count);
    std::set<std::string_view> seen;
    for (uint32_t i = 0; i < list.size(); ++i) {
        SCOPED_TRACE("entry " + std::to_string(i) + " \"" + std::string(list[i].label) + "\"");
        EXPECT_EQ(list[i].id, i) << "enum value is not the list position";
        EXPECT_TRUE(is_identifier(list[i].label));
        EXPECT_TRUE(seen.insert(list[i].label).second) << "duplicate label";
        if (label) {
            EXPECT_EQ(label(i), list[i].label);
        }
    }
    if (label) {
        EXPECT_TRUE(label(count).empty()) << "label past the end of the list";
    }
}

TEST(Names, EveryListLabelIsNonEmptyUniqueAndServed) {
    expect_list_well_formed("families", kFamilies, IG_FAMILY_COUNT, family_label);
    expect_list_well_formed("actions", kActions, IG_ACTION_COUNT, action_label);
    expect_list_well_formed("reasons", kReasons, IG_REASON_COUNT, reason_label);
    expect_list_well_formed("address kinds", kAddrKinds, IG_ADDR_KIND_COUNT, nullptr);
    EXPECT_TRUE(family_label(1000).empty());
    EXPECT_TRUE(reason_label(IG_REASON_SLOTS).empty());
}

// Counter indices are positions: a few pinned ones guard against reordering
// (APPEND ONLY in lists.h; dashboards match on these).
TEST(Names, PositionsOfPublishedLabelsAreStable) {
    EXPECT_EQ(family_label(0), "ipv4");
    EXPECT_EQ(family_label(1), "ipv6");
    EXPECT_EQ(family_label(2), "l2");
    EXPECT_EQ(action_label(0), "pass");
    EXPECT_EQ(action_label(1), "drop");
    EXPECT_EQ(action_label(2), "reply");
    EXPECT_EQ(action_label(3), "rate_limited");
    EXPECT_EQ(reason_label(0), "none");
    EXPECT_EQ(reason_label(1), "policy_pass");
    EXPECT_EQ(reason_label(2), "policy_drop");
}

TEST(Names, ReasonActionAgreesWithPassMaskForEveryReason) {
    static_assert(IG_REASON_COUNT <= 64, "the pass mask is 64 bits");
#define IG_X_ACTION(id, label, action) static_cast<uint32_t>(action),
    const uint32_t list_actions[] = {IG_REASON_LIST(IG_X_ACTION)};
#undef IG_X_ACTION
    for (uint32_t r = 0; r < IG_REASON_COUNT; ++r) {
        SCOPED_TRACE("reason " + std::to_string(r) + " " + std::string(reason_label(r)));
        bool pass_bit = (IG_REASON_PASS_MASK >> r) & 1;
        bool rl_bit = (IG_REASON_RL_MASK >> r) & 1;
        uint32_t action = reason_action(r);
        EXPECT_TRUE(action == IG_ACTION_PASS || action == IG_ACTION_DROP || action == IG_ACTION_RATE_LIMITED)
            << "a reason implies pass, drop or rate_limited, got " << action_label(action);
        EXPECT_EQ(action, list_actions[r]);
        EXPECT_EQ(pass_bit, action == IG_ACTION_PASS);
        EXPECT_EQ(rl_bit, action == IG_ACTION_RATE_LIMITED);
    }
    // No bit beyond the list: the program would pass an unknown reason.
    if (IG_REASON_COUNT < 64) {
        EXPECT_EQ(IG_REASON_PASS_MASK >> IG_REASON_COUNT, 0u);
        EXPECT_EQ(IG_REASON_RL_MASK >> IG_REASON_COUNT, 0u);
    }
    // Spot checks against the intent spelled out in lists.h.
    EXPECT_EQ(reason_action(IG_REASON_POLICY_DROP), static_cast<uint32_t>(IG_ACTION_DROP));
    EXPECT_EQ(reason_action(IG_REASON_POLICY_PASS), static_cast<uint32_t>(IG_ACTION_PASS));
    EXPECT_EQ(reason_action(IG_REASON_ICMP_BAD_CSUM), static_cast<uint32_t>(IG_ACTION_DROP));
    EXPECT_EQ(reason_action(IG_REASON_NOT_ICMP), static_cast<uint32_t>(IG_ACTION_PASS));
    EXPECT_EQ(reason_action(IG_REASON_RL_SOURCE), static_cast<uint32_t>(IG_ACTION_RATE_LIMITED));
    EXPECT_EQ(reason_action(IG_REASON_RL_SOURCE_FLOOD), static_cast<uint32_t>(IG_ACTION_RATE_LIMITED));
}

// ---- ICMP type names ------------------------------------------------------

// nft 1.0.x `nft describe icmp type` / `icmpv6 type` (STYLE §5.2), written
// out independently of icmp_types.h. Aliases are listed after the name.
struct NftName {
    uint8_t number;
    const char* name;
};
const std::vector<NftName> kNft4 = {
    {0, "echo-reply"},           {3, "destination-unreachable"}, {4, "source-quench"},
    {5, "redirect"},             {8, "echo-request"},            {9, "router-advertisement"},
    {10, "router-solicitation"}, {11, "time-exceeded"},          {12, "parameter-problem"},
    {13, "timestamp-request"},   {14, "timestamp-reply"},        {15, "info-request"},
    {16, "info-reply"},          {17, "address-mask-request"},   {18, "address-mask-reply"},
};
const std::vector<NftName> kNft6 = {
    {1, "destination-unreachable"}, {2, "packet-too-big"},         {3, "time-exceeded"},
    {4, "parameter-problem"},       {128, "echo-request"},         {129, "echo-reply"},
    {130, "mld-listener-query"},    {131, "mld-listener-report"},  {132, "mld-listener-done"},
    {133, "nd-router-solicit"},     {134, "nd-router-advert"},     {135, "nd-neighbor-solicit"},
    {136, "nd-neighbor-advert"},    {137, "nd-redirect"},          {138, "router-renumbering"},
    {141, "ind-neighbor-solicit"},  {142, "ind-neighbor-advert"},  {143, "mld2-listener-report"},
};

std::optional<const char*> nft_name(const std::vector<NftName>& table, uint32_t type) {
    for (const auto& n : table)
        if (n.number == type) return n.name;
    return std::nullopt;
}

TEST(IcmpTypeNames, LabelIsNftNameOrNumberForEveryType) {
    for (uint32_t family : {uint32_t{IG_FAMILY_IPV4}, uint32_t{IG_FAMILY_IPV6}}) {
        const auto& table = family == IG_FAMILY_IPV4 ? kNft4 : kNft6;
        for (uint32_t type = 0; type < 256; ++type) {
            SCOPED_TRACE(std::string(family_label(family)) + " type " + std::to_string(type));
            auto name = nft_name(table, type);
            EXPECT_EQ(icmp_type_label(family, type), name ? std::string(*name) : std::to_string(type));
        }
    }
}

TEST(IcmpTypeNames, SpotChecks) {
    EXPECT_EQ(icmp_type_label(IG_FAMILY_IPV4, 8), "echo-request");
    EXPECT_EQ(icmp_type_label(IG_FAMILY_IPV4, 0), "echo-reply");
    EXPECT_EQ(icmp_type_label(IG_FAMILY_IPV6, 2), "packet-too-big");
    EXPECT_EQ(icmp_type_label(IG_FAMILY_IPV6, 128), "echo-request");
    EXPECT_EQ(icmp_type_label(IG_FAMILY_IPV6, 132), "mld-listener-done") << "the alias is input only";
    EXPECT_EQ(icmp_type_label(IG_FAMILY_IPV4, 42), "42");
    EXPECT_EQ(icmp_type_label(IG_FAMILY_IPV4, 2), "2") << "2 is a v6 name only";
    EXPECT_EQ(icmp_type_label(IG_FAMILY_IPV6, 148), "148");
    EXPECT_EQ(icmp_type_label(IG_FAMILY_IPV6, 139), "139");
    EXPECT_EQ(icmp_type_label(IG_FAMILY_IPV6, 8), "8") << "8 is a v4 name only";
}

// Every entry of the header's lists (aliases included) parses back to its
// number, and the first name of a number is the one printed.
TEST(IcmpTypeNames, EveryHeaderEntryParsesAndTheFirstNamePrints) {
    struct Entry {
        uint32_t family;
        uint8_t number;
        const char* name;
    };
#define IG_X_V4(id, number, name) Entry{IG_FAMILY_IPV4, number, name},
#define IG_X_V6(id, number, name) Entry{IG_FAMILY_IPV6, number, name},
    const std::vector<Entry> entries = {IG_ICMP4_TYPE_LIST(IG_X_V4) IG_ICMP6_TYPE_LIST(IG_X_V6)};
#undef IG_X_V4
#undef IG_X_V6
    std::set<std::pair<uint32_t, uint8_t>> printed;
    std::set<std::pair<uint32_t, std::string>> names;
    for (const auto& e : entries) {
        SCOPED_TRACE(std::string(family_label(e.family)) + " " + e.name);
        EXPECT_TRUE(names.insert({e.family, e.name}).second) << "name listed twice";
        EXPECT_EQ(parse_icmp_type(e.family, e.name), std::optional<uint8_t>(e.number));
        if (printed.insert({e.family, e.number}).second) {
            EXPECT_EQ(icmp_type_label(e.family, e.number), e.name);
        } else {
            EXPECT_NE(icmp_type_label(e.family, e.number), e.name) << "an alias must not print";
        }
    }
}

TEST(IcmpTypeNames, ParseAcceptsNamesAliasesAndDecimals) {
    EXPECT_EQ(parse_icmp_type(IG_FAMILY_IPV4, "echo-request"), std::optional<uint8_t>(8));
    EXPECT_EQ(parse_icmp_type(IG_FAMILY_IPV6, "echo-request"), std::optional<uint8_t>(128));
    EXPECT_EQ(parse_icmp_type(IG_FAMILY_IPV6, "packet-too-big"), std::optional<uint8_t>(2));
    EXPECT_EQ(parse_icmp_type(IG_FAMILY_IPV6, "mld-listener-done"), std::optional<uint8_t>(132));
    EXPECT_EQ(parse_icmp_type(IG_FAMILY_IPV6, "mld-listener-reduction"), std::optional<uint8_t>(132));
    for (uint32_t family : {uint32_t{IG_FAMILY_IPV4}, uint32_t{IG_FAMILY_IPV6}}) {
        for (unsigned n = 0; n <= 255; ++n) {
            SCOPED_TRACE(std::string(family_label(family)) + " " + std::to_string(n));
            EXPECT_EQ(parse_icmp_type(family, std::to_string(n)), std::optional<uint8_t>(n));
            // round trip through the printed label (name or number)
            EXPECT_EQ(parse_icmp_type(family, icmp_type_label(family, n)), std::optional<uint8_t>(n));
        }
    }
}

TEST(IcmpTypeNames, ParseRejectsInvalidText) {
    for (uint32_t family : {uint32_t{IG_FAMILY_IPV4}, uint32_t{IG_FAMILY_IPV6}}) {
        for (const char* text : {"256", "", "echo", "-1", "1000", "4294967304", "99999999999999999999",
                                 "8x", "x8", " 8", "8 ", "0x08", "+8", "Echo-Request", "echo_request",
                                 "echo-request ", "1.5"}) {
            SCOPED_TRACE(std::string(family_label(family)) + " \"" + text + "\"");
            EXPECT_EQ(parse_icmp_type(family, text), std::nullopt);
        }
    }
    // Names are per family.
    EXPECT_EQ(parse_icmp_type(IG_FAMILY_IPV4, "packet-too-big"), std::nullopt);
    EXPECT_EQ(parse_icmp_type(IG_FAMILY_IPV4, "mld-listener-reduction"), std::nullopt);
    EXPECT_EQ(parse_icmp_type(IG_FAMILY_IPV6, "timestamp-request"), std::nullopt);
    EXPECT_EQ(parse_icmp_type(IG_FAMILY_IPV6, "router-advertisement"), std::nullopt)
        << "v6 spells it nd-router-advert";
}

TEST(Names, ParseAction) {
    EXPECT_EQ(parse_action("pass"), std::optional<uint32_t>(IG_ACTION_PASS));
    EXPECT_EQ(parse_action("drop"), std::optional<uint32_t>(IG_ACTION_DROP));
    EXPECT_EQ(parse_action("reply"), std::optional<uint32_t>(IG_ACTION_REPLY));
    EXPECT_EQ(parse_action("rate_limited"), std::optional<uint32_t>(IG_ACTION_RATE_LIMITED));
    for (uint32_t a = 0; a < IG_ACTION_COUNT; ++a)
        EXPECT_EQ(parse_action(action_label(a)), std::optional<uint32_t>(a));
    for (const char* text : {"", "PASS", "Drop", "accept", "rate-limited", "pass ", "0", "none"})
        EXPECT_EQ(parse_action(text), std::nullopt) << '"' << text << '"';
}

}  // namespace
}  // namespace icmpguard
