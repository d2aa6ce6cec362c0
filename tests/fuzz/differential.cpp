// Counter checking, and why it is done this way.
//
// The counters are per-CPU arrays: counters has 2*256*8 = 4096 rows,
// reasons 3*64 = 192. Reading all of counters with one batch lookup costs
// about 2.3 ms here (the kernel copies every CPU's value of every row), a
// single-row lookup about 2.4 us, the test run itself about 2.6 us. A full
// diff per input would cap the fuzzer near 400 executions/s, so:
//
//  * The harness keeps, per profile, the counter values the model says the
//    maps must hold (every row, summed over CPUs), advanced by each verdict.
//  * Per input it reads only the rows the model says move (at most one type
//    row and one reason row), summed over CPUs, so no CPU pinning is needed.
//    A program that counts a different row, a different action or reason,
//    or the wrong bytes, fails on that input.
//  * What a per-row read cannot see is an *extra* increment (a second row,
//    or a row when the model expects none). Every kFullCheckEvery inputs of a
//    profile, and at the end, both maps are read in full and compared with
//    the expectation. If they differ, the inputs of that window are run
//    again one by one with a full diff around each (the program is
//    deterministic with the limiter off), and the first one that moves the
//    wrong counters is reported and written out as the failing input.
//
// Amortised: two row lookups (~5 us) plus 2.4 ms / 512 (~5 us) per input.
//
// The rate limiter (profiles with settings.limiter_on). Whether the limiter
// admits a packet depends on time, on every packet before it and on random
// credit, so the model says only whether a packet meets it
// (Verdict::meets_limiter). The comparison is relaxed for exactly those
// packets: the program must either match the model (the limiter admitted
// it), or have refused it: XDP_DROP (XDP_PASS in shadow mode), the input
// unchanged or cut to the IP length (an echo the limiter refused may or may
// not have had its padding cut first: the documents order the limiter before
// the checksum and the trim before the checksum, not the two against each
// other), moving exactly (family, type, rate_limited / would_drop) and one
// (family, rl_source | rl_type | rl_total | rl_source_flood), and none of the
// model's rows. A packet the model says does not meet the limiter must match
// exactly, as without it. Per input: the model's rows are read first; only a
// limiter-eligible input that does not match them reads the refusal's (one
// type row, four reason rows). The periodic full check and its culprit search
// accept either outcome for such an input in the same way.
#include "differential.hpp"

#include <linux/bpf.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

extern "C" {
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
}

#include "core/address_writer.hpp"
#include "core/names.hpp"
#include "core/policy_writer.hpp"
#include "common/test_run.hpp"
#include "invariants.hpp"

namespace icmpguard::fuzz {

struct Differential::Loaded {
    unsigned index = 0;
    const Profile* profile = nullptr;
    std::unique_ptr<Datapath> dp;
    int prog = -1, counters = -1, reasons = -1;
    std::vector<ig_counter> exp_counters, exp_reasons;  // what the maps must hold, summed over CPUs
    std::deque<Bytes> window;                           // frames since the last full check
};

namespace {

const char* xdp_name(uint32_t a) {
    switch (a) {
    case XDP_ABORTED: return "XDP_ABORTED";
    case XDP_DROP: return "XDP_DROP";
    case XDP_PASS: return "XDP_PASS";
    case XDP_TX: return "XDP_TX";
    case XDP_REDIRECT: return "XDP_REDIRECT";
    default: return "XDP_?";
    }
}

std::string type_row_name(uint32_t idx) {
    uint32_t action = idx % IG_ACTION_SLOTS, type = idx / IG_ACTION_SLOTS % IG_ICMP_TYPES,
             family = idx / IG_ACTION_SLOTS / IG_ICMP_TYPES;
    return std::string(family_label(family)) + "/" + icmp_type_label(family, type) + "/" +
           std::string(action_label(action));
}

std::string reason_row_name(uint32_t idx) {
    return std::string(family_label(idx / IG_REASON_SLOTS)) + "/reason:" +
           std::string(reason_label(idx % IG_REASON_SLOTS));
}

// One row of a per-CPU counter map, summed over CPUs.
ig_counter read_row(int fd, uint32_t idx, int ncpu) {
    std::vector<ig_counter> v(static_cast<size_t>(ncpu));
    ig_counter sum{};
    if (bpf_map_lookup_elem(fd, &idx, v.data())) return sum;
    for (const auto& c : v) sum.packets += c.packets, sum.bytes += c.bytes;
    return sum;
}

// Every row of a per-CPU counter map, summed over CPUs (batch lookups).
std::vector<ig_counter> read_all(int fd, uint32_t entries, int ncpu) {
    std::vector<ig_counter> sum(entries);
    std::vector<uint32_t> keys(entries);
    std::vector<ig_counter> vals(static_cast<size_t>(entries) * static_cast<size_t>(ncpu));
    uint32_t done = 0, out_batch = 0;
    bool first = true;
    while (done < entries) {
        uint32_t count = entries - done;
        int e = bpf_map_lookup_batch(fd, first ? nullptr : &out_batch, &out_batch, keys.data(), vals.data(),
                                     &count, nullptr);
        if (e && errno != ENOENT) throw std::runtime_error(std::string("counter batch lookup: ") + strerror(errno));
        for (uint32_t i = 0; i < count; ++i)
            for (int c = 0; c < ncpu; ++c) {
                const ig_counter& v = vals[static_cast<size_t>(i) * static_cast<size_t>(ncpu) + static_cast<size_t>(c)];
                sum[keys[i]].packets += v.packets;
                sum[keys[i]].bytes += v.bytes;
            }
        done += count;
        first = false;
        if (e) break;  // ENOENT: the last batch
    }
    return sum;
}

bool same(const std::vector<ig_counter>& a, const std::vector<ig_counter>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (a[i].packets != b[i].packets || a[i].bytes != b[i].bytes) return false;
    return true;
}

constexpr uint32_t kRlReasons[] = {IG_REASON_RL_SOURCE, IG_REASON_RL_TYPE, IG_REASON_RL_TOTAL,
                                   IG_REASON_RL_SOURCE_FLOOD};

// The verdict of a limiter refusal of a packet the model says meets it, with
// reason `rl_reason`, leaving `out` behind.
model::Verdict refusal(const model::Verdict& v, bool shadow, uint32_t rl_reason, Bytes out) {
    model::Verdict r;
    r.xdp_action = shadow ? XDP_PASS : XDP_DROP;
    r.out = std::move(out);
    r.has_type = true;
    r.type = {v.type.family, v.type.type, shadow ? uint32_t{IG_ACTION_WOULD_DROP} : uint32_t{IG_ACTION_RATE_LIMITED}};
    r.has_reason = true;
    r.reason = {v.type.family, rl_reason};
    r.meets_limiter = true;
    r.limiter_class = v.limiter_class;
    return r;
}

// The frame a refusal may leave behind besides the input itself: the input
// cut to the length of the model's output (for an echo XDP would answer, the
// IP length; for anything else the model's output is the input).
Bytes cut_frame(const Bytes& frame, const model::Verdict& v) {
    return Bytes(frame.begin(), frame.begin() + static_cast<long>(std::min(v.out.size(), frame.size())));
}

// Rows a verdict moves, as (is_type_row, index).
std::vector<std::pair<bool, uint32_t>> moved_rows(const model::Verdict& v) {
    std::vector<std::pair<bool, uint32_t>> rows;
    if (v.has_type) rows.push_back({true, ig_counter_index(v.type.family, v.type.type, v.type.action)});
    if (v.has_reason) rows.push_back({false, ig_reason_index(v.reason.family, v.reason.reason)});
    return rows;
}

// Rows where `actual` differs from `expected`, described against what the
// model said this input moves (`delta_of`).
std::string counter_report(const std::vector<ig_counter>& exp_c, const std::vector<ig_counter>& act_c,
                           const std::vector<ig_counter>& exp_r, const std::vector<ig_counter>& act_r,
                           const model::Verdict* v, size_t frame_len) {
    std::ostringstream o;
    const auto moved = v ? moved_rows(*v) : std::vector<std::pair<bool, uint32_t>>{};
    auto model_delta = [&](bool type_row, uint32_t idx) -> ig_counter {
        for (auto [t, i] : moved)
            if (t == type_row && i == idx) return {1, frame_len};
        return {};
    };
    auto rows = [&](bool type_row, const std::vector<ig_counter>& e, const std::vector<ig_counter>& a) {
        for (uint32_t i = 0; i < e.size(); ++i) {
            ig_counter m = model_delta(type_row, i);
            if (e[i].packets == a[i].packets && e[i].bytes == a[i].bytes && !m.packets) continue;
            int64_t dp = static_cast<int64_t>(a[i].packets - e[i].packets) + static_cast<int64_t>(m.packets);
            int64_t db = static_cast<int64_t>(a[i].bytes - e[i].bytes) + static_cast<int64_t>(m.bytes);
            o << "    " << (type_row ? type_row_name(i) : reason_row_name(i)) << ": model +" << m.packets << "p/"
              << m.bytes << "B, program " << (dp >= 0 ? "+" : "") << dp << "p/" << (db >= 0 ? "+" : "") << db
              << "B" << (dp == static_cast<int64_t>(m.packets) && db == static_cast<int64_t>(m.bytes) ? "" : "  <--")
              << "\n";
        }
    };
    rows(true, exp_c, act_c);
    rows(false, exp_r, act_r);
    return o.str();
}

// Names of the rows the program moved for this input (when the rows before
// it matched `exp_*` minus the model's delta for it).
std::string program_rows(const std::vector<ig_counter>& exp_c, const std::vector<ig_counter>& act_c,
                         const std::vector<ig_counter>& exp_r, const std::vector<ig_counter>& act_r,
                         const model::Verdict& v) {
    std::string out;
    const auto moved = moved_rows(v);
    auto scan = [&](bool type_row, const std::vector<ig_counter>& e, const std::vector<ig_counter>& a) {
        for (uint32_t i = 0; i < e.size(); ++i) {
            int64_t d = static_cast<int64_t>(a[i].packets - e[i].packets);
            for (auto [t, idx] : moved)
                if (t == type_row && idx == i) d += 1;
            if (d) out += std::string(out.empty() ? "" : " ") + (type_row ? type_row_name(i) : reason_row_name(i));
        }
    };
    scan(true, exp_c, act_c);
    scan(false, exp_r, act_r);
    return out;
}

std::string model_rows(const model::Verdict& v) {
    std::string out;
    for (auto [t, idx] : moved_rows(v))
        out += std::string(out.empty() ? "" : " ") + (t ? type_row_name(idx) : reason_row_name(idx));
    return out;
}

void advance(std::vector<ig_counter>& exp_c, std::vector<ig_counter>& exp_r,
             const model::Verdict& v, size_t len) {
    for (auto [type_row, idx] : moved_rows(v)) {
        auto& c = type_row ? exp_c[idx] : exp_r[idx];
        c.packets += 1;
        c.bytes += len;
    }
}

// Did the counters move from (c0, r0) to (c1, r1) as `v` says, or, for a
// packet that meets the limiter, as a refusal of it? Returns the verdict they
// moved by (null: neither).
std::optional<model::Verdict> moved_as(const std::vector<ig_counter>& c0, const std::vector<ig_counter>& r0,
                                       const std::vector<ig_counter>& c1, const std::vector<ig_counter>& r1,
                                       const model::Verdict& v, const Bytes& frame, bool shadow) {
    auto c = c0, r = r0;
    advance(c, r, v, frame.size());
    if (same(c, c1) && same(r, r1)) return v;
    if (!v.meets_limiter || !v.has_type) return std::nullopt;
    for (uint32_t rl : kRlReasons) {
        model::Verdict x = refusal(v, shadow, rl, frame);
        c = c0, r = r0;
        advance(c, r, x, frame.size());
        if (same(c, c1) && same(r, r1)) return x;
    }
    return std::nullopt;
}

std::string input_block(unsigned profile, const Bytes& frame) {
    std::ostringstream o;
    const Profile& p = profiles()[profile];
    o << "profile " << profile << " (" << p.name << "), frame of " << frame.size() << " bytes:\n" << hexdump(frame);
    o << "  as one line (selector byte + frame): " << std::hex;
    char b[4];
    std::snprintf(b, sizeof(b), "%02x", profile);
    o << b;
    for (uint8_t x : frame) std::snprintf(b, sizeof(b), "%02x", x), o << b;
    o << std::dec << "\n";
    return o.str();
}

// Write [selector][frame] where libFuzzer-independent tools can find it.
std::string save_input(unsigned profile, const Bytes& frame, const char* what) {
    uint64_t h = 1469598103934665603ull;
    for (uint8_t x : frame) h = (h ^ x) * 1099511628211ull;
    const char* dir = std::getenv("ICMPGUARD_FUZZ_ARTIFACTS");
    char name[96];
    std::snprintf(name, sizeof(name), "%s-%016llx", what, static_cast<unsigned long long>(h));
    std::string path = std::string(dir && *dir ? dir : ".") + "/" + name;
    std::ofstream f(path, std::ios::binary);
    f.put(static_cast<char>(profile));
    f.write(reinterpret_cast<const char*>(frame.data()), static_cast<std::streamsize>(frame.size()));
    return f ? path : std::string("(could not write ") + path + ")";
}

}  // namespace

std::string hexdump(const Bytes& b) {
    std::string s;
    char buf[32];
    for (size_t i = 0; i < b.size(); ++i) {
        if (i % 16 == 0) std::snprintf(buf, sizeof(buf), "  %04zx ", i), s += buf;
        std::snprintf(buf, sizeof(buf), " %02x", b[i]);
        s += buf;
        if (i % 16 == 15 || i + 1 == b.size()) s += '\n';
    }
    return s;
}

std::string describe(const model::Verdict& v) {
    std::ostringstream o;
    o << xdp_name(v.xdp_action) << ", " << v.out.size() << "-byte output";
    if (v.has_type)
        o << ", counts " << type_row_name(ig_counter_index(v.type.family, v.type.type, v.type.action));
    if (v.has_reason) o << ", counts " << reason_row_name(ig_reason_index(v.reason.family, v.reason.reason));
    return o.str();
}

Differential::~Differential() = default;

std::unique_ptr<Differential> Differential::create(std::string* why) {
    std::unique_ptr<Differential> d(new Differential());
    d->ncpu_ = libbpf_num_possible_cpus();
    if (d->ncpu_ < 1) {
        *why = "cannot count possible CPUs";
        return nullptr;
    }
    for (unsigned i = 0; i < kProfileCount; ++i) {
        auto l = std::make_unique<Loaded>();
        l->index = i;
        l->profile = &profiles()[i];
        const model::Settings& s = l->profile->settings;
        LoadOptions o;
        o.reply_enabled = s.reply_enabled;
        o.reply_ttl = s.reply_ttl;
        o.max_ext_hdrs = s.max_ext_hdrs;
        // Without limits the LRU is never used: keep those programs' maps small.
        o.rl_sources = s.limiter_on ? l->profile->limits.sources : 64;
        auto dp = Datapath::open(o);
        if (!dp) {
            *why = dp.error().message();
            return nullptr;
        }
        if (auto r = (*dp)->load(); !r) {
            *why = r.error().message() + " (needs CAP_BPF and CAP_NET_ADMIN)";
            return nullptr;
        }
        l->dp = std::move(dp.value());
        MapFds m = l->dp->maps();
        l->prog = l->dp->prog_fd();
        l->counters = m.counters;
        l->reasons = m.reasons;

        // The same Settings the model sees, written into this program's maps.
        AddressWriter aw(m.local_addrs, m.iface, m.addr_slots);
        for (const auto& a : s.addrs) {
            IpAddress ip{a.family, a.addr};
            if (auto r = aw.add(ip, a.kind); !r) {
                *why = "profile " + l->profile->name + ": " + r.error().message();
                return nullptr;
            }
        }
        if (s.mac_known)
            if (auto r = aw.set_mac(s.mac); !r) {
                *why = r.error().message();
                return nullptr;
            }
        PolicyTable t;
        for (uint32_t f = 0; f < IG_ICMP_FAMILIES; ++f)
            for (unsigned type = 0; type < 256; ++type)
                for (unsigned code = 0; code < 256; ++code)
                    t.set_code(f, static_cast<uint8_t>(type), static_cast<uint8_t>(code),
                               s.rule(f, static_cast<uint8_t>(type), static_cast<uint8_t>(code)));
        // Without limiter_on no RateLimits: rl_params stays zero, the limiter
        // is off. With it, the profile's limits flip in with the policy.
        PolicyWriter pw(PolicyMapFds{m.policy, m.policy_state, m.rl_params, m.rl_type_rates});
        if (auto r = pw.apply(t, s.shadow ? IG_POLICY_F_SHADOW : 0, s.limiter_on ? &l->profile->limits : nullptr); !r) {
            *why = r.error().message();
            return nullptr;
        }
        d->loaded_.push_back(std::move(l));
    }

    // The largest frame the program sees whole. Larger test-run data is
    // accepted but split into fragments, and a program without frags support
    // sees only the first page (never on a real interface: the kernel will
    // not attach it where frames need fragments). Binary search on profile 0
    // with a non-IP frame, whole when l2_not_ip counts all its bytes (the
    // baseline below absorbs these counts).
    const Loaded& p0 = *d->loaded_[0];
    const uint32_t row = ig_reason_index(IG_FAMILY_L2, IG_REASON_L2_NOT_IP);
    size_t lo = 14, hi = 65536;
    while (lo + 1 < hi) {
        size_t mid = (lo + hi) / 2;
        ig_counter before = read_row(p0.reasons, row, d->ncpu_);
        test::RunResult r = test::test_run_once(p0.prog, Bytes(mid, 0));
        ig_counter after = read_row(p0.reasons, row, d->ncpu_);
        bool whole = !r.err && after.bytes - before.bytes == mid;
        (whole ? lo : hi) = mid;
    }
    d->max_frame_ = lo;

    for (auto& l : d->loaded_) {
        l->exp_counters = read_all(l->counters, IG_COUNTER_ENTRIES, d->ncpu_);
        l->exp_reasons = read_all(l->reasons, IG_REASON_ENTRIES, d->ncpu_);
    }
    return d;
}

Outcome Differential::run(const uint8_t* data, size_t size) {
    Outcome o;
    if (size < 1 + 14 || size - 1 > max_frame_) {
        o.skipped = true;
        return o;
    }
    o.profile = profile_index(data[0]);
    Loaded& l = *loaded_[o.profile];
    const model::Settings& s = l.profile->settings;
    Bytes frame(data + 1, data + size);

    o.verdict = model::decide(frame, s);
    const model::Verdict& v = o.verdict;
    test::RunResult r = test::test_run_once(l.prog, frame);

    std::ostringstream f;
    if (r.err) {
        f << "  BPF_PROG_TEST_RUN failed: " << strerror(r.err) << "\n";
        o.signature = std::string("test run failed: ") + strerror(r.err);
    } else {
        // Counters: the rows the model says move, read now; extras are
        // caught by the periodic full check (comment at the top). Each row
        // is read once, and only when a hypothesis needs it.
        std::map<std::pair<bool, uint32_t>, ig_counter> got;
        auto moves_as = [&](const std::vector<std::pair<bool, uint32_t>>& rows, const model::Verdict& x) {
            const auto moved = moved_rows(x);
            for (const auto& row : rows) {
                auto it = got.find(row);
                if (it == got.end())
                    it = got.emplace(row, read_row(row.first ? l.counters : l.reasons, row.second, ncpu_)).first;
                const ig_counter& base = row.first ? l.exp_counters[row.second] : l.exp_reasons[row.second];
                const uint64_t n = static_cast<uint64_t>(std::count(moved.begin(), moved.end(), row));
                if (it->second.packets != base.packets + n || it->second.bytes != base.bytes + n * frame.size())
                    return false;
            }
            return true;
        };
        const bool rows_ok = moves_as(moved_rows(v), v);
        const bool exact = rows_ok && r.action == v.xdp_action && r.out == v.out;
        // A packet that meets the limiter and does not match the model: was
        // it refused (comment at the top)? The rows either outcome could
        // move must move as the refusal says (the model's rows and the
        // refusal's may share the type row: a would_drop in shadow mode).
        std::optional<model::Verdict> refused;
        if (!exact && v.meets_limiter && v.has_type && r.action == (s.shadow ? XDP_PASS : XDP_DROP) &&
            (r.out == frame || r.out == cut_frame(frame, v))) {
            auto rows = moved_rows(v);
            rows.push_back({true, ig_counter_index(v.type.family, v.type.type,
                                                   s.shadow ? IG_ACTION_WOULD_DROP : IG_ACTION_RATE_LIMITED)});
            for (uint32_t rl : kRlReasons) rows.push_back({false, ig_reason_index(v.type.family, rl)});
            for (uint32_t rl : kRlReasons) {
                model::Verdict x = refusal(v, s.shadow, rl, r.out);
                if (moves_as(rows, x)) {
                    refused = std::move(x);
                    break;
                }
            }
        }
        if (refused) {
            advance(l.exp_counters, l.exp_reasons, *refused, frame.size());
            o.verdict = *refused;
            o.limited = true;
        } else {
            if (r.action != v.xdp_action)
                f << "  verdict: model " << xdp_name(v.xdp_action) << ", program " << xdp_name(r.action) << "\n";
            if (r.out != v.out) {
                size_t i = 0;
                while (i < r.out.size() && i < v.out.size() && r.out[i] == v.out[i]) ++i;
                f << "  output: model " << v.out.size() << " bytes, program " << r.out.size() << " bytes; first difference at offset " << i;
                if (i < r.out.size() && i < v.out.size()) {
                    char b[48];
                    std::snprintf(b, sizeof(b), " (model 0x%02x, program 0x%02x)", v.out[i], r.out[i]);
                    f << b;
                }
                f << (r.action == XDP_DROP && v.xdp_action == XDP_DROP ? " [dropped frame: not on the wire]" : "")
                  << "\n  model output:\n" << hexdump(v.out) << "  program output:\n" << hexdump(r.out);
            }
            advance(l.exp_counters, l.exp_reasons, v, frame.size());
        }
        std::string prog_rows = model_rows(o.verdict);
        if (!refused && !rows_ok) {
            auto act_c = read_all(l.counters, IG_COUNTER_ENTRIES, ncpu_);
            auto act_r = read_all(l.reasons, IG_REASON_ENTRIES, ncpu_);
            f << "  counters (each must move by 1 packet and " << frame.size() << " bytes):\n"
              << counter_report(l.exp_counters, act_c, l.exp_reasons, act_r, &v, frame.size());
            prog_rows = program_rows(l.exp_counters, act_c, l.exp_reasons, act_r, v);
            l.exp_counters = std::move(act_c);  // resynchronise, so later inputs are judged alone
            l.exp_reasons = std::move(act_r);
        }
        if (!f.str().empty() && v.meets_limiter)
            f << "  the model says it meets the rate limiter (class "
              << (v.limiter_class == IG_RL_ECHO ? "echo" : "other")
              << "), but the program did not refuse it either: a refusal is "
              << (s.shadow ? "XDP_PASS" : "XDP_DROP")
              << ", the input unchanged or cut to the IP length, the type counter's "
              << (s.shadow ? "would_drop" : "rate_limited") << " and one rl_* reason, nothing else\n";
        std::string inv = check_invariants(frame, r.action, r.out, s);
        if (!inv.empty()) f << "  invariants violated by the program:\n    " << inv;
        std::string minv = check_invariants(frame, v.xdp_action, v.out, s);
        if (!minv.empty() && minv != inv) f << "  invariants violated by the model's verdict:\n    " << minv;
        if (!f.str().empty()) {
            o.signature = "model " + std::string(xdp_name(v.xdp_action)) + " " + model_rows(v) +
                          (v.meets_limiter ? " (meets limiter)" : "") + " | program " + xdp_name(r.action) + " " +
                          prog_rows;
            if (r.out != v.out) o.signature += " | output differs";
            if (!inv.empty()) o.signature += " | program breaks an invariant: " + inv.substr(0, inv.find('\n'));
            if (!minv.empty()) o.signature += " | model breaks an invariant: " + minv.substr(0, minv.find('\n'));
        }
    }

    if (!f.str().empty()) {
        std::ostringstream rep;
        rep << "==== icmpguard differential: DISAGREEMENT ====\n"
            << input_block(o.profile, frame) << "  model:   " << describe(v) << "\n"
            << "  program: " << (r.err ? "test run failed" : xdp_name(r.action)) << ", " << r.out.size()
            << "-byte output\n"
            << f.str();
        o.failure = rep.str();
        return o;
    }

    l.window.push_back(std::move(frame));
    if (l.window.size() >= kFullCheckEvery) {
        o.failure = full_check(l);
        o.signature = last_signature_;
    }
    return o;
}

std::string Differential::full_check(Loaded& l) {
    auto act_c = read_all(l.counters, IG_COUNTER_ENTRIES, ncpu_);
    auto act_r = read_all(l.reasons, IG_REASON_ENTRIES, ncpu_);
    if (same(act_c, l.exp_counters) && same(act_r, l.exp_reasons)) {
        l.window.clear();
        return {};
    }
    std::string drift = counter_report(l.exp_counters, act_c, l.exp_reasons, act_r, nullptr, 0);
    const size_t window = l.window.size();
    l.exp_counters = std::move(act_c);
    l.exp_reasons = std::move(act_r);
    std::string culprit = find_culprit(l);
    l.window.clear();
    if (!culprit.empty()) return culprit;
    last_signature_ = "counter drift (periodic check)";
    return "==== icmpguard differential: COUNTER DRIFT ====\n  profile " + l.profile->name +
           ": counters differ from the model's after the last " + std::to_string(window) +
           " inputs, but no single input reproduces it when run again:\n" + drift;
}

std::string Differential::find_culprit(Loaded& l) {
    for (const Bytes& frame : l.window) {
        auto c0 = read_all(l.counters, IG_COUNTER_ENTRIES, ncpu_);
        auto r0 = read_all(l.reasons, IG_REASON_ENTRIES, ncpu_);
        model::Verdict v = model::decide(frame, l.profile->settings);
        test::test_run_once(l.prog, frame);
        auto c1 = read_all(l.counters, IG_COUNTER_ENTRIES, ncpu_);
        auto r1 = read_all(l.reasons, IG_REASON_ENTRIES, ncpu_);
        l.exp_counters = c1;
        l.exp_reasons = r1;
        // As the model says, or (meets the limiter) as a refusal: run again,
        // the limiter's state has moved on, so either may happen now.
        if (moved_as(c0, r0, c1, r1, v, frame, l.profile->settings.shadow)) continue;
        advance(c0, r0, v, frame.size());
        std::string path = save_input(l.index, frame, "counter-disagreement");
        last_signature_ = "model " + model_rows(v) + " | program " + program_rows(c0, c1, r0, r1, v) +
                          " (periodic check)";
        return "==== icmpguard differential: DISAGREEMENT (counters; found by the periodic full check) ====\n" +
               input_block(l.index, frame) + "  model:   " + describe(v) + "\n" +
               "  counters (each must move by 1 packet and " + std::to_string(frame.size()) + " bytes):\n" +
               counter_report(c0, c1, r0, r1, &v, frame.size()) + "  this input was saved as " + path +
               " (the fuzzer's own crash file holds the input that triggered the check, not this one)\n";
    }
    return {};
}

std::string Differential::check_all_counters() {
    std::string all;
    for (auto& l : loaded_) all += full_check(*l);
    return all;
}

}  // namespace icmpguard::fuzz
