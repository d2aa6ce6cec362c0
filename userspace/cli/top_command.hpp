// `icmpguard top`: the sources the rate limiter refused most, live
// (docs/cli.md). CLI11 wiring, reading and the refresh loop here; the maps
// are read by RateLimitReader (core), the rows computed by
// compute_top_rows() (cli/watch.hpp, pure, unit-tested) and rendered in
// output.cpp.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

namespace icmpguard {

struct TopCommand {
    CLI::App* cmd = nullptr;
    std::string interface;  // empty: every interface with pins
    size_t count = 20;      // -n: rows shown
    bool json = false;      // -j: one JSON document, then exit
    bool once = false;      // --once: one table, then exit
    double interval = 1.0;  // --interval S
};

std::unique_ptr<TopCommand> add_top_command(CLI::App& app);
int run_top_command(const TopCommand& c, const std::string& pin_root);

}  // namespace icmpguard
