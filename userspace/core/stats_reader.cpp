#include "core/stats_reader.hpp"

#include <cerrno>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "icmpguard/abi.h"
}

namespace icmpguard {
namespace {

// Sum of one per-CPU slot over every possible CPU (values are 8-byte aligned
// per CPU; ig_counter already is).
Expected<ig_counter> read_summed(int fd, uint32_t index, std::vector<ig_counter>& scratch) {
    if (bpf_map_lookup_elem(fd, &index, scratch.data()))
        return Error::from_errno(errno, "reading counter slot " + std::to_string(index));
    ig_counter sum{};
    for (const auto& c : scratch) {
        sum.packets += c.packets;
        sum.bytes += c.bytes;
    }
    return sum;
}

}  // namespace

Expected<StatsSnapshot> StatsReader::snapshot() const {
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0) return Error::from_errno(ncpu, "counting possible CPUs");
    std::vector<ig_counter> scratch(static_cast<size_t>(ncpu));
    StatsSnapshot snap;

    for (uint32_t family = 0; family < IG_ICMP_FAMILIES; ++family)
        for (uint32_t type = 0; type < IG_ICMP_TYPES; ++type)
            for (uint32_t action = 0; action < IG_ACTION_COUNT; ++action) {
                auto c = read_summed(counters_fd_, ig_counter_index(family, type, action), scratch);
                if (!c) return c.error().wrap("counters");
                if (c->packets || c->bytes)
                    snap.counters.push_back({family, type, action, c->packets, c->bytes});
            }
    for (uint32_t family = 0; family < IG_FAMILY_COUNT; ++family)
        for (uint32_t reason = 0; reason < IG_REASON_COUNT; ++reason) {
            auto c = read_summed(reasons_fd_, ig_reason_index(family, reason), scratch);
            if (!c) return c.error().wrap("reasons");
            if (c->packets || c->bytes)
                snap.reasons.push_back({family, reason, c->packets, c->bytes});
        }
    return snap;
}

uint64_t StatsSnapshot::packets(uint32_t family, uint32_t type, uint32_t action) const {
    for (const auto& r : counters)
        if (r.family == family && r.type == type && r.action == action) return r.packets;
    return 0;
}

uint64_t StatsSnapshot::reason_packets(uint32_t family, uint32_t reason) const {
    for (const auto& r : reasons)
        if (r.family == family && r.reason == reason) return r.packets;
    return 0;
}

uint64_t StatsSnapshot::total_counter_packets() const {
    uint64_t n = 0;
    for (const auto& r : counters) n += r.packets;
    return n;
}

uint64_t StatsSnapshot::total_reason_packets() const {
    uint64_t n = 0;
    for (const auto& r : reasons) n += r.packets;
    return n;
}

}  // namespace icmpguard
