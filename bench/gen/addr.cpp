#include "addr.hpp"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "cli.hpp"

namespace gen {

Addr parse_addr(const std::string& opt, const std::string& text) {
    Addr a;
    a.family = text.find(':') == std::string::npos ? 4 : 6;
    if (inet_pton(a.family == 4 ? AF_INET : AF_INET6, text.c_str(), a.b.data()) != 1)
        die(opt + " " + text + ": not an IPv4 or IPv6 address");
    return a;
}

Prefix parse_prefix(const std::string& opt, const std::string& text) {
    auto slash = text.find('/');
    if (slash == std::string::npos) die(opt + " " + text + ": want ADDR/LEN");
    Prefix p;
    p.net = parse_addr(opt, text.substr(0, slash));
    p.bits = static_cast<int>(parse_uint(opt, text.substr(slash + 1), 0, p.net.family == 4 ? 32 : 128));
    for (int i = p.bits; i < static_cast<int>(p.net.len()) * 8; i++)
        if ((p.net.b[i / 8] >> (7 - i % 8)) & 1) die(opt + " " + text + ": host bits set after /" + std::to_string(p.bits));
    return p;
}

std::string to_string(const Addr& a) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(a.family == 4 ? AF_INET : AF_INET6, a.b.data(), buf, sizeof(buf));
    return buf;
}

std::string to_string(const Prefix& p) { return to_string(p.net) + "/" + std::to_string(p.bits); }

bool within(const Addr& a, const Prefix& p) {
    if (a.family != p.net.family) return false;
    for (int i = 0; i < p.bits; i++)  // bit by bit: short and obviously right
        if (((a.b[i / 8] ^ p.net.b[i / 8]) >> (7 - i % 8)) & 1) return false;
    return true;
}

namespace {

Prefix known(const char* text) { return parse_prefix("built-in", text); }

}  // namespace

void require_lab_address(const std::string& opt, const Addr& a, int family) {
    if (a.family != family)
        die(opt + " " + to_string(a) + ": not an IPv" + std::to_string(family) + " address (-" +
            std::to_string(family) + " was given)");
    for (const char* ok : {"198.51.100.0/24", "203.0.113.0/24", "198.18.0.0/15", "2001:db8::/32"})
        if (within(a, known(ok))) return;
    die(opt + " " + to_string(a) +
        ": refused, the generator only uses documentation/benchmark addresses "
        "(198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15, 2001:db8::/32)");
}

void require_random_prefix(const std::string& opt, const Prefix& p, int family) {
    Prefix range = known(family == 4 ? "198.18.0.0/15" : "2001:db8::/32");
    if (p.net.family != family || p.bits < range.bits || !within(p.net, range))
        die(opt + " " + to_string(p) + ": refused, random sources must lie inside " + to_string(range) +
            " (network safety)");
}

}  // namespace gen
