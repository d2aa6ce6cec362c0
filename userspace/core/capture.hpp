// CaptureSession: `icmpguard capture`. Turns on the data plane's drop
// capture for one interface (capture_config, of which it is the only
// writer), reads the copies from the capture_ring ring buffer and writes
// them to a pcap file (libpcap; the only place it is used) that tcpdump and
// Wireshark read. On every way out (count reached, timeout, signal, error)
// the config goes back to zero, i.e. capture off.
//
// One capture per interface at a time: a second one gets EBUSY (an flock on
// the interface's pin directory). If the process is killed -9 the capture
// stays on, into a ring nobody reads (each reserve then fails cheaply); the
// next capture, or a daemon restart, resets it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace icmpguard {

struct CaptureOptions {
    std::string pin_root;
    std::string interface;
    uint32_t classes = 0;       // IG_CAPTURE_*; 0 means all
    uint32_t sample_every = 1;  // 1 in N matching drops per CPU
    uint32_t snaplen = 256;     // 1..256 bytes per packet
    uint64_t count = 0;         // stop after N packets; 0 = until stopped
    double timeout_s = 0;       // stop after S seconds; 0 = until stopped
    std::string output;         // pcap file
};

struct CaptureResult {
    uint64_t written = 0;
};

class CaptureSession {
public:
    // `stop` is polled between ring reads (e.g. a signal flag).
    static Expected<CaptureResult> run(const CaptureOptions& options, const std::function<bool()>& stop);
};

}  // namespace icmpguard
