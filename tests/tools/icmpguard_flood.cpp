// icmpguard_flood: a bounded ICMP echo-request sender for the netns tests.
//
//   icmpguard_flood -i IF --dst-mac MAC --src-mac MAC --dst ADDR -c COUNT
//       (-4 SRC | --random-src4 CIDR | -6 SRC | --random-src6 CIDR | --src-list FILE)
//       [--pps RATE] [--type N] [--code N] [--size BYTES] [--seed S]
//
// Writes COUNT whole Ethernet frames to IF through an AF_PACKET socket in
// sendmmsg batches and prints "sent N in S seconds". Frames come from the
// project's independent packet builder (tests/common), so every checksum is
// computed without the code under test. --src-list cycles through the
// addresses in FILE (one per line): the SAD DNS test sends a whole batch of
// chosen sources in one go, so the limiter's clock barely moves meanwhile.
//
// Safety: every address must be a documentation or benchmarking one
// (198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15, 2001:db8::/32), random
// ranges must lie in 198.18.0.0/15 or 2001:db8::/32, and COUNT <= 10^7, so a
// mistyped command cannot spray real addresses or run unbounded.
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "common/packet_builder.hpp"

using namespace icmpguard::test;

namespace {

[[noreturn]] void die(const std::string& msg) {
    std::fprintf(stderr, "icmpguard_flood: %s\n", msg.c_str());
    std::exit(1);
}

double now_s() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}

// An address of either family as 16 bytes (IPv4 in the first 4) + its family.
struct Addr {
    bool v6 = false;
    std::array<uint8_t, 16> b{};
};

Addr parse_addr(const std::string& s) {
    Addr a;
    a.v6 = s.find(':') != std::string::npos;
    if (inet_pton(a.v6 ? AF_INET6 : AF_INET, s.c_str(), a.b.data()) != 1) die("bad address " + s);
    return a;
}

std::string text(const Addr& a) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(a.v6 ? AF_INET6 : AF_INET, a.b.data(), buf, sizeof(buf));
    return buf;
}

// Is a inside net/len? (bit by bit: short and obviously right)
bool within(const Addr& a, const char* net, int len) {
    Addr n = parse_addr(net);
    if (n.v6 != a.v6) return false;
    for (int i = 0; i < len; i++)
        if (((a.b[i / 8] ^ n.b[i / 8]) >> (7 - i % 8)) & 1) return false;
    return true;
}

bool documentation(const Addr& a) {
    return within(a, "198.51.100.0", 24) || within(a, "203.0.113.0", 24) || within(a, "198.18.0.0", 15) ||
           within(a, "2001:db8::", 32);
}

Mac parse_mac(const std::string& s) {
    Mac m{};
    if (std::sscanf(s.c_str(), "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &m[0], &m[1], &m[2], &m[3], &m[4], &m[5]) != 6)
        die("bad MAC " + s);
    return m;
}

}  // namespace

int main(int argc, char** argv) {
    std::string iface, dst_text;
    Mac dst_mac{}, src_mac{};
    bool have_dst_mac = false, have_src_mac = false;
    std::vector<Addr> sources;  // fixed or listed sources, cycled
    Addr random_net;            // with random_len >= 0: random host bits after the prefix
    int random_len = -1;
    long long count = 0;
    double pps = 0;
    int type = -1, code = 0, size = 56;
    unsigned long long seed = 1;

    for (int i = 1; i < argc; i++) {
        std::string opt = argv[i];
        if (i + 1 >= argc) die("missing value after " + opt);
        std::string v = argv[++i];
        if (opt == "-i") iface = v;
        else if (opt == "--dst-mac") dst_mac = parse_mac(v), have_dst_mac = true;
        else if (opt == "--src-mac") src_mac = parse_mac(v), have_src_mac = true;
        else if (opt == "--dst") dst_text = v;
        else if (opt == "-4" || opt == "-6") {
            sources.push_back(parse_addr(v));
            if (sources.back().v6 != (opt == "-6")) die(opt + " " + v + ": wrong family");
        }
        else if (opt == "--random-src4" || opt == "--random-src6") {
            auto slash = v.find('/');
            if (slash == std::string::npos) die(opt + " needs a prefix length: " + v);
            random_net = parse_addr(v.substr(0, slash));
            random_len = std::stoi(v.substr(slash + 1));
            bool ok = random_net.v6 ? opt == "--random-src6" && random_len >= 32 && random_len <= 128 &&
                                          within(random_net, "2001:db8::", 32)
                                    : opt == "--random-src4" && random_len >= 15 && random_len <= 32 &&
                                          within(random_net, "198.18.0.0", 15);
            if (!ok) die("random sources must lie in 198.18.0.0/15 or 2001:db8::/32, not " + v);
        } else if (opt == "--src-list") {
            std::ifstream in(v);
            if (!in) die("cannot read " + v);
            for (std::string line; std::getline(in, line);)
                if (!line.empty()) sources.push_back(parse_addr(line));
        } else if (opt == "-c") count = std::stoll(v);
        else if (opt == "--pps") pps = std::stod(v);
        else if (opt == "--type") type = std::stoi(v);
        else if (opt == "--code") code = std::stoi(v);
        else if (opt == "--size") size = std::stoi(v);
        else if (opt == "--seed") seed = std::stoull(v);
        else die("unknown option " + opt);
    }
    if (iface.empty() || dst_text.empty() || !have_dst_mac || !have_src_mac)
        die("need -i, --dst, --dst-mac, --src-mac");
    if (count < 1 || count > 10000000) die("-c must be 1..10000000");
    if ((random_len >= 0) == !sources.empty())
        die("give exactly one kind of source (-4/-6, --random-src*, --src-list)");
    if (size < 0 || size > 1400 || type < -1 || type > 255 || code < 0 || code > 255 || pps < 0)
        die("bad --size/--type/--code/--pps");
    Addr dst = parse_addr(dst_text);
    if (random_len >= 0) sources.push_back(random_net);  // only checked for family and range below
    for (const Addr& a : sources)
        if (a.v6 != dst.v6 || !documentation(a))
            die("source " + text(a) + " is not a documentation address of --dst's family");
    if (!documentation(dst)) die("destination " + dst_text + " is not a documentation address");

    int ifindex = static_cast<int>(if_nametoindex(iface.c_str()));
    if (!ifindex) die("no interface " + iface);
    // Protocol 0: this socket only sends, so it never copies received frames.
    int fd = socket(AF_PACKET, SOCK_RAW, 0);
    if (fd < 0) die(std::string("AF_PACKET socket: ") + std::strerror(errno));
    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = ifindex;
    sll.sll_protocol = htons(dst.v6 ? ETH_P_IPV6 : ETH_P_IP);
    sll.sll_halen = 6;
    std::memcpy(sll.sll_addr, dst_mac.data(), 6);

    std::mt19937_64 rng(seed);
    EthSpec eth{dst_mac, src_mac, {}};
    IcmpSpec icmp;
    icmp.type = static_cast<uint8_t>(type >= 0 ? type : dst.v6 ? 128 : 8);
    icmp.code = static_cast<uint8_t>(code);
    icmp.id = static_cast<uint16_t>(0x4600 | (getpid() & 0xff));
    for (int k = 0; k < size; k++) icmp.payload.push_back(static_cast<uint8_t>(k));

    // Frame i's source: the next listed one, or random host bits after the prefix
    // (IPv6: a random /64 inside the prefix and a random interface ID).
    auto frame = [&](long long i) {
        Addr src = sources[static_cast<size_t>(i % static_cast<long long>(sources.size()))];
        if (random_len >= 0)
            for (int bit = random_len; bit < (src.v6 ? 128 : 32); bit++)
                if (rng() & 1) src.b[bit / 8] ^= static_cast<uint8_t>(0x80 >> (bit % 8));
        icmp.seq = static_cast<uint16_t>(i);
        if (src.v6) return icmp6_frame(eth, Ipv6Spec{.src = text(src), .dst = dst_text}, icmp, 60);
        return icmp4_frame(eth, Ipv4Spec{.src = text(src), .dst = dst_text}, icmp, 60);
    };

    constexpr int kBatch = 64;  // frames per sendmmsg: one syscall amortised over many
    std::vector<Bytes> frames(kBatch);
    std::vector<iovec> iov(kBatch);
    std::vector<mmsghdr> msgs(kBatch);
    long long sent = 0;
    double start = now_s();
    while (sent < count) {
        long long n = std::min<long long>(kBatch, count - sent);
        if (pps > 0) {
            // Pace on the monotonic clock: frame k is due at start + k / pps.
            // Send what is due (several at once if we fell behind), else sleep
            // until the next one is due.
            long long due = static_cast<long long>((now_s() - start) * pps) + 1;
            if (due <= sent) {
                double t = start + static_cast<double>(sent) / pps;
                timespec ts{static_cast<time_t>(t), static_cast<long>((t - static_cast<time_t>(t)) * 1e9)};
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr);
                continue;
            }
            n = std::min(n, due - sent);
        }
        for (int k = 0; k < n; k++) {
            frames[k] = frame(sent + k);
            iov[k] = {frames[k].data(), frames[k].size()};
            msgs[k] = {};
            msgs[k].msg_hdr.msg_name = &sll;
            msgs[k].msg_hdr.msg_namelen = sizeof(sll);
            msgs[k].msg_hdr.msg_iov = &iov[k];
            msgs[k].msg_hdr.msg_iovlen = 1;
        }
        int done = 0;
        while (done < n) {
            int r = sendmmsg(fd, msgs.data() + done, static_cast<unsigned>(n - done), 0);
            if (r < 0 && (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)) {
                usleep(100);  // a full queue: wait for it, a frame counts only once accepted
                continue;
            }
            if (r < 0) die(std::string("sendmmsg: ") + std::strerror(errno));
            done += r;
        }
        sent += n;
    }
    std::printf("sent %lld in %.6f seconds\n", sent, now_s() - start);
    close(fd);
    return 0;
}
