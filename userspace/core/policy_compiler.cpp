#include "core/policy_compiler.hpp"

#include <cerrno>
#include <map>
#include <sstream>

extern "C" {
#include "icmpguard/abi.h"
#include "icmpguard/icmp_types.h"
}

#include "core/names.hpp"

namespace icmpguard {
namespace {

constexpr uint8_t kPass = IG_ACTION_PASS;
constexpr uint8_t kDrop = IG_ACTION_DROP;
constexpr uint8_t kReply = IG_ACTION_REPLY;

void set_range(PolicyTable& t, uint32_t family, int first, int last, uint8_t action) {
    for (int type = first; type <= last; ++type) t.set_type(family, static_cast<uint8_t>(type), action);
}

// RFC-NOTES §1, host profile. Unknown and deprecated types drop (RFC 1122
// §3.2.2: a message of unknown type MUST be silently discarded).
void rfc4890_ipv4(PolicyTable& t) {
    const uint32_t f = IG_FAMILY_IPV4;
    set_range(t, f, 0, 255, kDrop);
    t.set_type(f, IG_ICMP4_ECHO_REPLY, kPass);
    t.set_type(f, IG_ICMP4_DEST_UNREACH, kPass);
    t.set_type(f, IG_ICMP4_ECHO_REQUEST, kReply);
    t.set_type(f, IG_ICMP4_TIME_EXCEEDED, kPass);
    t.set_type(f, IG_ICMP4_PARAM_PROBLEM, kPass);
}

// RFC-NOTES §2, the "Host default" column (RFC 4890 §4.4).
void rfc4890_ipv6(PolicyTable& t) {
    const uint32_t f = IG_FAMILY_IPV6;
    set_range(t, f, 0, 255, kDrop);
    set_range(t, f, 1, 4, kPass);        // errors: MND / SND
    set_range(t, f, 5, 99, kPass);       // unallocated errors: RFC 4443 §2.4(a)
    set_range(t, f, 102, 126, kPass);
    t.set_type(f, IG_ICMP6_ECHO_REQUEST, kReply);
    t.set_type(f, IG_ICMP6_ECHO_REPLY, kPass);
    set_range(t, f, 130, 136, kPass);    // MLD, RS, RA, NS, NA (validity checked in XDP)
    set_range(t, f, 141, 143, kPass);    // IND, MLDv2
    set_range(t, f, 148, 149, kPass);    // SEND
    set_range(t, f, 151, 153, kPass);    // MRD
}

// Only what must pass, plus echo: the host profile without the unallocated
// ICMPv6 error types it passes for RFC 4443 §2.4(a). (Its ICMPv4 side
// already passes only what a host needs.)
void strict_tables(PolicyTable& t) {
    rfc4890_ipv4(t);
    rfc4890_ipv6(t);
    set_range(t, IG_FAMILY_IPV6, 5, 99, kDrop);
    set_range(t, IG_FAMILY_IPV6, 102, 126, kDrop);
}

}  // namespace

PolicyTable PolicyCompiler::preset_table(Preset preset) {
    PolicyTable t;  // all pass
    switch (preset) {
    case Preset::Permissive:
        // pass and count everything; echo requests still answered in XDP
        // when [echo] reply = true (the kernel would answer them anyway)
        t.set_type(IG_FAMILY_IPV4, IG_ICMP4_ECHO_REQUEST, kReply);
        t.set_type(IG_FAMILY_IPV6, IG_ICMP6_ECHO_REQUEST, kReply);
        break;
    case Preset::Rfc4890:
        rfc4890_ipv4(t);
        rfc4890_ipv6(t);
        break;
    case Preset::Strict:
        strict_tables(t);
        break;
    }
    return t;
}

bool PolicyCompiler::must_not_drop(uint32_t family, uint8_t type, uint8_t code) {
    if (family == IG_FAMILY_IPV4) return type == IG_ICMP4_DEST_UNREACH && code == 4;  // frag-needed
    switch (type) {
    case 1:  // destination-unreachable
    case 2:  // packet-too-big
        return true;
    case 3: return code == 0;               // hop limit exceeded in transit
    case 4: return code == 1 || code == 2;  // unrecognized next header / option
    default:
        return (type >= 130 && type <= 136) || (type >= 141 && type <= 143) || type == 148 ||
               type == 149 || (type >= 151 && type <= 153);
    }
}

Expected<CompiledPolicy> PolicyCompiler::compile(const Config& config) {
    CompiledPolicy out;
    out.preset = config.policy.preset;
    out.mode = config.policy.mode;
    out.table = preset_table(config.policy.preset);

    for (const PolicyRule& r : config.policy.rules) {
        if (r.action != IG_ACTION_DROP || r.force) continue;
        for (int code = 0; code <= 255; ++code) {
            if (r.code && *r.code != code) continue;
            if (!must_not_drop(r.family, r.type, static_cast<uint8_t>(code))) continue;
            std::string what = icmp_type_label(r.family, r.type);
            if (r.code || r.family == IG_FAMILY_IPV4 || r.type == 3 || r.type == 4)
                what += "/" + icmp_code_label(r.family, r.type, static_cast<uint8_t>(code));
            return Error(EINVAL, r.where.str() + ": policy." +
                                     std::string(r.family == IG_FAMILY_IPV4 ? "ipv4" : "ipv6") +
                                     ".\"" + r.key + "\": dropping " + what +
                                     " breaks the network for this host (RFC 4890 / PMTUD: must not "
                                     "be dropped); write { action = \"drop\", force = true } to do it anyway");
        }
    }
    for (const PolicyRule& r : config.policy.rules)
        if (r.family == IG_FAMILY_IPV6 && r.action == IG_ACTION_DROP &&
            (r.type == IG_ICMP6_ECHO_REQUEST || r.type == IG_ICMP6_ECHO_REPLY))
            out.warnings.push_back(r.where.str() + ": policy.ipv6.\"" + r.key + "\": dropping " +
                                   icmp_type_label(r.family, r.type) +
                                   " breaks ping and path diagnostics (RFC 4890 §4.3.1 lists it as must-not-drop)");
    // type-wide rules first, then type/code rules: the more specific one wins
    for (int pass = 0; pass < 2; ++pass)
        for (const PolicyRule& r : config.policy.rules) {
            if (r.code.has_value() != (pass == 1)) continue;
            if (r.code) out.table.set_code(r.family, r.type, *r.code, r.action);
            else out.table.set_type(r.family, r.type, r.action);
        }
    return out;
}

std::string render_policy(const CompiledPolicy& policy) {
    std::ostringstream out;
    out << "preset " << to_string(policy.preset) << ", mode " << to_string(policy.mode) << "\n";
    out << "family  type                          action   codes that differ\n";
    for (uint32_t family = 0; family < IG_ICMP_FAMILIES; ++family) {
        for (int type = 0; type <= 255; ++type) {
            const uint8_t* row = policy.table.row(family, static_cast<uint8_t>(type));
            std::map<uint8_t, int> votes;
            for (int c = 0; c <= 255; ++c) votes[row[c]]++;
            uint8_t main = row[0];
            for (auto [a, n] : votes)
                if (n > votes[main]) main = a;
            std::string label = icmp_type_label(family, static_cast<uint8_t>(type));
            if (label != std::to_string(type)) label = std::to_string(type) + " " + label;
            char line[128];
            std::snprintf(line, sizeof(line), "%-7s %-29s %-8s", std::string(family_label(family)).c_str(),
                          label.c_str(), std::string(action_label(main)).c_str());
            out << line;
            for (int c = 0; c <= 255; ++c)
                if (row[c] != main)
                    out << " " << icmp_code_label(family, static_cast<uint8_t>(type), static_cast<uint8_t>(c))
                        << "=" << action_label(row[c]);
            out << "\n";
        }
    }
    return out.str();
}

}  // namespace icmpguard
