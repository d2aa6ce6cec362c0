// Label text for every enumerated ABI value, generated from the one list in
// include/icmpguard/lists.h and icmp_types.h: what the CLI prints, what JSON
// and Prometheus labels carry. Numbers without a name print as numbers.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace icmpguard {

std::string_view family_label(uint32_t family);
std::string_view action_label(uint32_t action);
std::string_view reason_label(uint32_t reason);
// The action a reason implies (pass or drop), from the same list.
uint32_t reason_action(uint32_t reason);

// nft spelling of an ICMP type for a family (IG_FAMILY_IPV4/IPV6), or the
// number as text when nft has no name for it.
std::string icmp_type_label(uint32_t family, uint32_t type);
// Accepts nft names (and aliases) and decimal numbers 0..255.
std::optional<uint8_t> parse_icmp_type(uint32_t family, std::string_view text);

// Code of a type: nft code names (e.g. frag-needed for IPv4 type 3) or 0..255.
std::optional<uint8_t> parse_icmp_code(uint32_t family, uint8_t type, std::string_view text);
std::string icmp_code_label(uint32_t family, uint8_t type, uint8_t code);

std::optional<uint32_t> parse_action(std::string_view text);

}  // namespace icmpguard
