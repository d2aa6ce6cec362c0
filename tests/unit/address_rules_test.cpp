// The local-address rules of AddressSync (RFC-NOTES §3.2), as a pure
// function of what rtnetlink reports: which addresses each interface's map
// holds, and as what kind.
#include <arpa/inet.h>
#include <linux/if_addr.h>
#include <sys/socket.h>

#include <gtest/gtest.h>

extern "C" {
#include "icmpguard/abi.h"
}

#include "core/address_sync.hpp"

namespace icmpguard {
namespace {

KernelAddress v4(int ifindex, const char* local, int prefixlen, const char* brd = nullptr) {
    KernelAddress a;
    a.ifindex = ifindex;
    a.family = AF_INET;
    a.prefixlen = static_cast<uint8_t>(prefixlen);
    inet_pton(AF_INET, local, a.local.data());
    a.addr = a.local;
    a.has_local = a.has_addr = true;
    if (brd) {
        inet_pton(AF_INET, brd, a.broadcast.data());
        a.has_broadcast = true;
    }
    return a;
}

KernelAddress v6(int ifindex, const char* addr, int prefixlen, uint32_t flags = 0) {
    KernelAddress a;
    a.ifindex = ifindex;
    a.family = AF_INET6;
    a.prefixlen = static_cast<uint8_t>(prefixlen);
    a.flags = flags;
    inet_pton(AF_INET6, addr, a.addr.data());
    a.has_addr = true;
    return a;
}

// "198.51.100.2=unicast" strings, for readable comparisons.
std::set<std::string> render(const std::vector<AddressEntry>& entries) {
    std::set<std::string> out;
    for (const auto& e : entries) {
        char buf[INET6_ADDRSTRLEN];
        inet_ntop(e.addr.family == IG_FAMILY_IPV4 ? AF_INET : AF_INET6, e.addr.bytes.data(), buf, sizeof(buf));
        const char* kind = e.kind == IG_ADDR_KIND_UNICAST     ? "unicast"
                           : e.kind == IG_ADDR_KIND_BROADCAST ? "broadcast"
                           : e.kind == IG_ADDR_KIND_ANYCAST   ? "anycast"
                                                              : "?";
        out.insert(std::string(buf) + "=" + kind);
    }
    return out;
}

TEST(AddressRules, Ipv4UnicastAndItsSubnetBroadcastWithOrWithoutIfaBroadcast) {
    // `ip addr add 198.51.100.2/24` sets no IFA_BROADCAST; Linux still treats .255 as broadcast
    EXPECT_EQ(render(desired_entries({v4(2, "198.51.100.2", 24)}, 2)),
              (std::set<std::string>{"198.51.100.2=unicast", "198.51.100.255=broadcast"}));
    EXPECT_EQ(render(desired_entries({v4(2, "203.0.113.9", 28, "203.0.113.15")}, 2)),
              (std::set<std::string>{"203.0.113.9=unicast", "203.0.113.15=broadcast"}));
    // /31 and /32 have no broadcast address (RFC 3021)
    EXPECT_EQ(render(desired_entries({v4(2, "198.51.100.2", 31)}, 2)), (std::set<std::string>{"198.51.100.2=unicast"}));
    EXPECT_EQ(render(desired_entries({v4(2, "198.51.100.2", 32)}, 2)), (std::set<std::string>{"198.51.100.2=unicast"}));
}

TEST(AddressRules, WeakHostModelButLinkLocalOnlyOnItsOwnInterface) {
    std::vector<KernelAddress> kernel = {v4(3, "203.0.113.2", 32), v6(3, "2001:db8:1::2", 128),
                                         v6(2, "fe80::2", 64), v6(3, "fe80::3", 64)};
    auto on2 = render(desired_entries(kernel, 2));
    auto on3 = render(desired_entries(kernel, 3));
    EXPECT_TRUE(on2.count("203.0.113.2=unicast")) << "another interface's address is ours too";
    EXPECT_TRUE(on2.count("2001:db8:1::2=unicast"));
    EXPECT_TRUE(on2.count("fe80::2=unicast"));
    EXPECT_FALSE(on2.count("fe80::3=unicast")) << "link-local of interface 3 must not be answered on 2";
    EXPECT_TRUE(on3.count("fe80::3=unicast"));
    EXPECT_FALSE(on3.count("fe80::2=unicast"));
}

TEST(AddressRules, Ipv6SubnetRouterAnycastAndNothingForTentativeOrLoopback) {
    auto entries = render(desired_entries({v6(2, "2001:db8::2", 64), v6(2, "2001:db8:7::5", 64, IFA_F_TENTATIVE),
                                           v6(2, "2001:db8:8::5", 64, IFA_F_DADFAILED), v6(1, "::1", 128),
                                           v4(1, "127.0.0.1", 8)},
                                          2));
    EXPECT_EQ(entries, (std::set<std::string>{"2001:db8::2=unicast", "2001:db8::=anycast"}));
}

TEST(AddressRules, AUnicastAddressWinsOverTheSameValueAsAnycast) {
    // 2001:db8:: assigned as an address of its own, and also the anycast of a /64 beside it
    auto entries = render(desired_entries({v6(2, "2001:db8::2", 64), v6(2, "2001:db8::", 64)}, 2));
    EXPECT_TRUE(entries.count("2001:db8::=unicast"));
    EXPECT_FALSE(entries.count("2001:db8::=anycast"));
}

}  // namespace
}  // namespace icmpguard
