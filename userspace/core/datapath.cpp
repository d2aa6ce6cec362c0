#include "core/datapath.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
}

#include "core/xdp_attach.hpp"
#include "icmpguard.skel.h"

extern "C" {
#include "icmpguard/abi.h"
}

namespace icmpguard {

std::string pin_dir_for(const std::string& interface, const std::string& root) {
    return root + "/v" + std::to_string(IG_ABI_VERSION) + "/" + interface;
}

namespace {

// A pin of `map` whose capacity differs from what we are about to load
// (`sources` changed across a restart): libbpf would refuse to reuse it and
// the load would fail. Its state is per-source buckets only, worth less than
// starting: remove the pin, and the load creates the map afresh.
Expected<bool> drop_resized_pin(bpf_map* map, const std::string& path) {
    int fd = bpf_obj_get(path.c_str());
    if (fd < 0) return false;  // no pin yet
    bpf_map_info info{};
    uint32_t len = sizeof(info);
    int err = bpf_obj_get_info_by_fd(fd, &info, &len) ? errno : 0;
    close(fd);
    if (err) return Error::from_errno(err, "inspecting pin " + path);
    if (info.max_entries == bpf_map__max_entries(map)) return false;
    if (unlink(path.c_str())) return Error::from_errno(errno, "removing resized pin " + path);
    return true;
}

// Point every map at <dir>/<map name>; libbpf reuses a compatible pin at load.
Expected<void> set_pin_paths(bpf_object* obj, const std::string& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return Error(ec.value(), "creating pin directory " + dir + ": " + ec.message());
    chmod(dir.c_str(), 0700);
    bpf_map* map;
    bpf_object__for_each_map(map, obj) {
        // .rodata and other internal maps are never pinned
        if (bpf_map__is_internal(map)) continue;
        std::string path = dir + "/" + bpf_map__name(map);
        if (std::string(bpf_map__name(map)) == "rl_sources")
            if (auto r = drop_resized_pin(map, path); !r) return r.error();
        if (int err = bpf_map__set_pin_path(map, path.c_str()))
            return Error::from_errno(err, "setting pin path " + path);
    }
    return Ok{};
}

}  // namespace

std::string to_string(AttachMode mode) {
    switch (mode) {
    case AttachMode::Auto: return "auto";
    case AttachMode::Native: return "native";
    case AttachMode::Generic: return "generic";
    }
    return "unknown";
}

Expected<std::unique_ptr<Datapath>> Datapath::open(const LoadOptions& options) {
    if (options.reply_ttl == 0) return Error(EINVAL, "reply TTL must be 1..255, not 0");
    if (options.rl_sources < 1) return Error(EINVAL, "rl_sources must be at least 1");
    if (options.max_ext_hdrs < 1 || options.max_ext_hdrs > 8)
        return Error(EINVAL, "max_ext_hdrs must be 1..8, not " + std::to_string(options.max_ext_hdrs));

    ::icmpguard_bpf* skel = icmpguard_bpf__open();
    if (!skel) return Error::from_errno(errno, "opening the icmpguard BPF object");
    skel->rodata->cfg_reply_enabled = options.reply_enabled ? 1 : 0;
    skel->rodata->cfg_reply_ttl = options.reply_ttl;
    skel->rodata->cfg_max_ext_hdrs = options.max_ext_hdrs;
    if (int err = bpf_map__set_max_entries(skel->maps.rl_sources, options.rl_sources)) {
        icmpguard_bpf__destroy(skel);
        return Error::from_errno(err, "sizing rl_sources to " + std::to_string(options.rl_sources));
    }
    if (!options.pin_dir.empty()) {
        if (auto r = set_pin_paths(skel->obj, options.pin_dir); !r) {
            icmpguard_bpf__destroy(skel);
            return r.error();
        }
    }
    return std::unique_ptr<Datapath>(new Datapath(skel, options));
}

Datapath::Datapath(::icmpguard_bpf* skel, LoadOptions options) : skel_(skel), options_(options) {}

Datapath::~Datapath() {
    attachment_.reset();  // detach before the program and maps go away
    icmpguard_bpf__destroy(skel_);
}

Expected<void> Datapath::load() {
    if (loaded_) return Ok{};
    if (int err = icmpguard_bpf__load(skel_))
        return Error::from_errno(err, "loading the icmpguard XDP program");
    loaded_ = true;
    return Ok{};
}

Expected<AttachInfo> Datapath::attach(int ifindex, AttachMode mode) {
    if (attachment_) return Error(EBUSY, "already attached to ifindex " +
                                             std::to_string(attachment_->info().ifindex));
    if (loaded_) return Error(EINVAL, "attach() needs an unloaded program: libxdp loads it");
    auto att = XdpAttachment::attach(skel_->obj, kProgramName, ifindex, mode);
    if (!att) return att.error().wrap("ifindex " + std::to_string(ifindex));
    attachment_ = std::move(att.value());
    loaded_ = true;
    return attachment_->info();
}

Expected<void> Datapath::detach() {
    if (!attachment_) return Ok{};
    auto res = attachment_->detach();
    if (!res) return res;
    attachment_.reset();
    return Ok{};
}

Expected<void> Datapath::unpin() {
    if (options_.pin_dir.empty()) return Ok{};
    bpf_map* map;
    bpf_object__for_each_map(map, skel_->obj) {
        if (bpf_map__is_internal(map) || !bpf_map__is_pinned(map)) continue;
        if (int err = bpf_map__unpin(map, nullptr))
            return Error::from_errno(err, std::string("unpinning ") + bpf_map__name(map));
    }
    std::error_code ec;
    std::filesystem::remove(options_.pin_dir, ec);  // only if empty
    return Ok{};
}

bool Datapath::attached() const { return attachment_ != nullptr; }

int Datapath::prog_fd() const { return bpf_program__fd(skel_->progs.icmpguard_xdp); }

MapFds Datapath::maps() const {
    MapFds fds;
    fds.counters = bpf_map__fd(skel_->maps.counters);
    fds.reasons = bpf_map__fd(skel_->maps.reasons);
    fds.policy = bpf_map__fd(skel_->maps.policy);
    fds.policy_state = bpf_map__fd(skel_->maps.policy_state);
    fds.local_addrs = bpf_map__fd(skel_->maps.local_addrs);
    fds.addr_slots = bpf_map__fd(skel_->maps.addr_slots);
    fds.iface = bpf_map__fd(skel_->maps.iface);
    fds.capture_config = bpf_map__fd(skel_->maps.capture_config);
    fds.capture_ring = bpf_map__fd(skel_->maps.capture_ring);
    fds.rl_params = bpf_map__fd(skel_->maps.rl_params);
    fds.rl_type_rates = bpf_map__fd(skel_->maps.rl_type_rates);
    fds.rl_shared = bpf_map__fd(skel_->maps.rl_shared);
    fds.rl_sources = bpf_map__fd(skel_->maps.rl_sources);
    fds.rl_new_sources = bpf_map__fd(skel_->maps.rl_new_sources);
    fds.rl_filter = bpf_map__fd(skel_->maps.rl_filter);
    return fds;
}

}  // namespace icmpguard
