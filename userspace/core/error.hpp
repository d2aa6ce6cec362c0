// Error and Expected<T>: how every core/ function reports failure.
//
// C++20 has no std::expected (g++ 12 ships it only under C++23), so this is
// a small stand-in with the std names; moving to std::expected later is an
// alias. Errors carry an errno-style code and a message that names the
// object (interface, map, file:line:col). Each layer adds context with
// Error::wrap(), so a message reads "attaching to s0: loading: ...".
#pragma once

#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace icmpguard {

class Error {
public:
    Error(int code, std::string message) : code_(code), message_(std::move(message)) {}

    // An error from a libbpf/libxdp call that returned -errno (or set errno).
    static Error from_errno(int err, const std::string& what) {
        if (err < 0) err = -err;
        return Error(err, what + ": " + std::strerror(err));
    }

    int code() const { return code_; }
    const std::string& message() const { return message_; }

    // "context: message", same code.
    Error wrap(const std::string& context) const { return Error(code_, context + ": " + message_); }

private:
    int code_;
    std::string message_;
};

template <typename T>
class [[nodiscard]] Expected {
public:
    Expected(T value) : v_(std::move(value)) {}
    Expected(Error error) : v_(std::move(error)) {}

    bool has_value() const { return std::holds_alternative<T>(v_); }
    explicit operator bool() const { return has_value(); }
    T& value() & { return std::get<T>(v_); }
    T&& value() && { return std::get<T>(std::move(v_)); }
    const T& value() const& { return std::get<T>(v_); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const { return std::get<Error>(v_); }
    T value_or(T other) const { return has_value() ? value() : other; }

private:
    std::variant<T, Error> v_;
};

// Expected<void>: success or an Error.
struct Ok {};
template <>
class [[nodiscard]] Expected<void> {
public:
    Expected() = default;
    Expected(Ok) {}
    Expected(Error error) : error_(std::move(error)), ok_(false) {}

    bool has_value() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return error_; }

private:
    Error error_{0, ""};
    bool ok_ = true;
};

}  // namespace icmpguard
