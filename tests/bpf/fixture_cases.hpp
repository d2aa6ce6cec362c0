// One row of the fixture table, and the groups of rows (one file each).
#pragma once

#include <linux/bpf.h>

#include <functional>
#include <ostream>
#include <optional>
#include <string>
#include <vector>

extern "C" {
#include "icmpguard/abi.h"
#include "icmpguard/icmp_types.h"
}

#include "common/bpf_harness.hpp"

namespace icmpguard::test {

struct PacketCase {
    std::string name;                    // gtest name: letters, digits, underscores
    Bytes input;                         // whole frame
    uint32_t expected_action = XDP_PASS; // XDP_TX, XDP_DROP or XDP_PASS
    std::optional<Bytes> expected_output;  // exact bytes, for XDP_TX
    std::vector<CounterKey> expected_counters;  // exactly these move, by 1 packet each
    std::function<void(BpfHarness&)> setup = {};  // extra map set-up after the lab
    bool output_may_change = false;      // a PASS whose padding the program trimmed
};

// How gtest prints a case (test names, failure messages): its name, not its bytes.
inline void PrintTo(const PacketCase& c, std::ostream* os) { *os << c.name; }

// Shorthands for the counters a case expects.
inline CounterKey v4(uint32_t type, uint32_t action) { return type_counter(IG_FAMILY_IPV4, type, action); }
inline CounterKey v6(uint32_t type, uint32_t action) { return type_counter(IG_FAMILY_IPV6, type, action); }
inline CounterKey r4(uint32_t reason) { return reason_counter(IG_FAMILY_IPV4, reason); }
inline CounterKey r6(uint32_t reason) { return reason_counter(IG_FAMILY_IPV6, reason); }
inline CounterKey rl2(uint32_t reason) { return reason_counter(IG_FAMILY_L2, reason); }

// A payload of n bytes with a recognisable pattern.
Bytes pattern(size_t n, uint8_t seed = 0xa5);

using Setup = std::function<void(BpfHarness&)>;

// A case the program passes (output == input) or drops, moving exactly `counters`.
PacketCase pass_case(std::string name, Bytes input, std::vector<CounterKey> counters, Setup setup = {});
PacketCase drop_case(std::string name, Bytes input, std::vector<CounterKey> counters, Setup setup = {});

// Set-up that installs lab_policy() as changed by `edit` (the runner
// re-installs the plain lab before the next case).
Setup with_policy(std::function<void(PolicyTable&)> edit);

std::vector<PacketCase> echo_cases();
std::vector<PacketCase> l2_cases();
std::vector<PacketCase> ipv4_cases();
std::vector<PacketCase> ipv6_cases();
std::vector<PacketCase> policy_cases();
std::vector<PacketCase> all_cases();

}  // namespace icmpguard::test
