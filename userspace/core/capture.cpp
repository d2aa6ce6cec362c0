#include "core/capture.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <time.h>

#include <cerrno>
#include <chrono>
#include <cstring>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "icmpguard/abi.h"
}

#include "core/datapath.hpp"
#include "core/pcap_writer.hpp"
#include "core/unique_fd.hpp"

namespace icmpguard {
namespace {

// What the ring-buffer callback writes into.
struct Sink {
    PcapWriter* pcap = nullptr;
    uint64_t written = 0;
    uint64_t limit = 0;
    bool accept = false;          // false while draining an earlier capture's leftovers
    int64_t mono_to_real_ns = 0;  // CLOCK_REALTIME - CLOCK_MONOTONIC at start
};

int64_t clock_ns(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

int on_record(void* ctx, void* data, size_t size) {
    auto* sink = static_cast<Sink*>(ctx);
    if (size < sizeof(ig_capture_record)) return 0;
    if (!sink->accept || (sink->limit && sink->written >= sink->limit)) return 0;
    const auto* rec = static_cast<const ig_capture_record*>(data);
    int64_t real = static_cast<int64_t>(rec->ktime_ns) + sink->mono_to_real_ns;
    uint32_t caplen = rec->cap_len <= IG_CAPTURE_SNAPLEN_MAX ? rec->cap_len : IG_CAPTURE_SNAPLEN_MAX;
    sink->pcap->write(real, rec->data, caplen, rec->frame_len);
    ++sink->written;
    return 0;
}

Expected<void> write_config(int fd, const ig_capture_config& cfg) {
    uint32_t zero = 0;
    if (bpf_map_update_elem(fd, &zero, &cfg, BPF_ANY)) return Error::from_errno(errno, "writing capture_config");
    return Ok{};
}

}  // namespace

Expected<CaptureResult> CaptureSession::run(const CaptureOptions& o, const std::function<bool()>& stop) {
    if (o.snaplen < 1 || o.snaplen > IG_CAPTURE_SNAPLEN_MAX)
        return Error(EINVAL, "snaplen must be 1-" + std::to_string(IG_CAPTURE_SNAPLEN_MAX));
    if (o.sample_every < 1) return Error(EINVAL, "sample must be at least 1 (1 = every packet)");
    const std::string dir = pin_dir_for(o.interface, o.pin_root);

    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd.valid())
        return Error::from_errno(errno, "no icmpguard pins for " + o.interface + " (" + dir + ")");
    if (flock(dir_fd.get(), LOCK_EX | LOCK_NB))
        return Error(EBUSY, "another capture is running on " + o.interface);

    UniqueFd cfg_fd(bpf_obj_get((dir + "/capture_config").c_str()));
    UniqueFd ring_fd(bpf_obj_get((dir + "/capture_ring").c_str()));
    if (!cfg_fd.valid() || !ring_fd.valid())
        return Error::from_errno(errno, "opening the capture maps in " + dir +
                                            " (an icmpguard older than capture support, or no CAP_BPF)");

    auto pcap = PcapWriter::open(o.output, o.snaplen);
    if (!pcap) return pcap.error();
    Sink sink;
    sink.pcap = pcap->get();
    sink.limit = o.count;
    sink.mono_to_real_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);

    ring_buffer* rb = ring_buffer__new(ring_fd.get(), on_record, &sink, nullptr);
    Expected<void> result = Ok{};
    if (!rb) {
        result = Error::from_errno(errno, "opening capture_ring");
    } else {
        ig_capture_config cfg{};
        cfg.classes = o.classes ? o.classes : (IG_CAPTURE_DROP | IG_CAPTURE_RATE_LIMITED | IG_CAPTURE_INVALID);
        cfg.sample_every = o.sample_every;
        cfg.snaplen = o.snaplen;
        // drain what an earlier, killed capture left in the ring, then turn on
        ring_buffer__consume(rb);
        sink.accept = true;
        result = write_config(cfg_fd.get(), cfg);
        const auto start = std::chrono::steady_clock::now();
        while (result && !stop() && !(o.count && sink.written >= o.count)) {
            if (o.timeout_s > 0 &&
                std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() >= o.timeout_s)
                break;
            int n = ring_buffer__poll(rb, 10 /* ms: the program submits without wakeups */);
            if (n < 0 && n != -EINTR) result = Error::from_errno(n, "reading capture_ring");
        }
        // always switch capture off, also after an error
        if (auto off = write_config(cfg_fd.get(), ig_capture_config{}); !off && result) result = off;
        ring_buffer__consume(rb);  // what was already in flight, within the count
        ring_buffer__free(rb);
    }
    (*pcap)->flush();
    if (!result) return result.error();
    return CaptureResult{sink.written};
}

}  // namespace icmpguard
