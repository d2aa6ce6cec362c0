// PcapWriter: an Ethernet (DLT_EN10MB) pcap file, through libpcap. The only
// place libpcap is used (its <pcap/bpf.h> cannot share a translation unit
// with <linux/bpf.h>).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/error.hpp"

namespace icmpguard {

class PcapWriter {
public:
    static Expected<std::unique_ptr<PcapWriter>> open(const std::string& path, uint32_t snaplen);
    ~PcapWriter();
    PcapWriter(const PcapWriter&) = delete;
    PcapWriter& operator=(const PcapWriter&) = delete;

    // One packet: wall-clock time in ns, the captured bytes, the original length.
    void write(int64_t realtime_ns, const uint8_t* data, uint32_t caplen, uint32_t len);
    void flush();

private:
    struct Handles;
    explicit PcapWriter(std::unique_ptr<Handles> h);
    std::unique_ptr<Handles> h_;
};

}  // namespace icmpguard
