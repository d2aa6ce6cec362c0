#include "core/names.hpp"

#include <array>
#include <charconv>

extern "C" {
#include "icmpguard/abi.h"
#include "icmpguard/icmp_types.h"
}

namespace icmpguard {
namespace {

#define IG_X_LABEL(id, label, ...) label,
constexpr std::string_view kFamilyLabels[] = {IG_FAMILY_LIST(IG_X_LABEL)};
constexpr std::string_view kActionLabels[] = {IG_ACTION_LIST(IG_X_LABEL)};
constexpr std::string_view kReasonLabels[] = {IG_REASON_LIST(IG_X_LABEL)};
#undef IG_X_LABEL
#define IG_X_REASON_ACTION(id, label, action) static_cast<uint32_t>(action),
constexpr uint32_t kReasonActions[] = {IG_REASON_LIST(IG_X_REASON_ACTION)};
#undef IG_X_REASON_ACTION

static_assert(std::size(kFamilyLabels) == IG_FAMILY_COUNT);
static_assert(std::size(kActionLabels) == IG_ACTION_COUNT);
static_assert(std::size(kReasonLabels) == IG_REASON_COUNT);

struct TypeName {
    uint8_t number;
    std::string_view name;
};
#define IG_X_TYPE_NAME(id, number, name) TypeName{number, name},
constexpr TypeName kIcmp4Types[] = {IG_ICMP4_TYPE_LIST(IG_X_TYPE_NAME)};
constexpr TypeName kIcmp6Types[] = {IG_ICMP6_TYPE_LIST(IG_X_TYPE_NAME)};
#undef IG_X_TYPE_NAME

struct CodeName {
    uint8_t type;
    uint8_t code;
    std::string_view name;
};
#define IG_X_CODE_NAME(type, code, name) CodeName{type, code, name},
constexpr CodeName kIcmp4Codes[] = {IG_ICMP4_CODE_LIST(IG_X_CODE_NAME)};
constexpr CodeName kIcmp6Codes[] = {IG_ICMP6_CODE_LIST(IG_X_CODE_NAME)};
#undef IG_X_CODE_NAME

std::optional<uint8_t> parse_u8(std::string_view text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty() || value > 255)
        return std::nullopt;
    return static_cast<uint8_t>(value);
}

template <size_t N>
std::string_view label_or_empty(const std::string_view (&labels)[N], uint32_t index) {
    return index < N ? labels[index] : std::string_view{};
}

std::string_view type_name(uint32_t family, uint32_t type) {
    auto find = [type](const auto& table) -> std::string_view {
        for (const auto& t : table)
            if (t.number == type) return t.name;  // first entry wins: aliases follow it
        return {};
    };
    return family == IG_FAMILY_IPV4 ? find(kIcmp4Types) : find(kIcmp6Types);
}

}  // namespace

std::string_view family_label(uint32_t family) { return label_or_empty(kFamilyLabels, family); }
std::string_view action_label(uint32_t action) { return label_or_empty(kActionLabels, action); }
std::string_view reason_label(uint32_t reason) { return label_or_empty(kReasonLabels, reason); }

uint32_t reason_action(uint32_t reason) {
    return reason < std::size(kReasonActions) ? kReasonActions[reason]
                                               : static_cast<uint32_t>(IG_ACTION_PASS);
}

std::string icmp_type_label(uint32_t family, uint32_t type) {
    std::string_view name = type_name(family, type);
    return name.empty() ? std::to_string(type) : std::string(name);
}

std::optional<uint8_t> parse_icmp_type(uint32_t family, std::string_view text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec == std::errc() && end == text.data() + text.size())
        return value <= 255 ? std::optional<uint8_t>(static_cast<uint8_t>(value)) : std::nullopt;
    auto find = [text](const auto& table) -> std::optional<uint8_t> {
        for (const auto& t : table)
            if (t.name == text) return t.number;
        return std::nullopt;
    };
    return family == IG_FAMILY_IPV4 ? find(kIcmp4Types) : find(kIcmp6Types);
}

std::optional<uint8_t> parse_icmp_code(uint32_t family, uint8_t type, std::string_view text) {
    if (auto n = parse_u8(text)) return n;
    auto find = [&](const auto& table) -> std::optional<uint8_t> {
        for (const auto& c : table)
            if (c.type == type && c.name == text) return c.code;
        return std::nullopt;
    };
    return family == IG_FAMILY_IPV4 ? find(kIcmp4Codes) : find(kIcmp6Codes);
}

std::string icmp_code_label(uint32_t family, uint8_t type, uint8_t code) {
    auto find = [&](const auto& table) -> std::string_view {
        for (const auto& c : table)
            if (c.type == type && c.code == code) return c.name;
        return {};
    };
    std::string_view name = family == IG_FAMILY_IPV4 ? find(kIcmp4Codes) : find(kIcmp6Codes);
    return name.empty() ? std::to_string(code) : std::string(name);
}

std::optional<uint32_t> parse_action(std::string_view text) {
    for (uint32_t i = 0; i < std::size(kActionLabels); ++i)
        if (kActionLabels[i] == text) return i;
    return std::nullopt;
}

}  // namespace icmpguard
