#include "core/xdp_attach.hpp"

#include <cerrno>
#include <string>

extern "C" {
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
}

namespace icmpguard {
namespace {

// libxdp returns both NULL-with-errno and encoded error pointers;
// libxdp_get_error() reads either.
template <typename T>
int xdp_error(T* ptr) {
    long err = libxdp_get_error(ptr);
    if (err) return static_cast<int>(err);
    return ptr ? 0 : -errno;
}

Expected<xdp_attach_mode> try_attach(xdp_program* prog, int ifindex, AttachMode mode) {
    if (mode == AttachMode::Native || mode == AttachMode::Generic) {
        auto xmode = mode == AttachMode::Native ? XDP_MODE_NATIVE : XDP_MODE_SKB;
        int err = xdp_program__attach(prog, ifindex, xmode, 0);
        if (err) return Error::from_errno(err, "attaching in " + to_string(mode) + " mode");
        return xmode;
    }
    if (xdp_program__attach(prog, ifindex, XDP_MODE_NATIVE, 0) == 0) return XDP_MODE_NATIVE;
    int err = xdp_program__attach(prog, ifindex, XDP_MODE_SKB, 0);
    if (err) return Error::from_errno(err, "attaching in native or generic mode");
    return XDP_MODE_SKB;
}

}  // namespace

Expected<std::unique_ptr<XdpAttachment>> XdpAttachment::attach(bpf_object* obj,
                                                                const char* prog_name,
                                                                int ifindex, AttachMode mode) {
    DECLARE_LIBXDP_OPTS(xdp_program_opts, opts, .obj = obj, .prog_name = prog_name);
    xdp_program* prog = xdp_program__create(&opts);
    if (int err = xdp_error(prog)) return Error::from_errno(err, "creating XDP program");

    auto xmode = try_attach(prog, ifindex, mode);
    if (!xmode) {
        xdp_program__close(prog);
        return xmode.error();
    }

    AttachInfo info;
    info.ifindex = ifindex;
    info.mode = *xmode == XDP_MODE_NATIVE ? AttachMode::Native : AttachMode::Generic;
    info.prog_id = xdp_program__id(prog);
    xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(ifindex);
    if (!xdp_error(mp)) {
        info.multiprog = !xdp_multiprog__is_legacy(mp);
        xdp_multiprog__close(mp);
    }
    return std::unique_ptr<XdpAttachment>(new XdpAttachment(prog, info));
}

Expected<bool> XdpAttachment::remove_stale(int ifindex, const char* prog_name) {
    xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(ifindex);
    if (int err = xdp_error(mp)) {
        if (err == -ENOENT) return false;  // nothing attached
        return Error::from_errno(err, "inspecting the XDP programs on ifindex " + std::to_string(ifindex));
    }
    bool removed = false;
    int err = 0;
    if (xdp_multiprog__is_legacy(mp)) {
        xdp_program* main = xdp_multiprog__main_prog(mp);
        if (main && std::string(xdp_program__name(main)) == prog_name) {
            err = xdp_multiprog__detach(mp);
            removed = err == 0;
        } else if (main) {
            std::string other = xdp_program__name(main);
            xdp_multiprog__close(mp);
            return Error(EBUSY, "ifindex " + std::to_string(ifindex) + " already runs XDP program \"" +
                                    other + "\" outside a libxdp dispatcher; detach it first");
        }
    } else {
        for (xdp_program* p = xdp_multiprog__next_prog(nullptr, mp); p; p = xdp_multiprog__next_prog(p, mp)) {
            if (std::string(xdp_program__name(p)) != prog_name) continue;
            err = xdp_program__detach(p, ifindex, xdp_multiprog__attach_mode(mp), 0);
            removed = err == 0;
            break;
        }
    }
    xdp_multiprog__close(mp);
    if (err) return Error::from_errno(err, "detaching the stale icmpguard program");
    return removed;
}

Expected<std::optional<AttachInfo>> XdpAttachment::query(int ifindex, const char* prog_name) {
    xdp_multiprog* mp = xdp_multiprog__get_from_ifindex(ifindex);
    if (int err = xdp_error(mp)) {
        if (err == -ENOENT) return std::optional<AttachInfo>{};
        return Error::from_errno(err, "inspecting the XDP programs on ifindex " + std::to_string(ifindex));
    }
    std::optional<AttachInfo> found;
    auto consider = [&](xdp_program* p) {
        if (!p || found || std::string(xdp_program__name(p)) != prog_name) return;
        AttachInfo info;
        info.ifindex = ifindex;
        info.mode = xdp_multiprog__attach_mode(mp) == XDP_MODE_SKB ? AttachMode::Generic : AttachMode::Native;
        info.multiprog = !xdp_multiprog__is_legacy(mp);
        info.prog_id = xdp_program__id(p);
        found = info;
    };
    if (xdp_multiprog__is_legacy(mp)) {
        consider(xdp_multiprog__main_prog(mp));
    } else {
        for (xdp_program* p = xdp_multiprog__next_prog(nullptr, mp); p; p = xdp_multiprog__next_prog(p, mp))
            consider(p);
    }
    xdp_multiprog__close(mp);
    return found;
}

Expected<void> XdpAttachment::detach() {
    if (!attached_) return Ok{};
    auto xmode = info_.mode == AttachMode::Native ? XDP_MODE_NATIVE : XDP_MODE_SKB;
    int err = xdp_program__detach(prog_, info_.ifindex, xmode, 0);
    if (err) return Error::from_errno(err, "detaching from ifindex " + std::to_string(info_.ifindex));
    attached_ = false;
    return Ok{};
}

int XdpAttachment::prog_fd() const { return xdp_program__fd(prog_); }

XdpAttachment::~XdpAttachment() {
    (void)detach();
    xdp_program__close(prog_);  // the bpf_object stays with its skeleton
}

}  // namespace icmpguard
