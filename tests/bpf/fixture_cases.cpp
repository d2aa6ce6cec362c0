#include "fixture_cases.hpp"

#include <stdexcept>

namespace icmpguard::test {

Bytes pattern(size_t n, uint8_t seed) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 7);
    return b;
}

PacketCase pass_case(std::string name, Bytes input, std::vector<CounterKey> counters, Setup setup) {
    return PacketCase{std::move(name), std::move(input), XDP_PASS, std::nullopt, std::move(counters),
                      std::move(setup)};
}

PacketCase drop_case(std::string name, Bytes input, std::vector<CounterKey> counters, Setup setup) {
    return PacketCase{std::move(name), std::move(input), XDP_DROP, std::nullopt, std::move(counters),
                      std::move(setup)};
}

Setup with_policy(std::function<void(PolicyTable&)> edit) {
    return [edit = std::move(edit)](BpfHarness& h) {
        PolicyTable t = lab_policy();
        edit(t);
        if (auto r = h.policy().apply(t); !r) throw std::runtime_error(r.error().message());
    };
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
