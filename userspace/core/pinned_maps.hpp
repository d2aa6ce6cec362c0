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
    // The rate limiter's maps. Optional: a pin directory written by a daemon
    // older than the limiter has none of them; then all three stay invalid
    // (rate_limit_pinned() is false) and the rest works as before.
    UniqueFd rl_sources;
    UniqueFd rl_params;
    UniqueFd rl_new_sources;

    bool rate_limit_pinned() const { return rl_sources.valid() && rl_params.valid() && rl_new_sources.valid(); }
    // What a command says when it needs them and rate_limit_pinned() is false.
    std::string rate_limit_missing_message() const;

    // Interfaces with pins under <root>/v<ABI>/, sorted by name.
    static Expected<std::vector<std::string>> list(const std::string& root);
    static Expected<PinnedMaps> open(const std::string& root, const std::string& interface);
};

}  // namespace icmpguard
