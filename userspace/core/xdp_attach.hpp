// XdpAttachment: one program attached to one interface through libxdp.
//
// libxdp puts the program behind its multi-program dispatcher where the
// kernel allows it, and falls back to a plain single-program attach where
// the dispatcher cannot load (freplace refused, as in some containers):
// AttachInfo.multiprog says which. Mode Auto tries native, then generic.
// libxdp owns the loading: the bpf_object must not be loaded before.
// The destructor detaches (the kernel handles every packet again).
#pragma once

#include <memory>
#include <optional>

#include "core/datapath.hpp"
#include "core/error.hpp"

struct bpf_object;
struct xdp_program;

namespace icmpguard {

class XdpAttachment {
public:
    static Expected<std::unique_ptr<XdpAttachment>> attach(bpf_object* obj, const char* prog_name,
                                                           int ifindex, AttachMode mode);
    // Detach a program named prog_name left on ifindex by an earlier run
    // that died without detaching (kill -9). Returns true if one was removed;
    // an error if some other program holds the interface in a way libxdp
    // cannot share (a non-libxdp program in single-program mode).
    static Expected<bool> remove_stale(int ifindex, const char* prog_name);
    // What is attached to ifindex under prog_name, if anything (for `status`).
    static Expected<std::optional<AttachInfo>> query(int ifindex, const char* prog_name);
    ~XdpAttachment();
    Expected<void> detach();
    const AttachInfo& info() const { return info_; }
    int prog_fd() const;

private:
    XdpAttachment(xdp_program* prog, AttachInfo info) : prog_(prog), info_(info) {}
    xdp_program* prog_;
    AttachInfo info_;
    bool attached_ = true;
};

}  // namespace icmpguard
