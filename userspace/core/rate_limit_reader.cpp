#include "core/rate_limit_reader.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstring>
#include <ctime>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
}

#include "core/rate_limits.hpp"  // prefix_len_of_ip4_mask, prefix_len_of_ip6_mask

namespace icmpguard {
namespace {

// The shortest prefix length that holds every set bit of `addr[0..bytes)`.
uint32_t significant_bits(const uint8_t* addr, size_t bytes) {
    for (size_t i = bytes; i-- > 0;)
        if (addr[i]) return static_cast<uint32_t>(i * 8 + 8 - std::countr_zero(addr[i]));
    return 0;
}

Expected<bpf_map_info> map_info(int fd, const char* what) {
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    if (bpf_obj_get_info_by_fd(fd, &info, &len)) return Error::from_errno(errno, std::string("inspecting ") + what);
    return info;
}

// A map whose layout is not the one this build reads (pins of another
// build would be under another v<ABI> directory; this is the last guard).
Expected<bpf_map_info> checked_info(int fd, const char* what, uint32_t key_size, uint32_t value_size) {
    auto info = map_info(fd, what);
    if (!info) return info.error();
    if (info->key_size != key_size || info->value_size != value_size)
        return Error(EPROTO, std::string(what) + ": key/value size " + std::to_string(info->key_size) + "/" +
                                 std::to_string(info->value_size) + ", this build reads " +
                                 std::to_string(key_size) + "/" + std::to_string(value_size));
    return info;
}

// Calls f(key, value) for every entry of rl_sources (an LRU hash that BPF
// keeps changing: an entry added or evicted during the walk may or may not
// be seen, and none is seen twice by the batch walk).
//
// BPF_MAP_LOOKUP_BATCH copies up to `chunk` entries a syscall: 65,536
// entries are a handful of calls. Kernels without batch ops for the map
// (EINVAL/ENOTSUP on the first call) fall back to get_next_key plus one
// lookup per entry; that walk restarts from the first key when its cursor
// is evicted under it, so it is bounded by the capacity.
template <typename F>
Expected<void> walk_sources(int fd, uint32_t capacity, RateLimitReader::Walk walk, F&& f) {
    if (walk == RateLimitReader::Walk::Auto) {
        uint32_t chunk = std::min<uint32_t>(std::max<uint32_t>(capacity, 1), 8192);
        std::vector<ig_rl_key> keys(chunk);
        std::vector<ig_rl_source> values(chunk);
        // The batch cursor is opaque (a bucket index for hash maps, a key
        // for arrays): room for either.
        alignas(8) uint8_t in_batch[sizeof(ig_rl_key) + 12]{}, out_batch[sizeof(in_batch)]{};
        bool first = true;
        for (;;) {
            uint32_t count = chunk;
            int err = bpf_map_lookup_batch(fd, first ? nullptr : in_batch, out_batch, keys.data(), values.data(),
                                           &count, nullptr);
            int e = err ? errno : 0;
            if (e && e != ENOENT) {
                if (first && (e == EINVAL || e == ENOTSUP || e == EOPNOTSUPP)) break;  // no batch ops: walk
                if (e == ENOSPC && chunk < (1u << 24)) {  // one bucket holds more than `chunk`: grow, retry
                    chunk *= 2;
                    keys.resize(chunk);
                    values.resize(chunk);
                    continue;
                }
                return Error::from_errno(e, "reading rl_sources in batches");
            }
            for (uint32_t i = 0; i < count; ++i) f(keys[i], values[i]);
            if (e == ENOENT || count == 0) return Ok{};  // past the last bucket
            std::memcpy(in_batch, out_batch, sizeof(in_batch));
            first = false;
        }
    }
    ig_rl_key key{}, next{};
    const void* prev = nullptr;
    for (uint64_t seen = 0; seen < capacity; ++seen) {
        if (bpf_map_get_next_key(fd, prev, &next)) {
            if (errno == ENOENT) return Ok{};
            return Error::from_errno(errno, "walking rl_sources");
        }
        ig_rl_source value{};
        if (bpf_map_lookup_elem(fd, &next, &value) == 0) f(next, value);
        else if (errno != ENOENT) return Error::from_errno(errno, "reading rl_sources");  // ENOENT: evicted meanwhile
        key = next;
        prev = &key;
    }
    return Ok{};
}

}  // namespace

std::string format_source_prefix(const ig_rl_key& key, uint32_t ip4_prefix_len, uint32_t ip6_prefix_len) {
    bool v6 = key.family == IG_FAMILY_IPV6;
    if (!v6 && key.family != IG_FAMILY_IPV4) return "family " + std::to_string(key.family) + "?";
    char text[INET6_ADDRSTRLEN] = "";
    inet_ntop(v6 ? AF_INET6 : AF_INET, key.addr, text, sizeof(text));
    uint32_t len = v6 ? ip6_prefix_len : ip4_prefix_len;
    if (len == 0) return text;
    uint32_t bits = v6 ? 128 : 32;
    len = std::min(std::max(len, significant_bits(key.addr, v6 ? 16 : 4)), bits);
    return std::string(text) + "/" + std::to_string(len);
}

std::vector<RateLimitSource> top_sources(std::vector<RateLimitSource> sources, size_t n) {
    std::erase_if(sources, [](const RateLimitSource& s) { return s.limited == 0; });
    auto before = [](const RateLimitSource& a, const RateLimitSource& b) {
        if (a.limited != b.limited) return a.limited > b.limited;
        return a.prefix < b.prefix;
    };
    n = std::min(n, sources.size());
    std::partial_sort(sources.begin(), sources.begin() + static_cast<std::ptrdiff_t>(n), sources.end(), before);
    sources.resize(n);
    return sources;
}

double seconds_since(uint64_t then_ns, uint64_t now_coarse_ns) {
    return now_coarse_ns > then_ns ? static_cast<double>(now_coarse_ns - then_ns) / 1e9 : 0.0;
}

uint64_t monotonic_coarse_ns() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

Expected<RateLimitSnapshot> RateLimitReader::snapshot(Detail detail) const {
    RateLimitSnapshot snap;

    // the live side's params: the prefix lengths the keys were masked with
    uint32_t zero = 0;
    ig_policy_state state{};
    if (bpf_map_lookup_elem(policy_state_fd_, &zero, &state))
        return Error::from_errno(errno, "reading policy_state");
    if (state.generation) {  // 0: never written, nor are the params
        uint32_t side = state.active_side < IG_POLICY_SIDES ? state.active_side : 0;
        ig_rl_params params{};
        if (bpf_map_lookup_elem(params_fd_, &side, &params)) return Error::from_errno(errno, "reading rl_params");
        snap.enabled = params.flags & IG_RL_F_ENABLED;
        snap.ip4_prefix_len = prefix_len_of_ip4_mask(params.ip4_mask);
        snap.ip6_prefix_len = prefix_len_of_ip6_mask(params.ip6_mask);
    }

    // the per-CPU new-source budget's counts
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0) return Error::from_errno(ncpu, "counting possible CPUs");
    if (auto info = checked_info(new_sources_fd_, "rl_new_sources", sizeof(uint32_t), sizeof(ig_rl_cpu)); !info)
        return info.error();
    std::vector<ig_rl_cpu> cpus(static_cast<size_t>(ncpu));  // 24 bytes: already 8-aligned per CPU
    if (bpf_map_lookup_elem(new_sources_fd_, &zero, cpus.data()))
        return Error::from_errno(errno, "reading rl_new_sources");
    for (const auto& c : cpus) {
        snap.inserted += c.inserted;
        snap.refused += c.refused;
    }

    auto info = checked_info(sources_fd_, "rl_sources", sizeof(ig_rl_key), sizeof(ig_rl_source));
    if (!info) return info.error();
    snap.capacity = info->max_entries;
    if (detail == Detail::Sources) snap.list.reserve(std::min<uint32_t>(info->max_entries, 1u << 16));
    auto r = walk_sources(sources_fd_, info->max_entries, walk_, [&](const ig_rl_key& k, const ig_rl_source& v) {
        ++snap.sources;
        if (detail == Detail::Sources)
            snap.list.push_back({k.family, format_source_prefix(k, snap.ip4_prefix_len, snap.ip6_prefix_len),
                                 v.limited, v.last_limited_ns});
    });
    if (!r) return r.error();
    snap.read_at_ns = monotonic_coarse_ns();
    return snap;
}

}  // namespace icmpguard
