#include "core/rate_limit_state.hpp"

#include "core/map_keys.hpp"

#include <cerrno>
#include <vector>

extern "C" {
#include <bpf/bpf.h>

#include "icmpguard/abi.h"
}

namespace icmpguard {

Expected<size_t> clear_rate_limit_sources(int fd) {
    // collect first: deleting while walking with get_next_key restarts the walk
    auto keys = map_keys<ig_rl_key>(fd, "rl_sources");
    if (!keys) return keys.error();
    size_t deleted = 0;
    for (const auto& k : *keys) {
        if (bpf_map_delete_elem(fd, &k) == 0) ++deleted;
        else if (errno != ENOENT) return Error::from_errno(errno, "deleting from rl_sources");
    }
    return deleted;
}

Expected<bool> rate_limit_prefixes_differ(int policy_state_fd, int rl_params_fd, const ig_rl_params& next) {
    uint32_t zero = 0;
    ig_policy_state state{};
    if (bpf_map_lookup_elem(policy_state_fd, &zero, &state)) return Error::from_errno(errno, "reading policy_state");
    if (state.generation == 0) return false;  // a fresh map: no state to misread
    uint32_t side = state.active_side & 1;
    ig_rl_params live{};
    if (bpf_map_lookup_elem(rl_params_fd, &side, &live)) return Error::from_errno(errno, "reading rl_params");
    if (!(live.flags & IG_RL_F_ENABLED)) return false;  // entries, if any, predate an off period: keep
    if (live.ip4_mask != next.ip4_mask) return true;
    for (int i = 0; i < 4; ++i)
        if (live.ip6_mask[i] != next.ip6_mask[i]) return true;
    return false;
}

}  // namespace icmpguard
