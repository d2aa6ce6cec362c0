// Maintenance of the limiter's BPF-written state, for the daemon (the only
// userspace writer it has).
#pragma once

#include <cstddef>

#include "core/error.hpp"

extern "C" {
#include "icmpguard/abi.h"
}

namespace icmpguard {

// Delete every entry of rl_sources (after a source prefix length changed,
// its keys would never match again). Returns how many were deleted. Safe
// while the program runs: a source seen meanwhile just starts afresh.
Expected<size_t> clear_rate_limit_sources(int rl_sources_fd);

// Do the live limits in these (possibly pinned, from an earlier run) maps
// key sources by other prefixes than `next`? False when nothing was ever
// written. Used at start: state kept across a restart must not be read
// under new prefixes.
Expected<bool> rate_limit_prefixes_differ(int policy_state_fd, int rl_params_fd, const ig_rl_params& next);

}  // namespace icmpguard
