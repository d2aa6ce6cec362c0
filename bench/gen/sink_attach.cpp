// icmpguard_gen sink attach / detach.
//
// attach loads bench/progs/sink.bpf.c, attaches one of its programs in native
// mode through a bpf_link (XDP_FLAGS_DRV_MODE: no fallback to generic mode,
// whose XDP_TX path and missing NAPI would make the numbers incomparable),
// pins the link and the counters under DIR and exits. The link then lives as
// long as its pin (or the interface). Run it under `nsenter --net=...`, not
// `ip netns exec`, which remounts /sys and hides the host's bpffs.
//
// detach unpins both (the link's last reference goes, so the program is
// detached) and removes DIR.
#include <linux/magic.h>
#include <net/if.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
}

#include "addr.hpp"
#include "bench_sink.skel.h"
#include "cli.hpp"
#include "commands.hpp"
#include "sink_pins.hpp"

namespace gen {

namespace {

std::string parent_of(const std::string& dir) {
    auto slash = dir.find_last_of('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : dir.substr(0, slash);
}

bool on_bpffs(const std::string& path) {
    struct statfs fs {};
    return statfs(path.c_str(), &fs) == 0 && fs.f_type == BPF_FS_MAGIC;
}

void set_legit(bench_sink_bpf* skel, const Addr& a) {
    if (a.family == 4) {
        std::memcpy((void*)&skel->rodata->legit4, a.b.data(), 4);
        skel->rodata->legit4_set = 1;
    } else {
        // Two halves as the program loads them from the packet (native u64).
        std::memcpy((void*)&skel->rodata->legit6_hi, a.b.data(), 8);
        std::memcpy((void*)&skel->rodata->legit6_lo, a.b.data() + 8, 8);
        skel->rodata->legit6_set = 1;
    }
}

}  // namespace

int cmd_sink_attach(int argc, char** argv, int first) {
    Args a(argc, argv, first, {{"-i", true}, {"--pin", true}, {"--legit", true}, {"--mode", true}});
    const std::string iface = a.need("-i"), dir = a.need("--pin");
    const std::string mode = a.get("--mode").value_or("count");
    if (mode != "count" && mode != "drop") die("--mode " + mode + ": want count or drop");
    if (a.has("--legit") && mode == "drop") die("--legit means nothing in drop mode (it counts nothing)");
    int ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
    if (!ifindex) die("no interface " + iface + " in this network namespace");
    struct stat parent {};
    if (stat(parent_of(dir).c_str(), &parent) != 0)
        die("--pin " + dir + ": " + parent_of(dir) + " does not exist (only DIR itself is created)");
    if (!on_bpffs(parent_of(dir)))
        die("--pin " + dir + ": " + parent_of(dir) + " is not on bpffs (mount -t bpf bpf /sys/fs/bpf; under "
            "`ip netns exec` /sys is remounted, use nsenter --net=/run/netns/NS)");

    // --legit ADDR, or V4,V6 for a sink that sees both families.
    std::vector<Addr> legit;
    if (auto list = a.get("--legit")) {
        for (size_t pos = 0; pos <= list->size();) {
            size_t comma = std::min(list->find(',', pos), list->size());
            legit.push_back(parse_addr("--legit", list->substr(pos, comma - pos)));
            for (size_t k = 0; k + 1 < legit.size(); k++)
                if (legit[k].family == legit.back().family) die("--legit " + *list + ": at most one address per family");
            pos = comma + 1;
        }
    }

    bench_sink_bpf* skel = bench_sink_bpf__open();
    if (!skel) die(std::string("opening the sink program: ") + std::strerror(errno));
    for (const Addr& addr : legit) set_legit(skel, addr);
    const bool count = mode == "count";
    bpf_program__set_autoload(count ? skel->progs.sink_drop : skel->progs.sink_count, false);
    if (bench_sink_bpf__load(skel)) {
        bench_sink_bpf__destroy(skel);
        die(load_error("the sink program", errno));
    }
    bpf_program* prog = count ? skel->progs.sink_count : skel->progs.sink_drop;

    if (mkdir(dir.c_str(), 0700)) {
        int err = errno;
        bench_sink_bpf__destroy(skel);
        die("--pin " + dir + ": " + std::strerror(err) + (err == EEXIST ? " (a sink is there: detach it first)" : ""));
    }
    // On any failure below: undo the pins, so a half-made sink never stays.
    auto undo = [&](const std::string& what, int err) {
        unlink(link_pin(dir).c_str());
        unlink(counters_pin(dir).c_str());
        rmdir(dir.c_str());
        bench_sink_bpf__destroy(skel);
        die(what + ": " + std::strerror(err));
    };
    LIBBPF_OPTS(bpf_link_create_opts, lopts, .flags = XDP_FLAGS_DRV_MODE);
    int link_fd = bpf_link_create(bpf_program__fd(prog), ifindex, BPF_XDP, &lopts);
    if (link_fd < 0) {
        int err = errno;
        undo("native XDP attach to " + iface +
                 (err == EBUSY || err == EEXIST ? " (another XDP program is attached there)"
                                                : err == EOPNOTSUPP ? " (the driver has no native XDP)" : ""),
             err);
    }
    if (bpf_obj_pin(link_fd, link_pin(dir).c_str())) undo("pinning " + link_pin(dir), errno);
    if (count && bpf_obj_pin(bpf_map__fd(skel->maps.sink_counters), counters_pin(dir).c_str()))
        undo("pinning " + counters_pin(dir), errno);
    close(link_fd);
    bench_sink_bpf__destroy(skel);  // the pinned link keeps the program attached
    std::printf("attached sink mode=%s iface=%s ifindex=%d xdp=native link=%s\n", mode.c_str(), iface.c_str(),
                ifindex, link_pin(dir).c_str());
    return 0;
}

int cmd_sink_detach(int argc, char** argv, int first) {
    Args a(argc, argv, first, {{"--pin", true}});
    const std::string dir = a.need("--pin");
    struct stat st {};
    if (stat(dir.c_str(), &st) != 0) {
        // Idempotent, so cleanup traps can call it unconditionally; but say so.
        std::fprintf(stderr, "icmpguard_gen: no sink at %s (nothing to detach)\n", dir.c_str());
        return 0;
    }
    if (!on_bpffs(dir)) die("--pin " + dir + " is not on bpffs: not a sink");
    for (const std::string& pin : {link_pin(dir), counters_pin(dir)})
        if (unlink(pin.c_str()) && errno != ENOENT) die("unpinning " + pin + ": " + std::strerror(errno));
    if (rmdir(dir.c_str())) die("removing " + dir + ": " + std::strerror(errno));
    std::printf("detached sink %s\n", dir.c_str());
    return 0;
}

}  // namespace gen
