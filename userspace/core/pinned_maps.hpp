// PinnedMaps: the maps of one interface's program opened from their pins,
// without the daemon. What `icmpguard stats` and `status` read; read-only
// use only (the daemon and BPF stay the maps' writers).
#pragma once

#include <string>
#include <vector>

#include "core/error.hpp"
#include "core/unique_fd.hpp"

namespace icmpguard {

struct PinnedMaps {
    std::string interface;
    UniqueFd counters;
    UniqueFd reasons;
    UniqueFd policy_state;
    UniqueFd local_addrs;

    // Interfaces with pins under <root>/v<ABI>/, sorted by name.
    static Expected<std::vector<std::string>> list(const std::string& root);
    static Expected<PinnedMaps> open(const std::string& root, const std::string& interface);
};

}  // namespace icmpguard
