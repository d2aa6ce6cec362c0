// `icmpguard capture`: CLI11 wiring for CaptureSession (core/capture.hpp).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/capture.hpp"

namespace icmpguard {

struct CaptureCommand {
    CLI::App* cmd = nullptr;
    CaptureOptions options;
    std::vector<std::string> actions;  // drop | rate_limited | invalid
};

std::unique_ptr<CaptureCommand> add_capture_command(CLI::App& app);
int run_capture_command(CaptureCommand& c, const std::string& pin_root);

}  // namespace icmpguard
