// Logging: one line per event with stable keys, to stderr (journald picks
// it up), as logfmt or JSON, through spdlog. libbpf and libxdp messages are
// routed here too: their debug/info lines only at debug level.
//
//   log_info("attached", {{"interface", "s0"}, {"mode", "native"}});
//   -> ts=2026-11-22T06:00:00.000Z level=info msg=attached interface=s0 mode=native
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "core/error.hpp"

namespace icmpguard {

enum class LogFormat { Logfmt, Json };
enum class LogLevel { Debug, Info, Warn, Error };

using LogField = std::pair<std::string_view, std::string>;

// Parses "debug|info|warn|error" and "logfmt|json".
Expected<LogLevel> parse_log_level(std::string_view text);
Expected<LogFormat> parse_log_format(std::string_view text);

void setup_logging(LogLevel level, LogFormat format);
// Now as "2026-11-22T06:00:00.000Z" (UTC, milliseconds): log lines and --watch.
std::string utc_timestamp();
void log_event(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields = {});

inline void log_debug(std::string_view m, std::initializer_list<LogField> f = {}) { log_event(LogLevel::Debug, m, f); }
inline void log_info(std::string_view m, std::initializer_list<LogField> f = {}) { log_event(LogLevel::Info, m, f); }
inline void log_warn(std::string_view m, std::initializer_list<LogField> f = {}) { log_event(LogLevel::Warn, m, f); }
inline void log_error(std::string_view m, std::initializer_list<LogField> f = {}) { log_event(LogLevel::Error, m, f); }

}  // namespace icmpguard
