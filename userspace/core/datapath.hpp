// Datapath: RAII owner of one loaded icmpguard XDP program (the libbpf
// skeleton, with its ELF embedded at build time) and, once attached, of its
// attachment to one interface.
//
// One Datapath per interface: its maps (policy, addresses, counters) belong
// to that interface. Callers: the daemon (attach) and the bpf-tier tests and
// benchmarks (load, then BPF_PROG_TEST_RUN). Not thread-safe.
//
// Lifetime: open() sets the load-time settings; then either load() (plain
// libbpf load, nothing attached) or attach() (libxdp loads and attaches).
// The destructor detaches if still attached: the kernel then handles every
// packet itself again (fail open), and the program and maps are freed.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/error.hpp"

struct icmpguard_bpf;  // the generated skeleton, seen only by datapath.cpp

namespace icmpguard {

// The XDP program's name in the object, in libxdp and in `bpftool prog`.
inline constexpr const char* kProgramName = "icmpguard_xdp";

// Restart-class settings, frozen into the program's .rodata at load.
struct LoadOptions {
    bool reply_enabled = true;
    uint8_t reply_ttl = 64;     // 1..255 (0 would be an invalid TTL)
    uint8_t max_ext_hdrs = 8;   // 1..8 IPv6 extension headers walked
    uint32_t rl_sources = 65536;  // capacity of the per-source limiter's LRU (rl_sources)
    // Directory to pin every map in (created if missing). Existing pins with
    // a matching layout are reused, so counters survive a restart. Empty: no pins.
    std::string pin_dir;
};

// Where the maps of the program on `interface` are pinned:
// /sys/fs/bpf/icmpguard/v<IG_ABI_VERSION>/<interface>.
std::string pin_dir_for(const std::string& interface, const std::string& root = "/sys/fs/bpf/icmpguard");

enum class AttachMode { Auto, Native, Generic };

struct AttachInfo {
    int ifindex = 0;
    AttachMode mode = AttachMode::Auto;  // what we got: Native or Generic
    bool multiprog = false;              // libxdp dispatcher (false: single-program fallback)
    uint32_t prog_id = 0;
};

std::string to_string(AttachMode mode);

// File descriptors of the maps, owned by the Datapath; valid after load/attach.
struct MapFds {
    int counters = -1;
    int reasons = -1;
    int policy = -1;
    int policy_state = -1;
    int local_addrs = -1;
    int addr_slots = -1;
    int iface = -1;
    int capture_config = -1;
    int capture_ring = -1;
    int rl_params = -1;
    int rl_type_rates = -1;
    int rl_shared = -1;
    int rl_sources = -1;
    int rl_new_sources = -1;
    int rl_filter = -1;
};

class XdpAttachment;

class Datapath {
public:
    static Expected<std::unique_ptr<Datapath>> open(const LoadOptions& options);
    ~Datapath();
    Datapath(const Datapath&) = delete;
    Datapath& operator=(const Datapath&) = delete;

    Expected<void> load();
    Expected<AttachInfo> attach(int ifindex, AttachMode mode);
    Expected<void> detach();
    bool attached() const;

    int prog_fd() const;
    MapFds maps() const;
    // Remove this program's pins (after detach, on a clean shutdown that
    // should not keep counters).
    Expected<void> unpin();
    const LoadOptions& options() const { return options_; }

private:
    Datapath(::icmpguard_bpf* skel, LoadOptions options);

    ::icmpguard_bpf* skel_;  // declared first: destroyed last
    LoadOptions options_;
    bool loaded_ = false;
    std::unique_ptr<XdpAttachment> attachment_;
};

}  // namespace icmpguard
