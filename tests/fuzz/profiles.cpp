#include "profiles.hpp"

#include <arpa/inet.h>

#include <map>
#include <random>
#include <stdexcept>

extern "C" {
#include "icmpguard/abi.h"
#include "icmpguard/icmp_types.h"
}

#include "core/policy_compiler.hpp"

namespace icmpguard::fuzz {
namespace {

model::LocalAddress addr(const char* text, uint8_t kind) {
    model::LocalAddress a;
    a.kind = kind;
    if (inet_pton(AF_INET, text, a.addr.data()) == 1) a.family = IG_FAMILY_IPV4;
    else if (inet_pton(AF_INET6, text, a.addr.data()) == 1) a.family = IG_FAMILY_IPV6;
    else throw std::invalid_argument(text);
    return a;
}

// The bpf tier's lab (tests/common/bpf_harness.hpp), so fixture frames mean
// the same thing here.
std::vector<model::LocalAddress> lab_addrs() {
    return {addr("198.51.100.2", IG_ADDR_KIND_UNICAST),     addr("203.0.113.2", IG_ADDR_KIND_UNICAST),
            addr("2001:db8::2", IG_ADDR_KIND_UNICAST),      addr("fe80::2", IG_ADDR_KIND_UNICAST),
            addr("198.51.100.255", IG_ADDR_KIND_BROADCAST), addr("2001:db8::", IG_ADDR_KIND_ANYCAST)};
}

void copy_table(model::Settings& s, const PolicyTable& t) {
    for (uint32_t f = 0; f < IG_ICMP_FAMILIES; ++f)
        for (unsigned type = 0; type < 256; ++type)
            for (unsigned code = 0; code < 256; ++code)
                s.rule(f, static_cast<uint8_t>(type), static_cast<uint8_t>(code)) =
                    t.action(f, static_cast<uint8_t>(type), static_cast<uint8_t>(code));
}

void lab_policy(model::Settings& s) {
    // tests/common/bpf_harness.cpp lab_policy(), written out again: the fuzz
    // core does not link GTest (which bpf_harness.hpp pulls in).
    PolicyTable t;
    t.set_type(IG_FAMILY_IPV4, IG_ICMP4_ECHO_REQUEST, IG_ACTION_REPLY);
    t.set_type(IG_FAMILY_IPV6, IG_ICMP6_ECHO_REQUEST, IG_ACTION_REPLY);
    t.set_type(IG_FAMILY_IPV4, IG_ICMP4_TIMESTAMP_REQUEST, IG_ACTION_DROP);
    t.set_type(IG_FAMILY_IPV6, 139, IG_ACTION_DROP);
    copy_table(s, t);
}

// pass / drop / reply mixed over types and codes, with the no-limit rule
// flag in the high nibble of some entries (the limiter is off, so it must
// change nothing). Reply on a non-echo type is what the compiler refuses
// but the program must still treat as pass (docs/architecture.md §1.3).
void mixed_policy(model::Settings& s, uint32_t seed) {
    std::mt19937 rng(seed);
    auto pick = [&](unsigned pass, unsigned drop) -> uint8_t {
        unsigned r = rng() % 100;
        return r < pass ? IG_ACTION_PASS : r < pass + drop ? IG_ACTION_DROP : IG_ACTION_REPLY;
    };
    for (uint32_t f = 0; f < IG_ICMP_FAMILIES; ++f) {
        const unsigned echo = f == IG_FAMILY_IPV4 ? unsigned{IG_ICMP4_ECHO_REQUEST} : unsigned{IG_ICMP6_ECHO_REQUEST};
        for (unsigned type = 0; type < 256; ++type) {
            const bool per_code = type == echo || rng() % 5 == 0;
            uint8_t whole = pick(50, 40);
            for (unsigned code = 0; code < 256; ++code) {
                uint8_t a = per_code ? pick(25, 25) : whole;
                if (type == echo && code == 0) a = IG_ACTION_REPLY;  // keep the responder reachable
                if (rng() % 4 == 0) a |= IG_RULE_F_NO_LIMIT;
                s.rule(f, static_cast<uint8_t>(type), static_cast<uint8_t>(code)) = a;
            }
        }
    }
}

// Lab addresses plus addresses that share addr_slots slots (collision
// markers, the hash fallback) and a few that sit alone, of every kind.
std::vector<model::LocalAddress> many_addrs() {
    auto out = lab_addrs();
    std::map<uint32_t, std::vector<model::LocalAddress>> by_slot;
    for (const auto& a : out) {
        alignas(4) ig_addr_key k{};
        k.family = a.family;
        std::copy(a.addr.begin(), a.addr.end(), k.addr);
        by_slot[ig_addr_slot_index(&k)].push_back(a);
    }
    const uint8_t kinds[] = {IG_ADDR_KIND_UNICAST, IG_ADDR_KIND_UNICAST, IG_ADDR_KIND_BROADCAST,
                             IG_ADDR_KIND_ANYCAST};
    unsigned groups = 0, singles = 0;
    for (unsigned i = 1; i < 4096 && (groups < 8 || singles < 8); ++i) {
        model::LocalAddress a;
        a.family = i % 2 ? IG_FAMILY_IPV4 : IG_FAMILY_IPV6;
        if (a.family == IG_FAMILY_IPV4) {
            a.addr[0] = 10, a.addr[1] = 9, a.addr[2] = static_cast<uint8_t>(i >> 8), a.addr[3] = static_cast<uint8_t>(i);
        } else {
            a.addr[0] = 0x20, a.addr[1] = 0x01, a.addr[2] = 0x0d, a.addr[3] = 0xb8, a.addr[5] = 9;
            a.addr[14] = static_cast<uint8_t>(i >> 8), a.addr[15] = static_cast<uint8_t>(i);
        }
        // kinds as address sync produces them: directed broadcasts are IPv4, anycast IPv6
        a.kind = kinds[i % 4];
        if (a.family == IG_FAMILY_IPV6 && a.kind == IG_ADDR_KIND_BROADCAST) a.kind = IG_ADDR_KIND_ANYCAST;
        if (a.family == IG_FAMILY_IPV4 && a.kind == IG_ADDR_KIND_ANYCAST) a.kind = IG_ADDR_KIND_BROADCAST;
        alignas(4) ig_addr_key k{};
        k.family = a.family;
        std::copy(a.addr.begin(), a.addr.end(), k.addr);
        auto& slot = by_slot[ig_addr_slot_index(&k)];
        if (slot.size() == 1 && groups < 8) {  // second address of a slot: a collision
            slot.push_back(a);
            out.push_back(a);
            ++groups;
        } else if (slot.empty() && singles < 8 && i % 7 == 0) {
            slot.push_back(a);
            out.push_back(a);
            ++singles;
        }
    }
    return out;
}

// The limiter profiles (8, 9): tiny limits, so refusals happen constantly.
// Rates in the GCRA form of rate-limiting.md ("The bucket arithmetic"):
// interval 1/r, tolerance (b-1)/r. 1 pps is the slowest rate a config can
// give (IG_RL_INTERVAL_MAX), so a spent bucket stays spent for a second: far
// longer than the corpus replay takes from one seed to the next (seed_gen.cpp
// orders the seeds that make every rl reason certain).
ig_rl_rate pps(uint64_t rate, uint64_t burst) {
    ig_rl_rate r{};
    r.interval_ns = 1000000000ull / rate;
    r.tolerance_ns = (burst - 1) * r.interval_ns;
    return r;
}

RateLimits limiter_base() {
    RateLimits l;
    l.params.flags = IG_RL_F_ENABLED;
    l.params.ip4_mask = 0xffffffffu;                              // /32
    l.params.ip6_mask[0] = l.params.ip6_mask[1] = 0xffffffffu;   // /64
    l.params.filter_period_ns = 8000000000ull;                    // the maybe-known filter, as by default
    l.sources = 1024;
    return l;
}

// The default exemptions (rate-limiting.md §1) as the policy rows' no-limit
// flag, as PolicyWriter writes them.
void default_exemptions(model::Settings& s) {
    for (const ExemptRule& e : RateLimitCompiler::default_exempt())
        for (unsigned code = 0; code < 256; ++code)
            if (!e.code || *e.code == code) s.rule(e.family, e.type, static_cast<uint8_t>(code)) |= IG_RULE_F_NO_LIMIT;
}

std::vector<Profile> build() {
    std::vector<Profile> p(kProfileCount);
    for (auto& x : p) x.settings.addrs = lab_addrs();

    p[0].name = "lab";
    lab_policy(p[0].settings);

    p[1].name = "rfc4890";
    copy_table(p[1].settings, PolicyCompiler::preset_table(Preset::Rfc4890));

    p[2].name = "mixed";
    mixed_policy(p[2].settings, 0x1c3b9a7u);

    p[3].name = "shadow";
    copy_table(p[3].settings, PolicyCompiler::preset_table(Preset::Rfc4890));
    p[3].settings.shadow = true;

    p[4].name = "mac_unknown";
    lab_policy(p[4].settings);
    p[4].settings.mac_known = false;

    p[5].name = "no_reply";
    lab_policy(p[5].settings);
    p[5].settings.reply_enabled = false;

    p[6].name = "ttl255_eh3_many_addrs";
    lab_policy(p[6].settings);
    p[6].settings.reply_ttl = 255;
    p[6].settings.max_ext_hdrs = 3;
    p[6].settings.addrs = many_addrs();

    p[7].name = "strict_eh1_ttl1_other_mac";
    copy_table(p[7].settings, PolicyCompiler::preset_table(Preset::Strict));
    p[7].settings.reply_ttl = 1;
    p[7].settings.max_ext_hdrs = 1;
    p[7].settings.mac = {0x0a, 0xbb, 0xcc, 0xdd, 0xee, 0xff};

    // Every stage of the limiter, enforcing: per-source buckets of one packet
    // for both classes, a new-source budget of one source per CPU and class,
    // per-type ceilings on destination-unreachable, small class totals; the
    // default exemptions (PMTUD, on-link ND/MLD/MRD) as no-limit rule flags.
    p[8].name = "rl_tight";
    lab_policy(p[8].settings);
    default_exemptions(p[8].settings);
    p[8].settings.limiter_on = true;
    p[8].limits = limiter_base();
    p[8].limits.params.per_source[IG_RL_ECHO] = pps(1, 1);
    p[8].limits.params.per_source[IG_RL_OTHER] = pps(1, 1);
    p[8].limits.params.new_sources = pps(1, 1);
    p[8].limits.params.total[IG_RL_ECHO] = pps(1, 4);
    p[8].limits.params.total[IG_RL_OTHER] = pps(1, 4);
    p[8].limits.type_rates[IG_FAMILY_IPV4 * IG_ICMP_TYPES + 3] = pps(1, 2);
    p[8].limits.type_rates[IG_FAMILY_IPV6 * IG_ICMP_TYPES + 1] = pps(1, 2);

    // Only the shared ceilings, in shadow mode: no per-source stage (rate 0
    // skips it, and the new-source budget with it), so a packet is refused
    // by its type's ceiling (v4 destination-unreachable, v6 time-exceeded)
    // or, for echo requests, by the echo total; the other class has no total,
    // so a refused destination-unreachable is always rl_type. No exemptions.
    p[9].name = "rl_shared_shadow";
    lab_policy(p[9].settings);
    p[9].settings.shadow = true;
    p[9].settings.limiter_on = true;
    p[9].limits = limiter_base();
    p[9].limits.params.new_sources = pps(1, 1);
    p[9].limits.params.total[IG_RL_ECHO] = pps(1, 1);
    p[9].limits.type_rates[IG_FAMILY_IPV4 * IG_ICMP_TYPES + 3] = pps(1, 1);
    p[9].limits.type_rates[IG_FAMILY_IPV6 * IG_ICMP_TYPES + 3] = pps(1, 1);
    return p;
}

}  // namespace

const std::vector<Profile>& profiles() {
    static const std::vector<Profile> p = build();
    return p;
}

}  // namespace icmpguard::fuzz
