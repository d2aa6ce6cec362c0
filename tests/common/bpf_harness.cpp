#include "common/bpf_harness.hpp"

#include <linux/bpf.h>

#include <stdexcept>

extern "C" {
#include <bpf/bpf.h>

#include "icmpguard/abi.h"
#include "icmpguard/icmp_types.h"
}

#include "core/names.hpp"

namespace icmpguard::test {

CounterKey type_counter(uint32_t family, uint32_t type, uint32_t action) {
    return CounterKey{'t', family, type, action};
}

CounterKey reason_counter(uint32_t family, uint32_t reason) {
    return CounterKey{'r', family, reason, 0};
}

std::string describe(const CounterKey& k) {
    if (k.kind == 't')
        return std::string(family_label(k.family)) + "/" + icmp_type_label(k.family, k.a) + "/" +
               std::string(action_label(k.b));
    return std::string(family_label(k.family)) + "/reason:" + std::string(reason_label(k.a));
}

Deltas diff(const StatsSnapshot& before, const StatsSnapshot& after) {
    Deltas d;
    for (const auto& r : after.counters) {
        uint64_t p0 = 0, b0 = 0;
        for (const auto& o : before.counters)
            if (o.family == r.family && o.type == r.type && o.action == r.action) p0 = o.packets, b0 = o.bytes;
        if (r.packets != p0 || r.bytes != b0)
            d[type_counter(r.family, r.type, r.action)] = {r.packets - p0, r.bytes - b0};
    }
    for (const auto& r : after.reasons) {
        uint64_t p0 = 0, b0 = 0;
        for (const auto& o : before.reasons)
            if (o.family == r.family && o.reason == r.reason) p0 = o.packets, b0 = o.bytes;
        if (r.packets != p0 || r.bytes != b0)
            d[reason_counter(r.family, r.reason)] = {r.packets - p0, r.bytes - b0};
    }
    return d;
}

PolicyTable lab_policy() {
    PolicyTable t;
    t.set_type(IG_FAMILY_IPV4, IG_ICMP4_ECHO_REQUEST, IG_ACTION_REPLY);
    t.set_type(IG_FAMILY_IPV6, IG_ICMP6_ECHO_REQUEST, IG_ACTION_REPLY);
    t.set_type(IG_FAMILY_IPV4, IG_ICMP4_TIMESTAMP_REQUEST, IG_ACTION_DROP);
    t.set_type(IG_FAMILY_IPV6, 139, IG_ACTION_DROP);
    return t;
}

std::unique_ptr<BpfHarness> BpfHarness::create(const LoadOptions& options, std::string* why) {
    auto dp = Datapath::open(options);
    if (!dp) {
        *why = dp.error().message();
        return nullptr;
    }
    auto loaded = (*dp)->load();
    if (!loaded) {
        *why = loaded.error().message() + " (needs CAP_BPF and CAP_NET_ADMIN)";
        return nullptr;
    }
    return std::unique_ptr<BpfHarness>(new BpfHarness(std::move(dp.value())));
}

PolicyWriter BpfHarness::policy() {
    auto m = dp_->maps();
    return PolicyWriter(m.policy, m.policy_state);
}

AddressWriter BpfHarness::addresses() {
    auto m = dp_->maps();
    return AddressWriter(m.local_addrs, m.iface, m.addr_slots);
}

Expected<void> BpfHarness::install_lab() {
    auto a = addresses();
    struct Entry {
        const char* text;
        uint8_t kind;
    } entries[] = {
        {"198.51.100.2", IG_ADDR_KIND_UNICAST},   {"203.0.113.2", IG_ADDR_KIND_UNICAST},
        {"2001:db8::2", IG_ADDR_KIND_UNICAST},    {"fe80::2", IG_ADDR_KIND_UNICAST},
        {"198.51.100.255", IG_ADDR_KIND_BROADCAST}, {"2001:db8::", IG_ADDR_KIND_ANYCAST},
    };
    for (const auto& e : entries) {
        auto ip = IpAddress::parse(e.text);
        if (!ip) return ip.error();
        if (auto r = a.add(*ip, e.kind); !r) return r;
    }
    if (auto r = a.set_mac(kServerMac); !r) return r;
    auto applied = policy().apply(lab_policy());
    if (!applied) return applied.error();
    return Ok{};
}

RunResult BpfHarness::run(const Bytes& frame, int ingress_ifindex) {
    return test_run_once(dp_->prog_fd(), frame, ingress_ifindex);
}

StatsSnapshot BpfHarness::stats() {
    auto m = dp_->maps();
    auto s = StatsReader(m.counters, m.reasons).snapshot();
    if (!s) throw std::runtime_error(s.error().message());
    return *s;
}

}  // namespace icmpguard::test
