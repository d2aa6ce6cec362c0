// RateLimitReader: what the per-source rate limiter is doing, read from its
// maps (rl_sources, rl_params, policy_state, rl_new_sources). Reads only:
// BPF writes the state, PolicyWriter the params. What `icmpguard top`, the
// `rate_limit` object of `stats -j` and the icmpguard_ratelimit_* metrics
// show (docs/cli.md, docs/metrics.md).
//
// The pure parts (prefix formatting from a raw key and the live masks, the
// top-N selection) are free functions, unit-tested without maps.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"

extern "C" {
#include "icmpguard/abi.h"
}

namespace icmpguard {

// One rl_sources entry, as shown to people.
struct RateLimitSource {
    uint8_t family = 0;           // IG_FAMILY_IPV4 / IG_FAMILY_IPV6
    std::string prefix;           // "198.51.100.7/32", "2001:db8:1:2::/64"
    uint64_t limited = 0;         // packets from it refused by any limiter
    uint64_t last_limited_ns = 0; // CLOCK_MONOTONIC_COARSE ns of the last refusal; 0 = never
};

struct RateLimitSnapshot {
    bool enabled = false;          // the live side's IG_RL_F_ENABLED
    uint32_t ip4_prefix_len = 0;   // from the live side's masks; 0 = not written yet
    uint32_t ip6_prefix_len = 0;
    uint64_t sources = 0;          // entries read from rl_sources
    uint64_t capacity = 0;         // rl_sources max_entries
    uint64_t inserted = 0;         // rl_new_sources, summed over CPUs
    uint64_t refused = 0;
    uint64_t read_at_ns = 0;       // CLOCK_MONOTONIC_COARSE at the read: "seconds since" is relative to it
    std::vector<RateLimitSource> list;  // every entry; filled only when asked (Detail::Sources)
};

class RateLimitReader {
public:
    enum class Detail {
        Counts,   // sources, capacity, inserted/refused: no strings built (the scrape)
        Sources,  // and every entry in `list`
    };
    // How rl_sources is walked: BPF_MAP_LOOKUP_BATCH, falling back to
    // get_next_key on kernels without batch ops (Auto); or always the
    // fallback (Iterate, for tests).
    enum class Walk { Auto, Iterate };

    RateLimitReader(int rl_sources_fd, int rl_params_fd, int policy_state_fd, int rl_new_sources_fd,
                    Walk walk = Walk::Auto)
        : sources_fd_(rl_sources_fd),
          params_fd_(rl_params_fd),
          policy_state_fd_(policy_state_fd),
          new_sources_fd_(rl_new_sources_fd),
          walk_(walk) {}

    Expected<RateLimitSnapshot> snapshot(Detail detail) const;

private:
    int sources_fd_;
    int params_fd_;
    int policy_state_fd_;
    int new_sources_fd_;
    Walk walk_;
};

// "addr/len" of a raw rl_sources key. The length is the live side's for the
// key's family, lengthened if the key has address bits beyond it (an entry
// added under a longer prefix before a reload): a prefix never hides bits
// of its key. A length of 0 (params never written) prints the bare address.
std::string format_source_prefix(const ig_rl_key& key, uint32_t ip4_prefix_len, uint32_t ip6_prefix_len);

// The `n` sources with the most limited packets, highest first, equal counts
// by prefix; sources never limited are left out.
std::vector<RateLimitSource> top_sources(std::vector<RateLimitSource> sources, size_t n);

// Seconds from a last_limited_ns to `now_coarse_ns` (CLOCK_MONOTONIC_COARSE),
// never negative; and that clock now.
double seconds_since(uint64_t then_ns, uint64_t now_coarse_ns);
uint64_t monotonic_coarse_ns();

}  // namespace icmpguard
