#include "core/metrics_exporter.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <map>
#include <thread>
#include <utility>

#include <CivetServer.h>
#include <civetweb.h>
#include <prometheus/collectable.h>
#include <prometheus/exposer.h>
#include <prometheus/metric_family.h>
#include <prometheus/text_serializer.h>

extern "C" {
#include <bpf/bpf.h>

#include "icmpguard/abi.h"
}

#include "core/logging.hpp"
#include "core/names.hpp"
#include "core/xdp_attach.hpp"

namespace icmpguard {

// ---- MetricsSource ---------------------------------------------------------

namespace {

Expected<UniqueFd> dup_fd(int fd, const char* what) {
    int d = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (d < 0) return Error::from_errno(errno, std::string("duplicating the ") + what + " map fd");
    return UniqueFd(d);
}

}  // namespace

Expected<void> MetricsSource::add_interface(const std::string& name, const AttachInfo& info, const MapFds& maps) {
    auto iface = std::make_shared<Interface>();
    iface->name = name;
    iface->ifindex = info.ifindex;
    iface->info = info;
    for (auto [fd, out, what] : {std::tuple{maps.counters, &iface->counters, "counters"},
                                 {maps.reasons, &iface->reasons, "reasons"},
                                 {maps.policy_state, &iface->policy_state, "policy_state"}}) {
        auto d = dup_fd(fd, what);
        if (!d) return d.error().wrap("metrics for " + name);
        *out = std::move(d.value());
    }
    if (maps.rl_sources >= 0 && maps.rl_params >= 0 && maps.rl_new_sources >= 0)
        for (auto [fd, out, what] : {std::tuple{maps.rl_sources, &iface->rl_sources, "rl_sources"},
                                     {maps.rl_params, &iface->rl_params, "rl_params"},
                                     {maps.rl_new_sources, &iface->rl_new_sources, "rl_new_sources"}}) {
            auto d = dup_fd(fd, what);
            if (!d) return d.error().wrap("metrics for " + name);
            *out = std::move(d.value());
        }
    std::lock_guard lock(mutex_);
    std::erase_if(interfaces_, [&](const auto& i) { return i->name == name; });
    interfaces_.push_back(std::move(iface));
    std::sort(interfaces_.begin(), interfaces_.end(),
              [](const auto& a, const auto& b) { return a->name < b->name; });
    return Ok{};
}

void MetricsSource::remove_interface(const std::string& name) {
    std::lock_guard lock(mutex_);
    std::erase_if(interfaces_, [&](const auto& i) { return i->name == name; });
}

void MetricsSource::set_reloads(uint64_t ok, uint64_t failed) {
    std::lock_guard lock(mutex_);
    reloads_ok_ = ok;
    reloads_failed_ = failed;
}

MetricsSource::View MetricsSource::view() const {
    std::lock_guard lock(mutex_);
    return View{interfaces_, reloads_ok_, reloads_failed_};
}

// ---- reading and building --------------------------------------------------

ScrapeSample read_sample(const MetricsSource::View& view, const std::string& version) {
    ScrapeSample sample;
    sample.reloads_ok = view.reloads_ok;
    sample.reloads_failed = view.reloads_failed;
    sample.version = version;
    for (const auto& iface : view.interfaces) {
        InterfaceSample s;
        s.interface = iface->name;
        s.mode = iface->info.mode;
        auto stats = StatsReader(iface->counters.get(), iface->reasons.get()).snapshot();
        if (stats) s.stats = std::move(stats.value());
        else
            log_debug("metrics: reading counters failed",
                      {{"interface", iface->name}, {"err", stats.error().message()}});
        uint32_t zero = 0;
        ig_policy_state st{};
        if (bpf_map_lookup_elem(iface->policy_state.get(), &zero, &st) == 0) s.policy_generation = st.generation;
        // counts only: walks rl_sources (one batch syscall per 8,192 entries) but builds no strings
        if (iface->rl_sources.valid()) {
            auto rl = RateLimitReader(iface->rl_sources.get(), iface->rl_params.get(), iface->policy_state.get(),
                                      iface->rl_new_sources.get())
                          .snapshot(RateLimitReader::Detail::Counts);
            if (rl) s.rate_limit = std::move(rl.value());
            else
                log_debug("metrics: reading the rate limiter failed",
                          {{"interface", iface->name}, {"err", rl.error().message()}});
        }
        // Asked at scrape time, so a program removed behind our back (ip link
        // set dev X xdp off) shows as 0 instead of the daemon's belief.
        auto q = XdpAttachment::query(iface->ifindex, kProgramName);
        if (q) {
            s.attached = q->has_value();
            if (*q) s.mode = (*q)->mode;
        } else {
            log_debug("metrics: XDP query failed", {{"interface", iface->name}, {"err", q.error().message()}});
        }
        sample.interfaces.push_back(std::move(s));
    }
    return sample;
}

SeriesMemory::View SeriesMemory::update(const ScrapeSample& sample) {
    std::unique_lock lock(mutex_);
    for (const auto& i : sample.interfaces) {
        if (!i.stats) continue;
        for (const auto& r : i.stats->counters)
            if (r.packets || r.bytes) counters_.emplace(i.interface, r.family, r.type, r.action);
        for (const auto& r : i.stats->reasons)
            if (r.packets || r.bytes) reasons_.emplace(i.interface, r.family, r.reason);
    }
    return View{std::move(lock), counters_, reasons_};
}

namespace {

using prometheus::ClientMetric;
using prometheus::MetricFamily;
using prometheus::MetricType;

MetricFamily family(const char* name, const char* help, MetricType type) {
    MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = type;
    return f;
}

void add(MetricFamily& f, std::vector<ClientMetric::Label> labels, double value) {
    ClientMetric m;
    m.label = std::move(labels);
    if (f.type == MetricType::Counter) m.counter.value = value;
    else m.gauge.value = value;
    f.metric.push_back(std::move(m));
}

// The one builder of every family: the live endpoint and the golden tests
// both come through here.
std::vector<MetricFamily> build_families(const ScrapeSample& sample, SeriesMemory& memory) {
    auto remembered = memory.update(sample);
    const auto& counter_keys = remembered.counters;
    const auto& reason_keys = remembered.reasons;

    // (interface -> its sample), only interfaces whose counters were read
    std::map<std::string, const StatsSnapshot*> stats;
    for (const auto& i : sample.interfaces)
        if (i.stats) stats[i.interface] = &*i.stats;

    auto packets = family("icmpguard_packets_total",
                          "ICMP packets by interface, family, ICMP type and the action icmpguard took.",
                          MetricType::Counter);
    auto bytes = family("icmpguard_bytes_total",
                        "Bytes (whole frames, as received) of the ICMP packets in icmpguard_packets_total.",
                        MetricType::Counter);
    std::string last_iface;
    std::map<std::tuple<uint32_t, uint32_t, uint32_t>, const CounterRow*> rows;
    for (const auto& [iface, fam, type, action] : counter_keys) {
        auto it = stats.find(iface);
        if (it == stats.end()) continue;
        if (iface != last_iface) {
            rows.clear();
            for (const auto& r : it->second->counters) rows[{r.family, r.type, r.action}] = &r;
            last_iface = iface;
        }
        auto row = rows.find({fam, type, action});
        uint64_t p = row == rows.end() ? 0 : row->second->packets;
        uint64_t b = row == rows.end() ? 0 : row->second->bytes;
        std::vector<ClientMetric::Label> labels{{"interface", iface},
                                                {"family", std::string(family_label(fam))},
                                                {"icmp_type", icmp_type_label(fam, type)},
                                                {"action", std::string(action_label(action))}};
        add(packets, labels, static_cast<double>(p));
        add(bytes, std::move(labels), static_cast<double>(b));
    }

    auto invalid = family("icmpguard_invalid_packets_total",
                          "Frames icmpguard passed or dropped, by the reason that decided them and the "
                          "verdict the reason implies (includes policy_pass/policy_drop and not_icmp: "
                          "see docs/metrics.md).",
                          MetricType::Counter);
    last_iface.clear();
    std::map<std::pair<uint32_t, uint32_t>, uint64_t> reason_rows;
    for (const auto& [iface, fam, reason] : reason_keys) {
        auto it = stats.find(iface);
        if (it == stats.end()) continue;
        if (iface != last_iface) {
            reason_rows.clear();
            for (const auto& r : it->second->reasons) reason_rows[{r.family, r.reason}] = r.packets;
            last_iface = iface;
        }
        auto row = reason_rows.find({fam, reason});
        add(invalid,
            {{"interface", iface},
             {"family", std::string(family_label(fam))},
             {"reason", std::string(reason_label(reason))},
             {"action", std::string(action_label(reason_action(reason)))}},
            static_cast<double>(row == reason_rows.end() ? 0 : row->second));
    }

    auto reloads = family("icmpguard_reloads_total",
                          "Configuration reloads (SIGHUP) since the daemon started, by result.",
                          MetricType::Counter);
    add(reloads, {{"result", "success"}}, static_cast<double>(sample.reloads_ok));
    add(reloads, {{"result", "failure"}}, static_cast<double>(sample.reloads_failed));

    auto attached = family("icmpguard_attached",
                           "1 if icmpguard's XDP program is attached to the interface (asked of the kernel at "
                           "scrape time), 0 if the daemon manages the interface but the program is gone.",
                           MetricType::Gauge);
    auto generation = family("icmpguard_policy_generation",
                             "Generation of the live policy table: bumped by every policy flip (start, reload).",
                             MetricType::Gauge);
    for (const auto& i : sample.interfaces) {
        if (i.attached)
            add(attached, {{"interface", i.interface}, {"mode", to_string(i.mode)}}, *i.attached ? 1 : 0);
        if (i.policy_generation)
            add(generation, {{"interface", i.interface}}, static_cast<double>(*i.policy_generation));
    }

    auto rl_sources = family("icmpguard_ratelimit_sources",
                             "Source prefixes the per-source rate limiter is tracking (entries in rl_sources).",
                             MetricType::Gauge);
    auto rl_capacity = family("icmpguard_ratelimit_sources_capacity",
                              "Source prefixes the rate limiter can track (rl_sources capacity); beyond it the "
                              "least recently seen are evicted.",
                              MetricType::Gauge);
    auto rl_new = family("icmpguard_ratelimit_new_sources_total",
                         "Sources the rate limiter started tracking (inserted), and new sources it refused "
                         "because the new-source budget was spent (refused, reason rl_source_flood).",
                         MetricType::Counter);
    for (const auto& i : sample.interfaces) {
        if (!i.rate_limit) continue;
        add(rl_sources, {{"interface", i.interface}}, static_cast<double>(i.rate_limit->sources));
        add(rl_capacity, {{"interface", i.interface}}, static_cast<double>(i.rate_limit->capacity));
        add(rl_new, {{"interface", i.interface}, {"result", "inserted"}}, static_cast<double>(i.rate_limit->inserted));
        add(rl_new, {{"interface", i.interface}, {"result", "refused"}}, static_cast<double>(i.rate_limit->refused));
    }

    auto build = family("icmpguard_build_info", "icmpguard's version; the value is always 1.", MetricType::Gauge);
    add(build, {{"version", sample.version}}, 1);

    std::vector<MetricFamily> out;
    for (auto* f : {&packets, &bytes, &invalid, &reloads, &attached, &generation, &rl_sources, &rl_capacity, &rl_new,
                    &build})
        if (!f->metric.empty()) out.push_back(std::move(*f));
    return out;
}

}  // namespace

std::string render_exposition(const ScrapeSample& sample, SeriesMemory& memory) {
    return prometheus::TextSerializer().Serialize(build_families(sample, memory));
}

// ---- the HTTP endpoint -----------------------------------------------------

Expected<void> validate_listen(const std::string& s) {
    auto bad = [&](const std::string& why) {
        return Error(EINVAL, "listen address \"" + s + "\": " + why + " (expected host:port or [v6]:port)");
    };
    auto colon = s.rfind(':');
    if (colon == std::string::npos || colon == 0) return bad("no host:port");
    std::string host = s.substr(0, colon), port = s.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
        std::stoi(port) > 65535)
        return bad("port is not a number 0-65535");
    // civetweb reads ',' as a list separator; the rest would be mangled
    if (host.find_first_of(", \t") != std::string::npos) return bad("invalid host");
    if (host.front() == '[') {
        if (host.size() <= 2 || host.back() != ']') return bad("unterminated [IPv6] host");
    } else if (host.find(':') != std::string::npos) {
        return bad("an IPv6 address needs brackets");
    }
    return Ok{};
}

Expected<void> validate_telemetry_path(const std::string& path) {
    bool ok = path.size() > 1 && path.front() == '/';
    for (unsigned char c : path) ok = ok && (std::isalnum(c) || c == '/' || c == '_' || c == '-' || c == '.');
    if (!ok)
        return Error(EINVAL, "telemetry path \"" + path +
                                 "\": must start with / and use only letters, digits, / _ - .");
    return Ok{};
}

namespace {

class ScrapeCollectable : public prometheus::Collectable {
public:
    ScrapeCollectable(std::shared_ptr<const MetricsSource> source, std::string version)
        : source_(std::move(source)), version_(std::move(version)) {}

    // Runs on a civetweb thread. The source's lock is held only to copy the
    // interface list; the maps are read after it is released.
    std::vector<prometheus::MetricFamily> Collect() const override {
        return build_families(read_sample(source_->view(), version_), memory_);
    }

private:
    std::shared_ptr<const MetricsSource> source_;
    std::string version_;
    mutable SeriesMemory memory_;
};

// Every request passes here first (civetweb's begin_request): "/" gets the
// landing page, the telemetry path goes on to prometheus-cpp's handler, and
// anything else is a 404 (civetweb alone would also hand "/metricsx" and
// "/metrics/x" to the handler registered for "/metrics"). The callback
// carries no user pointer (the context's user data is prometheus-cpp's
// CivetServer), so the endpoint is found by the port the request came to.
struct Site {
    std::string path;
    std::string page;
};
std::mutex g_sites_mutex;
std::map<int, Site> g_sites;

int begin_request(mg_connection* conn) {
    const mg_request_info* req = mg_get_request_info(conn);
    if (!req || !req->local_uri) return 0;
    std::string_view uri = req->local_uri;
    std::string page;
    {
        std::lock_guard lock(g_sites_mutex);
        auto it = g_sites.find(req->server_port);
        if (it == g_sites.end() || uri == it->second.path) return 0;
        if (uri != "/") {
            mg_send_http_error(conn, 404, "%s", "Not Found");
            return 404;
        }
        page = it->second.page;
    }
    std::string_view method = req->request_method ? req->request_method : "";
    if (method != "GET" && method != "HEAD") {
        mg_send_http_error(conn, 405, "%s", "Method Not Allowed");
        return 405;
    }
    mg_printf(conn,
              "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: %zu\r\n"
              "Connection: close\r\n\r\n",
              page.size());
    if (method == "GET") mg_write(conn, page.data(), page.size());
    return 200;
}

// Opens and closes a connection to each listening socket: civetweb's accept
// thread polls in 2-second quanta and only then sees that it should stop;
// a connection wakes it at once. Unspecified addresses are reached over
// loopback.
void poke(const std::string& listen, const std::vector<int>& ports) {
    std::string host = listen.substr(0, listen.rfind(':'));
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
    if (host == "0.0.0.0") host = "127.0.0.1";
    if (host == "::") host = "::1";
    for (int port : ports) {
        addrinfo hints{};
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* res = nullptr;
        if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) continue;
        for (addrinfo* a = res; a; a = a->ai_next) {
            UniqueFd fd(socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
            if (fd.valid() && connect(fd.get(), a->ai_addr, a->ai_addrlen) == 0) break;
        }
        freeaddrinfo(res);
    }
}

}  // namespace

struct MetricsExporter::Impl {
    std::shared_ptr<ScrapeCollectable> collectable;  // outlives the exposer's threads
    CivetCallbacks callbacks;
    std::unique_ptr<prometheus::Exposer> exposer;
    std::string listen;
    std::vector<int> ports;

    ~Impl() {
        {
            std::lock_guard lock(g_sites_mutex);
            for (int p : ports) g_sites.erase(p);
        }
        if (!exposer) return;
        // exposer.reset() joins the HTTP threads; a waker (bounded: 2 s, the
        // quantum it shortens) makes the accept thread notice the stop
        std::atomic<bool> stopped{false};
        std::thread waker([&] {
            for (int i = 0; i < 40 && !stopped; ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                if (!stopped) poke(listen, ports);
            }
        });
        exposer.reset();
        stopped = true;
        waker.join();
    }
};


MetricsExporter::MetricsExporter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsExporter::~MetricsExporter() = default;

std::vector<int> MetricsExporter::ports() const { return impl_->ports; }

Expected<std::unique_ptr<MetricsExporter>> MetricsExporter::start(const ExporterOptions& options,
                                                                  std::shared_ptr<const MetricsSource> source) {
    if (auto r = validate_listen(options.listen); !r) return r.error();
    if (auto r = validate_telemetry_path(options.path); !r) return r.error();

    // civetweb binds "[v6]:port" only when built with USE_IPV6 (feature 8);
    // Debian 12's libcivetweb1 is not, and would only say "null context"
    if (options.listen.front() == '[' && !mg_check_feature(8))
        return Error(EAFNOSUPPORT, "serving metrics on " + options.listen +
                                       ": this civetweb has no IPv6 support (Debian 12's libcivetweb1 is built "
                                       "without it): listen on an IPv4 address");

    auto impl = std::make_unique<Impl>();
    impl->collectable = std::make_shared<ScrapeCollectable>(std::move(source), options.version);
    impl->callbacks.begin_request = begin_request;
    // civetweb serves one connection per worker thread. A client that sends
    // nothing holds its thread for request_timeout_ms at most; the others
    // keep serving scrapes. Requests (headers) above max_request_size are
    // refused with 413. Neither touches the daemon's own thread.
    std::vector<std::string> civet{"listening_ports", options.listen,  //
                                   "num_threads", "4",                 //
                                   "request_timeout_ms", "5000",       //
                                   "max_request_size", "16384",        //
                                   "enable_keep_alive", "no"};
    try {
        impl->exposer = std::make_unique<prometheus::Exposer>(civet, &impl->callbacks);
        impl->exposer->RegisterCollectable(impl->collectable, options.path);
        impl->ports = impl->exposer->GetListeningPorts();
    } catch (const std::exception& e) {
        return Error(EADDRNOTAVAIL, "serving metrics on " + options.listen + ": " + e.what());
    }
    impl->listen = options.listen;
    std::string page = "<!DOCTYPE html>\n<html><head><title>icmpguard</title></head><body>\n"
                       "<h1>icmpguard</h1>\n<p>ICMP filter and echo responder in XDP.</p>\n"
                       "<p><a href=\"" + options.path + "\">Metrics</a></p>\n</body></html>\n";
    {
        std::lock_guard lock(g_sites_mutex);
        for (int p : impl->ports) g_sites[p] = Site{options.path, page};
    }
    return std::unique_ptr<MetricsExporter>(new MetricsExporter(std::move(impl)));
}

}  // namespace icmpguard
