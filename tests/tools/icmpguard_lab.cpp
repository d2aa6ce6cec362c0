// icmpguard_lab: what the netns tests need until the daemon exists.
//
//   icmpguard_lab serve --iface IF [--mode auto|native|generic] [--address A]...
//                       [--broadcast A]... [--drop FAMILY:TYPE]... [--ttl N] [--no-reply]
//       Attach icmpguard to IF with echo-request -> reply and the given drops,
//       print one "attached ..." line, then wait. On SIGUSR1 print the
//       counters; on SIGTERM/SIGINT print them, detach and exit 0.
//   icmpguard_lab pass --iface IF
//       Attach an XDP_PASS program natively (the peer of an XDP_TX veth needs
//       one) and exit; it stays until the interface or namespace goes.
//
// Counter lines: "counter FAMILY TYPE ACTION PACKETS BYTES" and
// "reason FAMILY REASON PACKETS BYTES".
#include <net/if.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "icmpguard/abi.h"
#include "icmpguard/icmp_types.h"
}

#include "core/address_writer.hpp"
#include "core/datapath.hpp"
#include "core/names.hpp"
#include "core/netdev.hpp"
#include "core/policy_writer.hpp"
#include "core/stats_reader.hpp"
#include "test_pass.skel.h"

using namespace icmpguard;

namespace {

volatile sig_atomic_t g_signal = 0;
void on_signal(int sig) { g_signal = sig; }

int fail(const std::string& msg) {
    std::fprintf(stderr, "icmpguard_lab: %s\n", msg.c_str());
    return 1;
}


void print_stats(const Datapath& dp) {
    auto m = dp.maps();
    auto snap = StatsReader(m.counters, m.reasons).snapshot();
    if (!snap) {
        std::fprintf(stderr, "icmpguard_lab: %s\n", snap.error().message().c_str());
        return;
    }
    for (const auto& r : snap->counters)
        std::printf("counter %s %s %s %llu %llu\n", std::string(family_label(r.family)).c_str(),
                    icmp_type_label(r.family, r.type).c_str(),
                    std::string(action_label(r.action)).c_str(),
                    static_cast<unsigned long long>(r.packets), static_cast<unsigned long long>(r.bytes));
    for (const auto& r : snap->reasons)
        std::printf("reason %s %s %llu %llu\n", std::string(family_label(r.family)).c_str(),
                    std::string(reason_label(r.reason)).c_str(),
                    static_cast<unsigned long long>(r.packets), static_cast<unsigned long long>(r.bytes));
    std::printf("end\n");
    std::fflush(stdout);
}

int cmd_pass(const std::string& iface) {
    int ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
    if (!ifindex) return fail("no interface " + iface);
    test_pass_bpf* skel = test_pass_bpf__open_and_load();
    if (!skel) return fail(std::string("loading test_pass: ") + std::strerror(errno));
    int err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.test_pass), XDP_FLAGS_DRV_MODE, nullptr);
    test_pass_bpf__destroy(skel);  // the attachment keeps the program alive
    if (err) return fail("attaching XDP_PASS to " + iface + ": " + std::strerror(-err));
    return 0;
}

int cmd_serve(const std::string& iface, AttachMode mode, const std::vector<std::string>& unicast,
              const std::vector<std::string>& broadcast, const std::vector<std::string>& drops,
              const LoadOptions& options) {
    int ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
    if (!ifindex) return fail("no interface " + iface);

    PolicyTable table;
    table.set_type(IG_FAMILY_IPV4, IG_ICMP4_ECHO_REQUEST, IG_ACTION_REPLY);
    table.set_type(IG_FAMILY_IPV6, IG_ICMP6_ECHO_REQUEST, IG_ACTION_REPLY);
    for (const auto& d : drops) {
        auto colon = d.find(':');
        uint32_t family = d.substr(0, colon) == "ipv6" ? IG_FAMILY_IPV6 : IG_FAMILY_IPV4;
        auto type = parse_icmp_type(family, colon == std::string::npos ? "" : d.substr(colon + 1));
        if (!type) return fail("bad --drop " + d + " (want ipv4:TYPE or ipv6:TYPE)");
        table.set_type(family, *type, IG_ACTION_DROP);
    }

    auto dp = Datapath::open(options);
    if (!dp) return fail(dp.error().message());
    auto info = (*dp)->attach(ifindex, mode);
    if (!info) return fail(info.error().message());

    auto m = (*dp)->maps();
    AddressWriter addrs(m.local_addrs, m.iface, m.addr_slots);
    auto add_all = [&](const std::vector<std::string>& list, uint8_t kind) -> bool {
        for (const auto& a : list) {
            auto ip = IpAddress::parse(a);
            if (!ip || !addrs.add(*ip, kind)) return false;
        }
        return true;
    };
    if (!add_all(unicast, IG_ADDR_KIND_UNICAST) || !add_all(broadcast, IG_ADDR_KIND_BROADCAST))
        return fail("writing local addresses");
    if (auto mac = read_interface_mac(iface); mac && !addrs.set_mac(*mac)) return fail("writing iface MAC");
    auto applied = PolicyWriter(m.policy, m.policy_state).apply(table);
    if (!applied) return fail(applied.error().message());

    std::printf("attached iface=%s ifindex=%d mode=%s multiprog=%d prog_id=%u generation=%llu\n",
                iface.c_str(), ifindex, to_string(info->mode).c_str(), info->multiprog ? 1 : 0,
                info->prog_id, static_cast<unsigned long long>(applied->generation));
    std::fflush(stdout);

    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGUSR1, &sa, nullptr);
    for (;;) {
        pause();
        int sig = g_signal;
        g_signal = 0;
        print_stats(**dp);
        if (sig == SIGTERM || sig == SIGINT) break;
    }
    auto detached = (*dp)->detach();
    if (!detached) return fail(detached.error().message());
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) return fail("usage: icmpguard_lab serve|pass --iface IF ...");
    std::string cmd = argv[1], iface;
    AttachMode mode = AttachMode::Native;
    std::vector<std::string> unicast, broadcast, drops;
    LoadOptions options;
    for (int i = 2; i < argc; ++i) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                fail(a + " needs a value");
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--iface") iface = next();
        else if (a == "--address") unicast.push_back(next());
        else if (a == "--broadcast") broadcast.push_back(next());
        else if (a == "--drop") drops.push_back(next());
        else if (a == "--ttl") options.reply_ttl = static_cast<uint8_t>(std::stoi(next()));
        else if (a == "--no-reply") options.reply_enabled = false;
        else if (a == "--mode") {
            std::string m = next();
            mode = m == "auto" ? AttachMode::Auto : m == "generic" ? AttachMode::Generic : AttachMode::Native;
        } else {
            return fail("unknown option " + a);
        }
    }
    if (iface.empty()) return fail("--iface is required");
    if (cmd == "pass") return cmd_pass(iface);
    if (cmd == "serve") return cmd_serve(iface, mode, unicast, broadcast, drops, options);
    return fail("unknown command " + cmd);
}
