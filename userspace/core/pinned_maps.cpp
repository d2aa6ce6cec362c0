#include "core/pinned_maps.hpp"

#include <algorithm>
#include <cerrno>
#include <filesystem>

extern "C" {
#include <bpf/bpf.h>
}

#include "core/datapath.hpp"

namespace icmpguard {

Expected<std::vector<std::string>> PinnedMaps::list(const std::string& root) {
    std::vector<std::string> out;
    std::string dir = pin_dir_for("", root);
    std::error_code ec;
    if (!std::filesystem::exists(dir, ec)) return out;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
        if (entry.is_directory()) out.push_back(entry.path().filename());
    if (ec) return Error(ec.value(), "listing " + dir + ": " + ec.message());
    std::sort(out.begin(), out.end());
    return out;
}

Expected<PinnedMaps> PinnedMaps::open(const std::string& root, const std::string& interface) {
    PinnedMaps m;
    m.interface = interface;
    std::string dir = pin_dir_for(interface, root);
    auto get = [&](const char* name, UniqueFd& fd, bool optional = false) -> Expected<void> {
        std::string path = dir + "/" + name;
        int f = bpf_obj_get(path.c_str());
        if (f < 0) {
            int err = errno;
            if (optional && err == ENOENT) return Ok{};
            std::string hint = err == EACCES || err == EPERM ? " (reading pins needs CAP_BPF: run as root)" : "";
            return Error::from_errno(err, "opening " + path + hint);
        }
        fd.reset(f);
        return Ok{};
    };
    for (auto [name, fd] : {std::pair{"counters", &m.counters}, {"reasons", &m.reasons},
                            {"policy_state", &m.policy_state}, {"local_addrs", &m.local_addrs}})
        if (auto r = get(name, *fd); !r) return r.error();
    for (auto [name, fd] : {std::pair{"rl_sources", &m.rl_sources}, {"rl_params", &m.rl_params},
                            {"rl_new_sources", &m.rl_new_sources}})
        if (auto r = get(name, *fd, true); !r) return r.error();
    if (!m.rate_limit_pinned()) {  // all or nothing: a partial set is not read
        m.rl_sources.reset();
        m.rl_params.reset();
        m.rl_new_sources.reset();
    }
    return m;
}

std::string PinnedMaps::rate_limit_missing_message() const {
    return "rate limiter state not pinned for " + interface + " (daemon older than this CLI?)";
}

}  // namespace icmpguard
