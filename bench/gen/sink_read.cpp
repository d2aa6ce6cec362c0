// icmpguard_gen sink read: the sink's per-CPU counters summed over the
// possible CPUs, as text or as one JSON object:
//   {"icmp":{"ipv4":{"TYPE":{"legit":n,"other":n},...},"ipv6":{...}},
//    "other":n,"packets":n,"bytes":n}
// Only types that were seen are listed; "legit" is the --legit destination.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
}

#include <sys/stat.h>
#include <unistd.h>

#include "cli.hpp"
#include "commands.hpp"
#include "sink_pins.hpp"

extern "C" {
#include "gen_abi.h"
}

namespace gen {

namespace {

// All slots, each summed over the CPUs.
std::vector<sink_val> read_all(int fd) {
    int ncpu = libbpf_num_possible_cpus();
    if (ncpu <= 0) die("cannot count the possible CPUs");
    std::vector<sink_val> out(SINK_SLOTS), percpu(static_cast<size_t>(ncpu));
    for (uint32_t slot = 0; slot < SINK_SLOTS; slot++) {
        if (bpf_map_lookup_elem(fd, &slot, percpu.data()))
            die("reading the sink's counters: " + std::string(std::strerror(errno)));
        for (const sink_val& v : percpu) {
            out[slot].packets += v.packets;
            out[slot].bytes += v.bytes;
        }
    }
    return out;
}

}  // namespace

int cmd_sink_read(int argc, char** argv, int first) {
    Args a(argc, argv, first, {{"--pin", true}, {"--json", false}});
    const std::string dir = a.need("--pin");
    int fd = bpf_obj_get(counters_pin(dir).c_str());
    if (fd < 0) {
        struct stat st {};
        if (stat(link_pin(dir).c_str(), &st) == 0)
            die("the sink at " + dir + " is in drop mode and counts nothing (use the generator's count and ethtool -S)");
        die("no sink counters at " + counters_pin(dir) + ": " + std::strerror(errno));
    }
    std::vector<sink_val> v = read_all(fd);
    close(fd);

    uint64_t packets = 0, bytes = 0;
    for (const sink_val& s : v) packets += s.packets, bytes += s.bytes;
    const char* fam_name[2] = {"ipv4", "ipv6"};
    if (a.has("--json")) {
        std::string out = "{\"icmp\":{";
        for (int fam = 0; fam < 2; fam++) {
            out += std::string(fam ? "," : "") + "\"" + fam_name[fam] + "\":{";
            bool first_type = true;
            for (int type = 0; type < 256; type++) {
                uint64_t legit = v[SINK_SLOT(fam, type, 1)].packets, other = v[SINK_SLOT(fam, type, 0)].packets;
                if (!legit && !other) continue;
                out += std::string(first_type ? "" : ",") + "\"" + std::to_string(type) +
                       "\":{\"legit\":" + std::to_string(legit) + ",\"other\":" + std::to_string(other) + "}";
                first_type = false;
            }
            out += "}";
        }
        out += "},\"other\":" + std::to_string(v[SINK_SLOT_OTHER].packets) + ",\"packets\":" +
               std::to_string(packets) + ",\"bytes\":" + std::to_string(bytes) + "}";
        std::printf("%s\n", out.c_str());
        return 0;
    }
    for (int fam = 0; fam < 2; fam++)
        for (int type = 0; type < 256; type++) {
            const sink_val &l = v[SINK_SLOT(fam, type, 1)], &o = v[SINK_SLOT(fam, type, 0)];
            if (l.packets || o.packets)
                std::printf("%s type %d legit %llu other %llu bytes %llu\n", fam_name[fam], type,
                            (unsigned long long)l.packets, (unsigned long long)o.packets,
                            (unsigned long long)(l.bytes + o.bytes));
        }
    std::printf("other %llu bytes %llu\n", (unsigned long long)v[SINK_SLOT_OTHER].packets,
                (unsigned long long)v[SINK_SLOT_OTHER].bytes);
    std::printf("packets %llu bytes %llu\n", (unsigned long long)packets, (unsigned long long)bytes);
    return 0;
}

}  // namespace gen
