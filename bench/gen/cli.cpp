#include "cli.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace gen {

void die(const std::string& msg) {
    std::fprintf(stderr, "icmpguard_gen: %s\n", msg.c_str());
    std::exit(1);
}

Args::Args(int argc, char** argv, int first, const std::map<std::string, bool>& spec) {
    for (int i = first; i < argc; i++) {
        std::string opt = argv[i];
        auto it = spec.find(opt);
        if (it == spec.end()) die("unknown option " + opt + " (see icmpguard_gen --help)");
        if (values_.count(opt)) die(opt + " given twice");
        if (it->second) {
            if (i + 1 >= argc) die(opt + " needs a value");
            values_[opt] = argv[++i];
        } else {
            values_[opt] = "";
        }
    }
}

std::optional<std::string> Args::get(const std::string& opt) const {
    auto it = values_.find(opt);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::string Args::need(const std::string& opt) const {
    auto v = get(opt);
    if (!v) die(opt + " is required");
    return *v;
}

uint64_t parse_uint(const std::string& opt, const std::string& v, uint64_t lo, uint64_t hi) {
    char* end = nullptr;
    errno = 0;
    unsigned long long n = std::strtoull(v.c_str(), &end, 10);
    if (v.empty() || v[0] == '-' || *end || errno || n < lo || n > hi)
        die(opt + " " + v + ": want an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
    return n;
}

double parse_seconds(const std::string& opt, const std::string& v) {
    char* end = nullptr;
    double s = std::strtod(v.c_str(), &end);
    if (v.empty() || *end || !std::isfinite(s) || s <= 0 || s > 86400)
        die(opt + " " + v + ": want seconds, > 0 and at most 86400");
    return s;
}

std::array<uint8_t, 6> parse_mac(const std::string& opt, const std::string& v) {
    std::array<uint8_t, 6> m{};
    char tail;
    if (std::sscanf(v.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx%c", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5],
                    &tail) != 6)
        die(opt + " " + v + ": want a MAC address like 02:00:00:00:00:01");
    return m;
}

std::string load_error(const std::string& what, int err) {
    return "loading " + what + ": " + std::strerror(err) +
           (err == EPERM ? " (needs root or CAP_BPF + CAP_NET_ADMIN)" : " (see libbpf's log above)");
}

}  // namespace gen
