#include "core/datapath.hpp"

#include <cerrno>

extern "C" {
#include <bpf/libbpf.h>
}

#include "core/xdp_attach.hpp"
#include "icmpguard.skel.h"

namespace icmpguard {

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
    if (options.max_ext_hdrs < 1 || options.max_ext_hdrs > 8)
        return Error(EINVAL, "max_ext_hdrs must be 1..8, not " + std::to_string(options.max_ext_hdrs));

    ::icmpguard_bpf* skel = icmpguard_bpf__open();
    if (!skel) return Error::from_errno(errno, "opening the icmpguard BPF object");
    skel->rodata->cfg_reply_enabled = options.reply_enabled ? 1 : 0;
    skel->rodata->cfg_reply_ttl = options.reply_ttl;
    skel->rodata->cfg_max_ext_hdrs = options.max_ext_hdrs;
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
    auto att = XdpAttachment::attach(skel_->obj, "icmpguard_xdp", ifindex, mode);
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

bool Datapath::attached() const { return attachment_ != nullptr; }

int Datapath::prog_fd() const { return bpf_program__fd(skel_->progs.icmpguard_xdp); }

MapFds Datapath::maps() const {
    MapFds fds;
    fds.counters = bpf_map__fd(skel_->maps.counters);
    fds.reasons = bpf_map__fd(skel_->maps.reasons);
    fds.policy = bpf_map__fd(skel_->maps.policy);
    fds.policy_state = bpf_map__fd(skel_->maps.policy_state);
    fds.local_addrs = bpf_map__fd(skel_->maps.local_addrs);
    fds.iface = bpf_map__fd(skel_->maps.iface);
    return fds;
}

}  // namespace icmpguard
