// Invariants checked on every fuzz input, whatever the model says.
//
// They hold for any correct program, so they stay useful even where the
// model itself is wrong. Frames are walked here with their own bounds-checked
// code and checksums are verified with a plain RFC 1071 sum: nothing is
// shared with bpf/lib/ or tests/model/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "model/model.hpp"

namespace icmpguard::fuzz {

using Bytes = std::vector<uint8_t>;

// Empty when every invariant holds; otherwise one line per violation.
// `action` is the program's XDP verdict, `out` the frame it left behind.
std::string check_invariants(const Bytes& in, uint32_t action, const Bytes& out,
                             const model::Settings& settings);

// RFC 1071 ones-complement sum over bytes, folded, not complemented.
uint16_t ones_sum16(const uint8_t* data, size_t len, uint32_t initial = 0);

}  // namespace icmpguard::fuzz
