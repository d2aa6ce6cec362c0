// The direct-mapped addr_slots view of local_addrs (abi.h): the program
// reads a slot instead of hashing, so the writer's invariant decides
// correctness. These tests drive real collisions through the real program.
#include <linux/bpf.h>

#include <atomic>
#include <thread>

#include <gtest/gtest.h>

extern "C" {
#include <bpf/bpf.h>

#include "icmpguard/abi.h"
}

#include "common/bpf_harness.hpp"

namespace icmpguard::test {
namespace {

uint32_t slot_of(const std::string& text) {
    auto ip = IpAddress::parse(text);
    ig_addr_key key{};
    key.family = static_cast<__u8>(ip->family);
    std::memcpy(key.addr, ip->bytes.data(), ip->family == IG_FAMILY_IPV4 ? 4 : 16);
    return ig_addr_slot_index(&key);
}

// Three addresses of 2001:db8:5::/64 that share one slot.
std::vector<std::string> colliding_v6(size_t n) {
    std::map<uint32_t, std::vector<std::string>> by_slot;
    for (int i = 1; i < 100000; ++i) {
        char buf[64];
        std::snprintf(buf, sizeof(buf), "2001:db8:5::%x", i);
        auto& v = by_slot[slot_of(buf)];
        v.push_back(buf);
        if (v.size() == n) return v;
    }
    return {};
}

Bytes echo6_to(const std::string& dst, const std::string& src = "2001:db8::1") {
    return icmp6_frame({}, {.src = src, .dst = dst}, {.type = 128, .payload = Bytes(24, 0x5a)});
}

class AddrSlots : public LabTest {
protected:
    void SetUp() override {
        LabTest::SetUp();
        if (!set_up()) return;
        trio_ = colliding_v6(3);
        ASSERT_EQ(trio_.size(), 3u) << "no three colliding addresses found";
    }
    uint32_t action_for(const std::string& dst) { return h_->run(echo6_to(dst)).action; }

    std::vector<std::string> trio_;  // same slot; [0] and [1] local, [2] never
};

TEST_F(AddrSlots, CollidingLocalAddressesAreBothAnsweredAndAStrangerIsNot) {
    auto w = h_->addresses();
    ASSERT_TRUE(w.add(*IpAddress::parse(trio_[0]), IG_ADDR_KIND_UNICAST).has_value());
    EXPECT_EQ(action_for(trio_[0]), XDP_TX) << "alone in its slot";
    EXPECT_EQ(action_for(trio_[2]), XDP_PASS) << "a stranger on an occupied slot is not local";

    ASSERT_TRUE(w.add(*IpAddress::parse(trio_[1]), IG_ADDR_KIND_UNICAST).has_value());
    EXPECT_EQ(action_for(trio_[0]), XDP_TX) << "sharing the slot";
    EXPECT_EQ(action_for(trio_[1]), XDP_TX) << "sharing the slot";
    EXPECT_EQ(action_for(trio_[2]), XDP_PASS) << "a stranger on a collision slot is not local";

    // our own colliding address as source is still recognised (martian)
    StatsSnapshot before = h_->stats();
    EXPECT_EQ(h_->run(echo6_to("2001:db8::2", trio_[1])).action, XDP_DROP);
    Deltas d = diff(before, h_->stats());
    EXPECT_EQ(d[reason_counter(IG_FAMILY_IPV6, IG_REASON_SRC_MARTIAN)].packets, 1u);

    ASSERT_TRUE(w.remove(*IpAddress::parse(trio_[0])).has_value());
    EXPECT_EQ(action_for(trio_[0]), XDP_PASS) << "removed";
    EXPECT_EQ(action_for(trio_[1]), XDP_TX) << "the survivor owns the slot again";
    ASSERT_TRUE(w.remove(*IpAddress::parse(trio_[1])).has_value());
    EXPECT_EQ(action_for(trio_[1]), XDP_PASS);

    // the slot is empty again: all-zero
    uint32_t slot = slot_of(trio_[0]);
    ig_addr_slot value{};
    ASSERT_EQ(bpf_map_lookup_elem(h_->datapath().maps().addr_slots, &slot, &value), 0);
    EXPECT_EQ(value.kind, IG_ADDR_KIND_NONE);
}

TEST_F(AddrSlots, EveryLabAddressSitsInItsSlot) {
    for (const char* a : {"198.51.100.2", "203.0.113.2", "2001:db8::2", "fe80::2"}) {
        uint32_t slot = slot_of(a);
        ig_addr_slot value{};
        ASSERT_EQ(bpf_map_lookup_elem(h_->datapath().maps().addr_slots, &slot, &value), 0);
        auto ip = IpAddress::parse(a);
        if (value.kind == IG_ADDR_SLOT_COLLISION) continue;  // allowed; then it is in the hash
        EXPECT_EQ(value.kind, IG_ADDR_KIND_UNICAST) << a;
        EXPECT_EQ(0, std::memcmp(value.addr, ip->bytes.data(), ip->family == IG_FAMILY_IPV4 ? 4 : 16)) << a;
    }
}

TEST_F(AddrSlots, RewritingASharedSlotNeverHidesTheOtherAddress) {
    // trio_[0] stays local the whole time; trio_[1] is added and removed in a
    // loop, which rewrites their shared slot. No echo to trio_[0] may ever
    // fall through to dst_not_local.
    auto w = h_->addresses();
    ASSERT_TRUE(w.add(*IpAddress::parse(trio_[0]), IG_ADDR_KIND_UNICAST).has_value());
    std::atomic<bool> stop{false};
    std::thread writer([&] {
        auto w2 = h_->addresses();
        auto other = *IpAddress::parse(trio_[1]);
        for (int i = 0; i < 2000 && !stop; ++i) {
            (void)w2.add(other, IG_ADDR_KIND_UNICAST);
            (void)w2.remove(other);
        }
        stop = true;
    });
    Bytes frame = echo6_to(trio_[0]);
    int runs = 0, not_tx = 0;
    while (!stop && runs < 2000000) {
        if (h_->run(frame).action != XDP_TX) ++not_tx;
        ++runs;
    }
    stop = true;
    writer.join();
    EXPECT_EQ(not_tx, 0) << "of " << runs << " echoes during slot rewrites";
    EXPECT_GT(runs, 100);
}

}  // namespace
}  // namespace icmpguard::test
