// PolicyTable: a complete policy, the action for every (family, ICMP type,
// code). PolicyWriter: the only writer of the policy and policy_state maps.
//
// apply() fills the side the program is not reading, completely, then flips
// policy_state in one map update and bumps the generation, so a packet sees
// the whole old table or the whole new one. If writing the inactive side
// fails, the flip never happens and the running policy is untouched.
#pragma once

#include <cstdint>
#include <vector>

#include "core/error.hpp"

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

class PolicyWriter {
public:
    PolicyWriter(int policy_fd, int state_fd) : policy_fd_(policy_fd), state_fd_(state_fd) {}

    Expected<PolicyState> state() const;
    // Writes the inactive side, flips to it with `flags` (IG_POLICY_F_SHADOW);
    // returns the new state.
    Expected<PolicyState> apply(const PolicyTable& table, uint32_t flags = 0);

private:
    int policy_fd_;
    int state_fd_;
};

}  // namespace icmpguard
