// Every key of a BPF hash map, by BPF_MAP_GET_NEXT_KEY: the one walk the
// control plane, the tests and the benchmarks use (small maps, or places
// where a batch read is not worth it).
#pragma once

#include <cerrno>
#include <string>
#include <vector>

extern "C" {
#include <bpf/bpf.h>
}

#include "core/error.hpp"

namespace icmpguard {

// Keys present at the time of the walk; an entry deleted meanwhile may be
// missed, one added meanwhile may or may not be listed.
template <typename Key>
Expected<std::vector<Key>> map_keys(int fd, const std::string& what) {
    std::vector<Key> keys;
    Key key{}, next{};
    const void* prev = nullptr;
    while (bpf_map_get_next_key(fd, prev, &next) == 0) {
        keys.push_back(next);
        key = next;
        prev = &key;
    }
    if (errno != ENOENT) return Error::from_errno(errno, "walking " + what);
    return keys;
}

}  // namespace icmpguard
