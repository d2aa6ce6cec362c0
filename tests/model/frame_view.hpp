// Bounds-checked reads of one frame. The model runs on arbitrary fuzzer
// bytes under ASan/UBSan: every read goes through has() or one of the
// accessors below, which never touch memory outside the frame. A read out
// of range returns zero and sets overrun(): the stages test has() first and
// never rely on it, so a set flag in a debugger means a missing has().
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace icmpguard::model {

class FrameView {
public:
    explicit FrameView(const std::vector<uint8_t>& frame) : data_(frame.data()), size_(frame.size()) {}

    size_t size() const { return size_; }

    // [off, off + len) lies inside the frame (written so it cannot overflow).
    bool has(size_t off, size_t len) const { return off <= size_ && len <= size_ - off; }

    uint8_t u8(size_t off) const {
        if (!has(off, 1)) return miss();
        return data_[off];
    }
    uint16_t be16(size_t off) const {
        if (!has(off, 2)) return miss();
        return static_cast<uint16_t>(data_[off] << 8 | data_[off + 1]);
    }
    uint32_t be32(size_t off) const {
        if (!has(off, 4)) return miss();
        return static_cast<uint32_t>(data_[off]) << 24 | static_cast<uint32_t>(data_[off + 1]) << 16 |
               static_cast<uint32_t>(data_[off + 2]) << 8 | data_[off + 3];
    }
    // The bytes [off, off + len), or an empty span if they are not all there.
    std::span<const uint8_t> bytes(size_t off, size_t len) const {
        if (!has(off, len)) {
            miss();
            return {};
        }
        return {data_ + off, len};
    }
    // N bytes at off, zero-filled if they are not all there.
    template <size_t N>
    std::array<uint8_t, N> array(size_t off) const {
        std::array<uint8_t, N> a{};
        if (!has(off, N)) {
            miss();
            return a;
        }
        for (size_t i = 0; i < N; ++i) a[i] = data_[off + i];
        return a;
    }

    bool overrun() const { return overrun_; }

private:
    uint8_t miss() const {
        overrun_ = true;
        return 0;
    }

    const uint8_t* data_;
    size_t size_;
    mutable bool overrun_ = false;
};

}  // namespace icmpguard::model
