// Helpers for the config parser's tests: parse a TOML text that must load,
// or one that must be refused with an exact "file:line:col: " prefix.
#pragma once

#include <cerrno>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/config_parser.hpp"

namespace icmpguard::test {

// The file name every parsed text is given, so messages start "test.toml:".
inline constexpr const char* kConfigFile = "test.toml";

inline Config parse_ok(const std::string& text) {
    auto cfg = ConfigParser::parse_text(text, kConfigFile);
    EXPECT_TRUE(cfg.has_value()) << "unexpected error: " << cfg.error().message() << "\n--- text ---\n" << text;
    return cfg ? cfg.value() : Config{};
}

// The message of the error parse_text must return; "" (and a failure) if it parsed.
inline std::string parse_error(const std::string& text) {
    auto cfg = ConfigParser::parse_text(text, kConfigFile);
    EXPECT_FALSE(cfg.has_value()) << "expected an error for:\n" << text;
    if (cfg) return "";
    EXPECT_EQ(cfg.error().code(), EINVAL);
    return cfg.error().message();
}

// `text` is refused with a message that starts with exactly `prefix`
// ("test.toml:L:C: ") and contains every one of `parts` (key, problem).
inline void expect_error(const std::string& text, const std::string& prefix, const std::vector<std::string>& parts) {
    SCOPED_TRACE(text);
    std::string msg = parse_error(text);
    EXPECT_EQ(msg.substr(0, prefix.size()), prefix) << "message: " << msg;
    for (const auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "missing \"" << p << "\" in: " << msg;
}

}  // namespace icmpguard::test
