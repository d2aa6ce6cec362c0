// decide(): the pipeline of docs/architecture.md §1 (parse, l2 checks,
// ICMPv6 checks, policy, echo) and the counting of §1.5.
//
// Interpretations:
//   MD-1  A policy byte's low nibble other than drop (1) or reply (2) acts
//         as pass (fail open, like the never-written table). A table
//         shorter than 2*256*256 passes what it does not cover.
//   MD-2  reply on anything but an echo request is policy_pass (§1.3).
//   MD-3  Counting (§1.5): a reply moves only (family, request type, reply);
//         a frame refused before its ICMP type was read moves only
//         (family, reason); any other ICMP packet passed or dropped moves
//         (family, type, pass|drop) and (family, reason).
//   MD-4  Shadow mode turns every drop into a pass, the parse-stage drops
//         (l2_trunc, ip4_*, ip6_*, eh_*, icmp_short) included ("nothing is
//         dropped"): the type counter says would_drop, the reason counter
//         keeps the reason. An echo that would be answered moves only
//         (family, type, would_reply), no reason, and is passed with its
//         padding cut (EC-5). Passes are counted as in enforce mode.
//   MD-5  Output for XDP_PASS / XDP_DROP: the input, cut to the IP length
//         only where the echo path trimmed it (EC-5).

#include "model/packet.hpp"

namespace icmpguard::model {
namespace {

constexpr uint32_t kXdpDrop = 1, kXdpPass = 2, kXdpTx = 3;  // enum xdp_action

// The verdict each reason implies, from the reason list itself (lists.h).
uint32_t reason_action(uint32_t reason) {
#define IG_X_REASON_ACTION(id, label, action) \
    case id:                                  \
        return action;
    switch (reason) { IG_REASON_LIST(IG_X_REASON_ACTION) }
#undef IG_X_REASON_ACTION
    return IG_ACTION_PASS;
}

uint8_t policy_action(const Settings& s, const Packet& p) {
    const size_t idx = (static_cast<size_t>(p.family) * 256u + p.type) * 256u + p.code;
    if (idx >= s.policy.size()) return IG_ACTION_PASS;
    const uint8_t action = s.policy[idx] & IG_POLICY_ACTION_MASK;
    if (action == IG_ACTION_DROP || action == IG_ACTION_REPLY) return action;
    return IG_ACTION_PASS;
}

// Parse and check: IG_REASON_NONE if the frame is an ICMP packet that
// reaches the policy.
uint32_t classify(const FrameView& v, const Settings& s, Packet& p) {
    uint16_t ethertype = 0;
    uint32_t r = parse_l2(v, p, ethertype);
    if (r != IG_REASON_NONE) return r;
    r = ethertype == kEthIpv4 ? parse_ipv4(v, p) : parse_ipv6(v, s, p);
    if (r != IG_REASON_NONE) return r;
    r = check_l2(v, s, p);
    if (r != IG_REASON_NONE) return r;
    if (p.family == IG_FAMILY_IPV6) return check_icmp6(v, p);
    return IG_REASON_NONE;
}

}  // namespace

Verdict decide(const Bytes& frame, const Settings& s) {
    Verdict out;
    out.out = frame;
    Packet p;
    const FrameView in(frame);

    uint32_t reason = classify(in, s, p);
    bool reply = false;
    if (reason == IG_REASON_NONE) {
        const uint8_t action = policy_action(s, p);
        if (action == IG_ACTION_DROP) {
            reason = IG_REASON_POLICY_DROP;
        } else if (action == IG_ACTION_REPLY && is_echo_request(p)) {
            reason = echo_rules(in, s, p);
            if (reason == IG_REASON_NONE) {
                // E6: cut the link padding before verifying, so padding
                // can never make a bad checksum look good (row 69).
                out.out.resize(p.l3_off + p.ip_len);
                if (echo_checksum_ok(FrameView(out.out), p)) reply = true;
                else reason = IG_REASON_ICMP_BAD_CSUM;
            }
        } else {
            reason = IG_REASON_POLICY_PASS;
        }
    }

    if (reply) {
        out.has_type = true;
        out.type = {p.family, p.type, s.shadow ? uint32_t{IG_ACTION_WOULD_REPLY} : uint32_t{IG_ACTION_REPLY}};
        if (s.shadow) {
            out.xdp_action = kXdpPass;
        } else {
            out.xdp_action = kXdpTx;
            out.out = build_reply(out.out, p, s);
        }
        return out;
    }

    uint32_t action = reason_action(reason);
    if (action == IG_ACTION_DROP && s.shadow) action = IG_ACTION_WOULD_DROP;
    out.xdp_action = action == IG_ACTION_DROP ? kXdpDrop : kXdpPass;
    out.has_reason = true;
    out.reason = {p.family, reason};
    if (p.type_read) {
        out.has_type = true;
        out.type = {p.family, p.type, action};
    }
    return out;
}

}  // namespace icmpguard::model
