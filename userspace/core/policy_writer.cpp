#include "core/policy_writer.hpp"

#include <cstring>

extern "C" {
#include <bpf/bpf.h>

#include "icmpguard/abi.h"
}

namespace icmpguard {

PolicyTable::PolicyTable()
    : actions_(IG_ICMP_FAMILIES * IG_ICMP_TYPES * IG_ICMP_CODES, IG_ACTION_PASS) {}

void PolicyTable::set_type(uint32_t family, uint8_t type, uint8_t action) {
    std::memset(&actions_[(family * IG_ICMP_TYPES + type) * IG_ICMP_CODES], action, IG_ICMP_CODES);
}

void PolicyTable::set_code(uint32_t family, uint8_t type, uint8_t code, uint8_t action) {
    actions_[(family * IG_ICMP_TYPES + type) * IG_ICMP_CODES + code] = action;
}

uint8_t PolicyTable::action(uint32_t family, uint8_t type, uint8_t code) const {
    return actions_[(family * IG_ICMP_TYPES + type) * IG_ICMP_CODES + code];
}

const uint8_t* PolicyTable::row(uint32_t family, uint8_t type) const {
    return &actions_[(family * IG_ICMP_TYPES + type) * IG_ICMP_CODES];
}

Expected<PolicyState> PolicyWriter::state() const {
    uint32_t key = 0;
    ig_policy_state st{};
    if (bpf_map_lookup_elem(fds_.state, &key, &st))
        return Error::from_errno(errno, "reading policy_state");
    return PolicyState{st.active_side & 1, st.flags, st.generation};
}

Expected<void> PolicyWriter::write_limits(uint32_t side, const RateLimits* limits) {
    if (fds_.rl_params < 0) {
        if (limits && (limits->params.flags & IG_RL_F_ENABLED))
            return Error(EINVAL, "rate limits given but the program has no rl_params map");
        return Ok{};
    }
    ig_rl_params params{};  // zero: limiter off on this side
    if (limits) params = limits->params;
    for (uint32_t family = 0; family < IG_ICMP_FAMILIES; ++family) {
        for (uint32_t type = 0; type < IG_ICMP_TYPES; ++type) {
            uint32_t key = ig_policy_index(side, family, type);
            ig_rl_rate rate{};
            if (limits) rate = limits->type_rate(family, static_cast<uint8_t>(type));
            if (bpf_map_update_elem(fds_.rl_type_rates, &key, &rate, BPF_ANY))
                return Error::from_errno(errno, "writing rl_type_rates side " + std::to_string(side));
        }
    }
    if (bpf_map_update_elem(fds_.rl_params, &side, &params, BPF_ANY))
        return Error::from_errno(errno, "writing rl_params side " + std::to_string(side));
    return Ok{};
}

Expected<PolicyState> PolicyWriter::apply(const PolicyTable& table, uint32_t flags, const RateLimits* limits) {
    auto current = state();
    if (!current) return current.error();
    // generation 0 means never written: side 0 is live (zeroed = pass all)
    const uint32_t target = current->generation == 0 ? 1 : current->active_side ^ 1;

    for (uint32_t family = 0; family < IG_ICMP_FAMILIES; ++family) {
        for (uint32_t type = 0; type < IG_ICMP_TYPES; ++type) {
            uint32_t key = ig_policy_index(target, family, type);
            ig_policy_row row;
            std::memcpy(row.code_action, table.row(family, static_cast<uint8_t>(type)),
                        sizeof(row.code_action));
            if (limits)
                for (uint32_t code = 0; code < IG_ICMP_CODES; ++code)
                    if (limits->is_exempt(family, static_cast<uint8_t>(type), static_cast<uint8_t>(code)))
                        row.code_action[code] |= IG_RULE_F_NO_LIMIT;
            if (bpf_map_update_elem(fds_.policy, &key, &row, BPF_ANY))
                return Error::from_errno(errno, "writing policy side " + std::to_string(target));
        }
    }
    if (auto r = write_limits(target, limits); !r) return r.error();

    ig_policy_state next{};
    next.active_side = target;
    next.flags = flags;
    next.generation = current->generation + 1;
    uint32_t key = 0;
    if (bpf_map_update_elem(fds_.state, &key, &next, BPF_ANY))
        return Error::from_errno(errno, "flipping policy_state");
    return PolicyState{next.active_side, next.flags, next.generation};
}

}  // namespace icmpguard
