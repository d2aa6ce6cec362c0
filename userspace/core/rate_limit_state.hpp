// Maintenance of the limiter's BPF-written state, for the daemon (the only
// userspace writer it has).
#pragma once

#include <cstddef>

#include "core/error.hpp"

namespace icmpguard {

// Delete every entry of rl_sources (after a source prefix length changed,
// its keys would never match again). Returns how many were deleted. Safe
// while the program runs: a source seen meanwhile just starts afresh.
Expected<size_t> clear_rate_limit_sources(int rl_sources_fd);

}  // namespace icmpguard
