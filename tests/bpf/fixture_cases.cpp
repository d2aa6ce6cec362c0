#include "fixture_cases.hpp"

namespace icmpguard::test {

Bytes pattern(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
    return b;
}

std::vector<PacketCase> all_cases() {
    std::vector<PacketCase> all;
    for (auto group : {echo_cases, l2_cases, ipv4_cases, ipv6_cases, policy_cases}) {
        auto g = group();
        all.insert(all.end(), g.begin(), g.end());
    }
    return all;
}

}  // namespace icmpguard::test
