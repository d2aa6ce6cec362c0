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
//
// Interpretations of the rate limiter (architecture §1.4a, rate-limiting.md
// §1 "What is limited" and §2 "How a packet is decided"); the model says only
// *whether* a packet meets the limiter and in which class, never whether the
// limiter admits it (time, history and random credit decide that):
//   ML-1  Nothing meets it unless Settings::limiter_on.
//   ML-2  An echo request whose action is reply and that passes every echo
//         rule up to echo_too_long (so also the address checks) meets it in
//         class echo, before the checksum: the verdict for a bad checksum is
//         still icmp_bad_csum, but a refusal may take its place (rate-
//         limiting.md §2: "counted rl_source, not icmp_bad_csum"). Also in
//         shadow mode ("the limiter runs and spends credit too").
//   ML-3  "ICMP passed to the kernel" = a pass verdict whose reason is
//         policy_pass, frag_pass, ip4_opts_pass, ip6_eh_pass, echo_code_nz,
//         echo_disabled, echo_too_long or trim_failed, with the ICMP type read
//         (a non-first fragment's frag_pass is "refused before the ICMP type
//         is read"). Class echo for an echo request (type 8 / 128, any code:
//         "echo requests it hands to the kernel to answer", a policy pass of
//         an echo request included), other for every other type.
//         dst_not_local and l2_other_host are never limited (not for this
//         host), nor is any drop (shadow mode's would_drop passes included:
//         their reason is a drop).
//   ML-4  "For this host" (rate-limiting.md §1 "Not limited"): the IP
//         destination is one of our addresses of any kind (unicast,
//         directed broadcast, anycast), a multicast group (v4 224/4, v6
//         ff00::/8) or the limited broadcast; and the destination MAC is not
//         another station's (a unicast MAC other than ours while the MAC is
//         known: "frames for another station (l2_other_host)", whatever the
//         type). Anything else is transit and never limited.
//   ML-5  A rule with IG_RULE_F_NO_LIMIT (high nibble of the policy byte of
//         the packet's family, type and code) exempts the packet, echo
//         requests answered in XDP included.

#include "model/address.hpp"
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

uint8_t rule_flags(const Settings& s, const Packet& p) {
    const size_t idx = (static_cast<size_t>(p.family) * 256u + p.type) * 256u + p.code;
    return idx < s.policy.size() ? static_cast<uint8_t>(s.policy[idx] & ~IG_POLICY_ACTION_MASK) : 0;
}

// ML-4: traffic for this host (not transit, not for another station).
bool for_this_host(const FrameView& v, const Settings& s, const Packet& p) {
    const auto dst_mac = v.array<6>(0);
    if (s.mac_known && !(dst_mac[0] & 1) && dst_mac != s.mac) return false;
    if (local_kind(s, p.family, p.dst) != IG_ADDR_KIND_NONE) return true;
    if (p.family == IG_FAMILY_IPV4) return ip4_multicast(p.dst) || ip4_limited_broadcast(p.dst);
    return ip6_multicast(p.dst);
}

// ML-3: the passes after which the kernel handles the packet as ICMP.
bool limited_pass_reason(uint32_t reason) {
    switch (reason) {
        case IG_REASON_POLICY_PASS:
        case IG_REASON_FRAG_PASS:
        case IG_REASON_IP4_OPTS_PASS:
        case IG_REASON_IP6_EH_PASS:
        case IG_REASON_ECHO_CODE_NZ:
        case IG_REASON_ECHO_DISABLED:
        case IG_REASON_ECHO_TOO_LONG:
        case IG_REASON_TRIM_FAILED:
            return true;
        default:
            return false;
    }
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
    bool echo_eligible = false;  // ML-2: passed every echo rule (the limiter comes next)
    if (reason == IG_REASON_NONE) {
        const uint8_t action = policy_action(s, p);
        if (action == IG_ACTION_DROP) {
            reason = IG_REASON_POLICY_DROP;
        } else if (action == IG_ACTION_REPLY && is_echo_request(p)) {
            reason = echo_rules(in, s, p);
            if (reason == IG_REASON_NONE) {
                echo_eligible = true;
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

    // ML-1..ML-5: does the packet meet the limiter?
    if (s.limiter_on && p.type_read && !(rule_flags(s, p) & IG_RULE_F_NO_LIMIT)) {
        const bool pass = !reply && reason_action(reason) == IG_ACTION_PASS;
        if (echo_eligible || (pass && limited_pass_reason(reason) && for_this_host(in, s, p))) {
            out.meets_limiter = true;
            out.limiter_class = is_echo_request(p) ? uint32_t{IG_RL_ECHO} : uint32_t{IG_RL_OTHER};
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
