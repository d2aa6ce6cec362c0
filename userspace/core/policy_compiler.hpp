// PolicyCompiler: Config -> CompiledPolicy, the complete (family, type,
// code) -> action table the data plane reads. Pure: no I/O.
//
// Resolution: start from the preset's table, apply every type-wide rule,
// then every type/code rule (so a code rule wins over a type rule whatever
// their order in the file). A rule that drops what RFC 4890 (or PMTUD) says
// a host must not drop is refused unless the rule says force = true.
// docs/policy.md documents the presets; preset_table() is their source.
#pragma once

#include <string>
#include <vector>

#include "core/config.hpp"
#include "core/error.hpp"
#include "core/policy_writer.hpp"

namespace icmpguard {

struct CompiledPolicy {
    PolicyTable table;
    Preset preset = Preset::Rfc4890;
    PolicyMode mode = PolicyMode::Enforce;
    // Legal but worth a second look ("FILE:LINE:COL: ..."), e.g. dropping
    // ICMPv6 echo, which RFC 4890 lists as must-not-drop for diagnostics.
    std::vector<std::string> warnings;
};

class PolicyCompiler {
public:
    static PolicyTable preset_table(Preset preset);
    static Expected<CompiledPolicy> compile(const Config& config);
    // RFC 4890 §4.4.1 "must not drop" for local traffic, plus IPv4
    // frag-needed (PMTUD): refused as drop targets without force.
    static bool must_not_drop(uint32_t family, uint8_t type, uint8_t code);
};

// The table as text, one line per (family, type) with each code whose action
// differs from the type's main action: what `icmpguard check` prints.
std::string render_policy(const CompiledPolicy& policy);

}  // namespace icmpguard
