#include "fixture_cases.hpp"

namespace icmpguard::test {

std::vector<PacketCase> ipv4_cases() {
    std::vector<PacketCase> c;
    return c;
}

}  // namespace icmpguard::test
