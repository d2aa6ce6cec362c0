// The model's own Internet checksum (RFC 1071), written independently of
// bpf/lib/csum.h and of tests/common/packet_builder.cpp: the model computes
// every checksum of a reply from scratch, never incrementally, so it is an
// oracle for the program's RFC 1624 updates.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace icmpguard::model {

// One's-complement sum of `data` as big-endian 16-bit words, an odd last
// byte padded with a zero byte (RFC 1071 §4.1), plus `initial` (e.g. an
// IPv6 pseudo-header sum), folded to 16 bits. Not complemented. Only an
// all-zero input (and initial 0) folds to 0x0000.
uint16_t ones_sum(std::span<const uint8_t> data, uint64_t initial = 0);

// The value to store in a checksum field that was zero while summing.
inline uint16_t checksum(std::span<const uint8_t> data, uint64_t initial = 0) {
    return static_cast<uint16_t>(~ones_sum(data, initial));
}

// A message (checksum field included) verifies iff its sum is all ones
// (RFC 1071 §1: "the result is all 1 bits").
inline bool verifies(std::span<const uint8_t> data, uint64_t initial = 0) {
    return ones_sum(data, initial) == 0xffff;
}

// Sum of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination,
// upper-layer length (32 bits), next header (zero-padded to 32 bits).
uint64_t ip6_pseudo_sum(std::span<const uint8_t, 16> src, std::span<const uint8_t, 16> dst,
                        uint32_t upper_len, uint8_t next_header);

}  // namespace icmpguard::model
