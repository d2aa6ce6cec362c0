#include "core/logging.hpp"

#include <cerrno>
#include <cstdarg>
#include <cstdio>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

extern "C" {
#include <bpf/libbpf.h>
#include <xdp/libxdp.h>
}

namespace icmpguard {
namespace {

LogFormat g_format = LogFormat::Logfmt;

spdlog::level::level_enum to_spd(LogLevel l) {
    switch (l) {
    case LogLevel::Debug: return spdlog::level::debug;
    case LogLevel::Info: return spdlog::level::info;
    case LogLevel::Warn: return spdlog::level::warn;
    case LogLevel::Error: return spdlog::level::err;
    }
    return spdlog::level::info;
}

const char* level_name(LogLevel l) {
    switch (l) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warn: return "warn";
    case LogLevel::Error: return "error";
    }
    return "info";
}

std::string json_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof(buf), "\\u%04x", c);
                out += buf;
            } else {
                out += c;
            }
        }
    }
    return out;
}

// logfmt: bare when safe, else quoted with escapes.
std::string logfmt_value(std::string_view s) {
    bool plain = !s.empty();
    for (char c : s) plain = plain && c > ' ' && c != '"' && c != '=' && c != '\\';
    return plain ? std::string(s) : "\"" + json_escape(s) + "\"";
}

std::string trim_newline(const char* text) {
    std::string s(text);
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// libbpf's and libxdp's messages: warnings stay warnings, the rest is debug.
int forward_library_log(bool warn, const char* component, const char* fmt, va_list args) {
    char buf[1024];
    std::vsnprintf(buf, sizeof(buf), fmt, args);
    log_event(warn ? LogLevel::Warn : LogLevel::Debug, trim_newline(buf), {{"component", component}});
    return 0;
}

int libbpf_print(enum libbpf_print_level level, const char* fmt, va_list args) {
    return forward_library_log(level == LIBBPF_WARN, "libbpf", fmt, args);
}

int libxdp_print(enum libxdp_print_level level, const char* fmt, va_list args) {
    return forward_library_log(level == LIBXDP_WARN, "libxdp", fmt, args);
}

}  // namespace

Expected<LogLevel> parse_log_level(std::string_view t) {
    if (t == "debug") return LogLevel::Debug;
    if (t == "info") return LogLevel::Info;
    if (t == "warn") return LogLevel::Warn;
    if (t == "error") return LogLevel::Error;
    return Error(EINVAL, "log level \"" + std::string(t) + "\" is not one of debug, info, warn, error");
}

Expected<LogFormat> parse_log_format(std::string_view t) {
    if (t == "logfmt") return LogFormat::Logfmt;
    if (t == "json") return LogFormat::Json;
    return Error(EINVAL, "log format \"" + std::string(t) + "\" is not one of logfmt, json");
}

void setup_logging(LogLevel level, LogFormat format) {
    g_format = format;
    auto logger = spdlog::stderr_logger_mt("icmpguard");
    logger->set_pattern("%v");
    logger->set_level(to_spd(level));
    logger->flush_on(spdlog::level::debug);
    spdlog::set_default_logger(logger);
    libbpf_set_print(libbpf_print);
    libxdp_set_print(libxdp_print);
}

std::string utc_timestamp() {
    auto now = std::chrono::system_clock::now();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char buf[96];
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
    return buf;
}

void log_event(LogLevel level, std::string_view msg, std::initializer_list<LogField> fields) {
    auto logger = spdlog::default_logger_raw();
    if (!logger->should_log(to_spd(level))) return;
    const std::string ts = utc_timestamp();
    std::string line;
    if (g_format == LogFormat::Json) {
        line = "{\"ts\":\"" + ts + "\",\"level\":\"" + level_name(level) + "\",\"msg\":\"" +
               json_escape(msg) + "\"";
        for (const auto& [k, v] : fields) line += ",\"" + json_escape(k) + "\":\"" + json_escape(v) + "\"";
        line += "}";
    } else {
        line = "ts=" + std::string(ts) + " level=" + level_name(level) + " msg=" + logfmt_value(msg);
        for (const auto& [k, v] : fields) line += " " + std::string(k) + "=" + logfmt_value(v);
    }
    logger->log(to_spd(level), line);
}

}  // namespace icmpguard
