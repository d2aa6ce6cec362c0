#include "core/pcap_writer.hpp"

#include <pcap/pcap.h>

#include <cerrno>

namespace icmpguard {

struct PcapWriter::Handles {
    pcap_t* dead = nullptr;
    pcap_dumper_t* dumper = nullptr;
};

PcapWriter::PcapWriter(std::unique_ptr<Handles> h) : h_(std::move(h)) {}

Expected<std::unique_ptr<PcapWriter>> PcapWriter::open(const std::string& path, uint32_t snaplen) {
    auto h = std::make_unique<Handles>();
    h->dead = pcap_open_dead(DLT_EN10MB, static_cast<int>(snaplen));
    if (!h->dead) return Error(ENOMEM, "pcap_open_dead failed");
    h->dumper = pcap_dump_open(h->dead, path.c_str());
    if (!h->dumper) {
        std::string err = pcap_geterr(h->dead);
        pcap_close(h->dead);
        return Error(EIO, "opening " + path + ": " + err);
    }
    return std::unique_ptr<PcapWriter>(new PcapWriter(std::move(h)));
}

PcapWriter::~PcapWriter() {
    pcap_dump_flush(h_->dumper);
    pcap_dump_close(h_->dumper);
    pcap_close(h_->dead);
}

void PcapWriter::write(int64_t realtime_ns, const uint8_t* data, uint32_t caplen, uint32_t len) {
    pcap_pkthdr hdr{};
    hdr.ts.tv_sec = realtime_ns / 1000000000;
    hdr.ts.tv_usec = (realtime_ns % 1000000000) / 1000;
    hdr.caplen = caplen;
    hdr.len = len;
    pcap_dump(reinterpret_cast<u_char*>(h_->dumper), &hdr, data);
}

void PcapWriter::flush() { pcap_dump_flush(h_->dumper); }

}  // namespace icmpguard
