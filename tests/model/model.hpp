// The reference model of icmpguard's packet path: an independent, plain C++
// description of what the XDP program must do with one frame, written from
// ../shared/RFC-NOTES.md (§3 echo responder, §4 bad-input catalogue) and
// docs/policy.md / docs/architecture.md §1, never from bpf/. The
// differential fuzzer (tests/fuzz) runs every input through this model and
// through the loaded program (BPF_PROG_TEST_RUN) and fails on any
// difference in action, output bytes or counters.
//
// Scope: the rate limiter is off (no [rate_limit] parameters written), the
// drop capture is off. Everything else the program decides is modelled.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

extern "C" {
#include "icmpguard/abi.h"
}

namespace icmpguard::model {

using Bytes = std::vector<uint8_t>;

struct LocalAddress {
    uint8_t family = IG_FAMILY_IPV4;  // IG_FAMILY_IPV4 or IG_FAMILY_IPV6
    std::array<uint8_t, 16> addr{};   // network order; IPv4 in addr[0..3], rest zero
    uint8_t kind = IG_ADDR_KIND_UNICAST;  // ig_addr_kind
};

// Everything the program's decision depends on (besides the frame).
struct Settings {
    // The interface's MAC (iface map); mac_known = false disables the
    // "frame for another station" check.
    std::array<uint8_t, 6> mac{0x02, 0, 0, 0, 0, 0x02};
    bool mac_known = true;
    // policy[family][type][code]: an ig_action in the low nibble (pass,
    // drop or reply); the high nibble holds rule flags (IG_RULE_F_*).
    // family index: IG_FAMILY_IPV4 (0) / IG_FAMILY_IPV6 (1).
    std::vector<uint8_t> policy = std::vector<uint8_t>(2 * 256 * 256, IG_ACTION_PASS);
    bool shadow = false;  // IG_POLICY_F_SHADOW
    std::vector<LocalAddress> addrs;
    // Load-time settings (bpf/lib/config.h .rodata).
    bool reply_enabled = true;
    uint8_t reply_ttl = 64;
    uint8_t max_ext_hdrs = 8;  // 1..8

    uint8_t& rule(uint32_t family, uint8_t type, uint8_t code) {
        return policy[(family * 256u + type) * 256u + code];
    }
    uint8_t rule(uint32_t family, uint8_t type, uint8_t code) const {
        return policy[(family * 256u + type) * 256u + code];
    }
};

// One counter increment the program must make (by one packet, of
// frame_len bytes: the whole frame as received).
struct TypeCount {
    uint32_t family = 0;  // IG_FAMILY_IPV4 / IG_FAMILY_IPV6
    uint32_t type = 0;    // ICMP type
    uint32_t action = 0;  // ig_action
    bool operator==(const TypeCount&) const = default;
};
struct ReasonCount {
    uint32_t family = 0;  // ig_family, IG_FAMILY_L2 included
    uint32_t reason = 0;  // ig_reason (never IG_REASON_NONE)
    bool operator==(const ReasonCount&) const = default;
};

struct Verdict {
    uint32_t xdp_action = 0;  // XDP_PASS (2), XDP_DROP (1) or XDP_TX (3)
    // The frame the program must leave behind: for XDP_TX the reply, built
    // by full recomputation of every checksum; otherwise the input
    // (possibly trimmed, where the model says the program trims).
    Bytes out;
    bool has_type = false;  // a (family, type, action) counter moves
    TypeCount type;
    bool has_reason = false;  // a (family, reason) counter moves
    ReasonCount reason;
};

Verdict decide(const Bytes& frame, const Settings& settings);

}  // namespace icmpguard::model
