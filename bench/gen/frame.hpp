// The generator's template frame and the configuration its XDP program reads
// (bench/progs/gen_abi.h): built once in userspace, with every checksum
// computed from scratch here; the program only copies and patches.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "addr.hpp"

extern "C" {
#include "gen_abi.h"
}

namespace gen {

struct FrameSpec {
    std::array<uint8_t, 6> dst_mac{}, src_mac{};
    Addr src, dst;        // same family
    uint8_t type = 8, code = 0;
    size_t size = 64;     // the whole frame without FCS
};

// Smallest frames: IPv4 42 B of headers, padded to the Ethernet minimum of
// 60; IPv6 62 B of headers with no payload. Largest: a 1500-byte MTU.
constexpr size_t kMinSize4 = 60, kMinSize6 = 62, kMaxSize = 1514;

// The whole frame: Ethernet, IPv4 (DF, TTL 64) or IPv6 (hop limit 64), ICMP
// id 0x6967 seq 1, payload bytes 0, 1, 2, ... (mod 256) up to `size`; the IP
// length fields cover the whole frame (no Ethernet padding).
std::vector<uint8_t> build_frame(const FrameSpec& spec);

// The program's configuration for `frame`. With `random`, frames draw their
// source from it; 1 in `legit_every` (0: none) keeps the template's.
gen_cfg make_cfg(const std::vector<uint8_t>& frame, int family, const std::optional<Prefix>& random,
                 uint64_t legit_every, uint64_t seed);

}  // namespace gen
