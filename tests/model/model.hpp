// The reference model of icmpguard's packet path: an independent, plain C++
// description of what the XDP program must do with one frame, written from
// ../shared/RFC-NOTES.md (§3 echo responder, §4 bad-input catalogue) and
// docs/policy.md / docs/architecture.md §1, never from bpf/. The
// differential fuzzer (tests/fuzz) runs every input through this model and
// through the loaded program (BPF_PROG_TEST_RUN) and fails on any
// difference in action, output bytes or counters.
//
// Scope: the drop capture is off. The rate limiter's decisions depend on
// time, history and random credit, which a per-frame model cannot state; the
// model says only whether a packet *meets* the limiter and in which class
// (Verdict::meets_limiter, with Settings::limiter_on), and what the program
// must do if the limiter lets it through. The harness accepts a refusal of
// such a packet in its place (tests/fuzz/differential.cpp). Everything else
// the program decides is modelled.
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
    // Rate limits written (rl_params with IG_RL_F_ENABLED): the verdict says
    // which packets meet the limiter. Off: nothing does (no limits written).
    bool limiter_on = false;

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
    // The packet meets the rate limiter (docs/architecture.md §1.4a,
    // docs/rate-limiting.md §1-2; only with Settings::limiter_on), in class
    // limiter_class (IG_RL_ECHO / IG_RL_OTHER). The fields above are the
    // verdict if the limiter admits it; if it refuses, the program drops it
    // (passes in shadow mode) counting (family, type, rate_limited /
    // would_drop) and one rl_* reason instead.
    bool meets_limiter = false;
    uint32_t limiter_class = IG_RL_ECHO;
};

Verdict decide(const Bytes& frame, const Settings& settings);

}  // namespace icmpguard::model
