// Structure-aware mutation for the differential fuzzer.
//
// libFuzzer only sees coverage of user space: the model's branches stand in
// for the program's. Random bytes rarely get past an IPv4 header checksum,
// so inputs are built and edited as frames: Ethernet with 0-3 VLAN tags,
// IPv4 with options / fragments / bad IHL and lengths, IPv6 with extension
// header chains, ICMP/ICMPv6 of every interesting type and code (echo, ND,
// MLD, MRD, PTB, errors), addresses drawn from the selected profile, and
// then fields edited, checksums and lengths fixed up or deliberately broken.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "profiles.hpp"

namespace icmpguard::fuzz {

using Bytes = std::vector<uint8_t>;

class Rng {
public:
    explicit Rng(uint64_t seed) : g_(seed) {}
    uint32_t below(uint32_t n) { return n ? static_cast<uint32_t>(g_() % n) : 0; }
    bool chance(unsigned percent) { return below(100) < percent; }
    uint8_t byte() { return static_cast<uint8_t>(g_()); }
    uint16_t u16() { return static_cast<uint16_t>(g_()); }

private:
    std::mt19937_64 g_;
};

// A fresh input: selector byte + a frame built from a random description.
// The selector is drawn modulo `profiles` (seed_gen passes the eight
// limiter-free profiles the first corpus was generated over, so its gen_
// files keep their bytes).
Bytes random_input(Rng& rng, size_t max_size, unsigned profiles = kProfileCount);

// Edit header fields of an existing input (selector + frame) in place.
void mutate_fields(Bytes& input, Rng& rng, size_t max_size);

// Recompute the IPv4 header checksum and the ICMP/ICMPv6 checksum where the
// headers can be found; with fix_lengths also tot_len / payload_len.
void fix_checksums(Bytes& frame, bool fix_lengths);

// The whole custom mutator. `fallback` is LLVMFuzzerMutate (or nullptr).
using ByteMutator = size_t (*)(uint8_t* data, size_t size, size_t max_size);
size_t custom_mutate(uint8_t* data, size_t size, size_t max_size, unsigned seed, ByteMutator fallback);

}  // namespace icmpguard::fuzz
