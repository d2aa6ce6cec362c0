#include "core/rate_limit_state.hpp"

#include <cerrno>
#include <vector>

extern "C" {
#include <bpf/bpf.h>

#include "icmpguard/abi.h"
}

namespace icmpguard {

Expected<size_t> clear_rate_limit_sources(int fd) {
    // collect first: deleting while walking with get_next_key restarts the walk
    std::vector<ig_rl_key> keys;
    ig_rl_key key{}, next{};
    const void* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        keys.push_back(next);
        key = next;
        prev = &key;
    }
    if (errno != ENOENT) return Error::from_errno(errno, "listing rl_sources");
    size_t deleted = 0;
    for (const auto& k : keys) {
        if (bpf_map_delete_elem(fd, &k) == 0) ++deleted;
        else if (errno != ENOENT) return Error::from_errno(errno, "deleting from rl_sources");
    }
    return deleted;
}

}  // namespace icmpguard
