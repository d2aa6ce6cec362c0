// Where a sink lives on bpffs: DIR/link (the bpf_link that keeps the program
// attached) and, in count mode, DIR/counters (the per-CPU counter map). A
// drop-mode sink pins only its link: it counts nothing.
#pragma once

#include <string>

namespace gen {

inline std::string link_pin(const std::string& dir) { return dir + "/link"; }
inline std::string counters_pin(const std::string& dir) { return dir + "/counters"; }

}  // namespace gen
