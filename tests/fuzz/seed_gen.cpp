// icmpguard_fuzz_seed_gen: writes the differential fuzzer's seed corpus.
//
// usage: icmpguard_fuzz_seed_gen OUT_DIR
//
// Files are [profile selector byte][frame] (profiles.hpp), named by what
// they are:
//   fx_<case>          every frame of the bpf-tier fixture table (tests/bpf/cases_*.cpp), lab profile
//   <profile>_<what>   hand-written frames for one profile's settings (tests/common/packet_builder)
//   gen_<n>_<shape>    frames of the structure-aware generator (mutator.cpp), fixed seed,
//                      over the eight limiter-free profiles (their bytes predate profiles 8, 9)
//   <8|9>_<profile>_<a|b>_...  the limiter profiles' ordered sequences (limiter_seeds())
// Regenerating is deterministic; the committed corpus is this program's
// output (plus inputs the fuzzer found, merged with scripts/fuzz --merge).
#include <arpa/inet.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include "common/packet_builder.hpp"
#include "fixture_cases.hpp"
#include "mutator.hpp"
#include "profiles.hpp"

#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace fs = std::filesystem;
using namespace icmpguard;
using namespace icmpguard::test;

namespace {

fs::path out_dir;
size_t written = 0, total_bytes = 0;

void write(const std::string& name, unsigned profile, const Bytes& frame) {
    std::ofstream f(out_dir / name, std::ios::binary);
    f.put(static_cast<char>(profile));
    f.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
    if (!f) throw std::runtime_error("cannot write " + (out_dir / name).string());
    ++written;
    total_bytes += frame.size() + 1;
}

std::string text(const model::LocalAddress& a) {
    char buf[INET6_ADDRSTRLEN];
    inet_ntop(a.family == IG_FAMILY_IPV4 ? AF_INET : AF_INET6, a.addr.data(), buf, sizeof(buf));
    return buf;
}

IcmpSpec ping(uint8_t type, size_t len, uint8_t code = 0) { return IcmpSpec{.type = type, .code = code, .payload = pattern(len)}; }
Bytes echo4(Ipv4Spec ip = {}, EthSpec eth = {}, size_t len = 56, uint8_t code = 0) { return icmp4_frame(eth, ip, ping(8, len, code)); }
Bytes echo6(Ipv6Spec ip = {}, EthSpec eth = {}, size_t len = 56, uint8_t code = 0) { return icmp6_frame(eth, ip, ping(128, len, code)); }

// Frames for the settings each profile adds to the lab.
void profile_seeds() {
    const auto& P = fuzz::profiles();
    using Rest = std::array<uint8_t, 4>;
    for (unsigned p = 0; p < fuzz::kProfileCount; ++p) {
        const std::string n = std::to_string(p) + "_" + P[p].name + "_";
        const model::Settings& s = P[p].settings;
        EthSpec eth{.dst = s.mac};
        write(n + "v4_echo", p, echo4({}, eth));
        write(n + "v6_echo", p, echo6({}, eth));
        write(n + "v4_echo_code_1", p, echo4({}, eth, 56, 1));
        write(n + "v4_echo_bad_csum", p, icmp4_frame(eth, {}, IcmpSpec{.type = 8, .payload = pattern(20), .checksum = 0x1234}));
        write(n + "v4_echo_other_mac", p, echo4({}, {.dst = {0x02, 0, 0, 0, 0, 0x03}}));
        write(n + "v4_echo_from_own_mac", p, echo4({}, {.dst = s.mac, .src = s.mac}));
        write(n + "v4_timestamp", p, icmp4_frame(eth, {}, IcmpSpec{.type = 13, .payload = Bytes(12, 0)}));
        write(n + "v4_redirect", p, icmp4_frame(eth, {}, IcmpSpec{.type = 5, .code = 1, .payload = Bytes(28, 0)}));
        write(n + "v6_ni_query_139", p, icmp6_frame(eth, {}, IcmpSpec{.type = 139, .payload = Bytes(16, 0)}));
        write(n + "v6_ptb_1280", p, icmp6_frame(eth, {}, IcmpSpec{.type = 2, .payload = Bytes(48, 0), .rest = Rest{0, 0, 0x05, 0x00}}));
        write(n + "v6_ns", p, icmp6_frame({.dst = {0x33, 0x33, 0xff, 0, 0, 2}},
                                          {.src = "2001:db8::1", .dst = "ff02::1:ff00:2", .hop_limit = 255},
                                          IcmpSpec{.type = 135, .payload = Bytes(16, 0), .rest = Rest{0, 0, 0, 0}}));
        write(n + "v6_echo_dstopts", p, icmp6_frame(eth, {.ext = {dest_opts()}}, ping(128, 24)));
        write(n + "v6_echo_4_ext", p, icmp6_frame(eth, {.ext = {hop_by_hop(), dest_opts(), routing(), dest_opts()}}, ping(128, 24)));
        write(n + "v6_echo_atomic_frag", p, icmp6_frame(eth, {.ext = {fragment(0, false)}}, ping(128, 24)));
        write(n + "v4_echo_all_zero", p, icmp4_frame(eth, {}, IcmpSpec{.type = 8, .id = 0, .seq = 0, .payload = Bytes(32, 0)}));
    }
    // profile 6: an echo request to each address beyond the lab's (addr_slots collisions and singles)
    for (size_t i = 6; i < P[6].settings.addrs.size(); ++i) {
        const auto& a = P[6].settings.addrs[i];
        std::string name = "6_" + P[6].name + "_echo_to_" + (a.family == IG_FAMILY_IPV4 ? "v4_" : "v6_") +
                           std::to_string(i) + "_kind" + std::to_string(a.kind);
        if (a.family == IG_FAMILY_IPV4) write(name, 6, echo4({.src = "10.9.0.1", .dst = text(a)}));
        else write(name, 6, echo6({.src = "2001:db8:0:9::1", .dst = text(a)}));
    }
    // profile 2: the echo request under every code class of the mixed table
    for (uint8_t code : {0, 1, 2, 3, 4, 5, 7, 9, 200}) {
        write("2_mixed_code_sweep_v4_echo_code_" + std::to_string(code), 2, echo4({}, {}, 24, code));
        write("2_mixed_code_sweep_v6_echo_code_" + std::to_string(code), 2, echo6({}, {}, 24, code));
    }
}

// The limiter profiles: sequences that make every rl reason certain in a
// replay (replay_main.cpp --require-coverage). The replay runs files in name
// order, in one process whose limiter state starts empty, pinned to one CPU;
// these names sort before the profile's other seeds. Every limit involved is
// 1 packet per second, so nothing refills between two seeds unless the
// replay stalls for a second.
//  profile 8 (rl_tight): an echo from a new source is admitted (every bucket
//    is full at the start), the same again is rl_source (a per-source bucket
//    spends exactly one packet: certain); the same source's port unreachable
//    (class other: its own per-source bucket, the source already known) is
//    admitted, again rl_source; then 40 echoes from new sources: this CPU's
//    new-source budget for echoes (1 a second, burst 1) spends a random 0-2
//    credits per source it admits, so once one admitted source spent one or
//    two, the next new source is rl_source_flood. Not refused among the 41
//    new sources only if the first 40 draws are all 0: 3^-40.
//  profile 9 (rl_shared_shadow): 41 port unreachables against the v4 type-3
//    ceiling (1 pps, burst 1; no per-source stage, no total for class
//    other), then 41 echoes against the echo total (1 pps, burst 1). Each
//    admitted packet spends a random 0-2 credits; the first that spends one
//    or two empties the bucket for a second, so the next is refused: rl_type,
//    rl_total. Not refused among 41 only if the first 40 draws are all 0:
//    probability 3^-40 (about 1e-19) each.
//  (Pinned to one CPU, since the new-source budget is per CPU; unpinned, the
//  40 sources would spread over the CPUs' budgets and make it less certain.)
void limiter_seeds() {
    const auto& P = fuzz::profiles();
    auto name = [&](unsigned p, const std::string& what) { return std::to_string(p) + "_" + P[p].name + "_" + what; };
    auto unreach4 = [](EthSpec eth, Ipv4Spec ip) {
        return icmp4_frame(eth, ip, IcmpSpec{.type = 3, .code = 3, .payload = Bytes(28, 0x45)});
    };
    auto two = [](unsigned i) { return std::string(i < 10 ? "0" : "") + std::to_string(i); };

    EthSpec eth8{.dst = P[8].settings.mac};
    write(name(8, "a0_v4_echo_first_admitted"), 8, echo4({}, eth8));
    write(name(8, "a1_v4_echo_again_rl_source"), 8, echo4({}, eth8));
    write(name(8, "a2_v4_port_unreach_first_admitted"), 8, unreach4(eth8, {}));
    write(name(8, "a3_v4_port_unreach_again_rl_source"), 8, unreach4(eth8, {}));
    for (unsigned i = 0; i < 40; ++i)
        write(name(8, "b_v4_echo_new_source_" + two(i) + "_rl_source_flood"), 8,
              echo4({.src = "192.0.2." + std::to_string(10 + i)}, eth8));

    EthSpec eth9{.dst = P[9].settings.mac};
    for (unsigned i = 0; i <= 40; ++i)
        write(name(9, "a_v4_port_unreach_" + two(i) + "_rl_type"), 9, unreach4(eth9, {.src = "192.0.2.1"}));
    for (unsigned i = 0; i <= 40; ++i)
        write(name(9, "b_v4_echo_" + two(i) + "_rl_total"), 9, echo4({.src = "192.0.2." + std::to_string(100 + i)}, eth9));
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::cerr << "usage: " << argv[0] << " OUT_DIR\n";
        return 2;
    }
    out_dir = argv[1];
    fs::create_directories(out_dir);
    try {
        for (const auto& c : all_cases()) write("fx_" + c.name, 0, c.input);
        profile_seeds();
        limiter_seeds();
        // Generated frames: a fixed seed, so the corpus is reproducible.
        fuzz::Rng rng(20240707);
        for (int i = 0; i < 40; ++i) {
            Bytes in = fuzz::random_input(rng, 1600, fuzz::kLimiterFreeProfiles);
            if (in.size() < 15) continue;
            char name[64];
            uint16_t et = static_cast<uint16_t>(in[13] << 8 | in[14]);
            std::snprintf(name, sizeof(name), "gen_%03d_%s", i,
                          et == 0x0800 ? "ipv4" : et == 0x86dd ? "ipv6" : et == 0x8100 || et == 0x88a8 || et == 0x9100 ? "vlan" : "other");
            write(name, fuzz::profile_index(in[0]), Bytes(in.begin() + 1, in.end()));
        }
    } catch (const std::exception& e) {
        std::cerr << "seed_gen: " << e.what() << "\n";
        return 1;
    }
    std::cout << written << " seeds, " << total_bytes << " bytes, in " << out_dir.string() << "\n";
    return 0;
}
