// PolicyTable: a complete policy, the action for every (family, ICMP type,
// code). PolicyWriter: the only writer of the policy, policy_state and
// rate-limit parameter maps (rl_params, rl_type_rates).
//
// apply() fills the side the program is not reading, completely (the table,
// its rules' no-limit flags, the rate limits), then flips policy_state in one
// map update and bumps the generation, so a packet sees the whole old policy
// and limits or the whole new ones. If writing the inactive side fails, the
// flip never happens and the running policy is untouched. Bucket states
// (rl_shared, rl_sources) are not touched: new limits apply to old state.
#pragma once

#include <cstdint>
#include <vector>

#include "core/error.hpp"
#include "core/rate_limits.hpp"

namespace icmpguard {

class PolicyTable {
public:
    // Everything passes until told otherwise: an empty policy fails open.
    PolicyTable();

    void set_type(uint32_t family, uint8_t type, uint8_t action);
    void set_code(uint32_t family, uint8_t type, uint8_t code, uint8_t action);
    uint8_t action(uint32_t family, uint8_t type, uint8_t code) const;
    // The 256 code actions of one type, in the ABI's row layout.
    const uint8_t* row(uint32_t family, uint8_t type) const;

private:
    std::vector<uint8_t> actions_;  // [family][type][code]
};

struct PolicyState {
    uint32_t active_side = 0;
    uint32_t flags = 0;  // IG_POLICY_F_*
    uint64_t generation = 0;
};

struct PolicyMapFds {
    int policy = -1;
    int state = -1;
    int rl_params = -1;      // -1: no limiter maps (then limits must be off)
    int rl_type_rates = -1;
};

class PolicyWriter {
public:
    explicit PolicyWriter(PolicyMapFds fds) : fds_(fds) {}
    PolicyWriter(int policy_fd, int state_fd) : fds_{policy_fd, state_fd, -1, -1} {}

    Expected<PolicyState> state() const;
    // Writes the inactive side, flips to it with `flags` (IG_POLICY_F_SHADOW);
    // returns the new state. Without `limits` the limiter is off on that side.
    Expected<PolicyState> apply(const PolicyTable& table, uint32_t flags = 0, const RateLimits* limits = nullptr);

private:
    Expected<void> write_limits(uint32_t side, const RateLimits* limits);

    PolicyMapFds fds_;
};

}  // namespace icmpguard
