// icmpguard_gen: the benchmarks' live-frames flood generator and counting
// sink (BENCH-NOTES §3; usage in bench/README and below).
#include <cstdio>
#include <string>

#include "commands.hpp"

namespace {

const char kUsage[] =
    "usage:\n"
    "  icmpguard_gen send -i IFNAME --src-mac MAC --dst-mac MAC (-4|-6) --src ADDR --dst ADDR -c COUNT\n"
    "      [--type T] [--code C] [--size FRAME_BYTES] [--random-src PREFIX] [--legit-every N]\n"
    "      [--seed S] [--batch 64] [--repeat 1048576] [--max-seconds 60] [--json]\n"
    "  icmpguard_gen sink attach -i IFNAME --pin DIR [--legit ADDR[,ADDR6]] [--mode count|drop]\n"
    "  icmpguard_gen sink read --pin DIR [--json]\n"
    "  icmpguard_gen sink detach --pin DIR\n"
    "Run inside the namespace of IFNAME with nsenter --net=/run/netns/NS (DIR is on /sys/fs/bpf).\n";

int usage(int code) {
    std::fputs(kUsage, code ? stderr : stdout);
    return code;
}

}  // namespace

int main(int argc, char** argv) {
    std::string cmd = argc > 1 ? argv[1] : "";
    std::string sub = argc > 2 ? argv[2] : "";
    if (cmd == "-h" || cmd == "--help" || cmd == "help") return usage(0);
    if (cmd == "send") return gen::cmd_send(argc, argv, 2);
    if (cmd == "sink" && sub == "attach") return gen::cmd_sink_attach(argc, argv, 3);
    if (cmd == "sink" && sub == "read") return gen::cmd_sink_read(argc, argv, 3);
    if (cmd == "sink" && sub == "detach") return gen::cmd_sink_detach(argc, argv, 3);
    return usage(2);
}
