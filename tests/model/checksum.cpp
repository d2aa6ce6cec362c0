#include "model/checksum.hpp"

namespace icmpguard::model {

uint16_t ones_sum(std::span<const uint8_t> data, uint64_t initial) {
    // A 64-bit accumulator cannot overflow for any frame (at most 2^16
    // words of at most 2^16 each), so the carries are folded once at the end.
    uint64_t sum = initial;
    size_t i = 0;
    for (; i + 1 < data.size(); i += 2) sum += static_cast<uint64_t>(data[i]) << 8 | data[i + 1];
    if (i < data.size()) sum += static_cast<uint64_t>(data[i]) << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(sum);
}

uint64_t ip6_pseudo_sum(std::span<const uint8_t, 16> src, std::span<const uint8_t, 16> dst,
                        uint32_t upper_len, uint8_t next_header) {
    uint64_t sum = 0;
    for (size_t i = 0; i < 16; i += 2) {
        sum += static_cast<uint64_t>(src[i]) << 8 | src[i + 1];
        sum += static_cast<uint64_t>(dst[i]) << 8 | dst[i + 1];
    }
    sum += upper_len >> 16;
    sum += upper_len & 0xffff;
    sum += next_header;
    return sum;
}

}  // namespace icmpguard::model
