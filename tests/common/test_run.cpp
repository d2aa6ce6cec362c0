#include "common/test_run.hpp"

#include <linux/bpf.h>

#include <cerrno>

extern "C" {
#include <bpf/bpf.h>
}

namespace icmpguard::test {

RunResult test_run_once(int prog_fd, const std::vector<uint8_t>& frame, int ingress_ifindex) {
    RunResult r;
    // room for a program that grows the frame (it never should: a reply is
    // never longer than its request, which the callers check)
    r.out.assign(frame.size() + 256, 0);
    xdp_md ctx{};
    ctx.ingress_ifindex = static_cast<__u32>(ingress_ifindex);
    DECLARE_LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame.data(), .data_out = r.out.data(),
                        .data_size_in = static_cast<__u32>(frame.size()),
                        .data_size_out = static_cast<__u32>(r.out.size()), .repeat = 1);
    if (ingress_ifindex) {
        opts.ctx_in = &ctx;
        opts.ctx_size_in = sizeof(ctx);
    }
    if (bpf_prog_test_run_opts(prog_fd, &opts)) {
        r.err = errno;
        r.out.clear();
        return r;
    }
    r.action = opts.retval;
    r.out.resize(opts.data_size_out);
    return r;
}

}  // namespace icmpguard::test
