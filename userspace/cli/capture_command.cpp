#include "cli/capture_command.hpp"

#include <csignal>
#include <iostream>

extern "C" {
#include "icmpguard/abi.h"
}

namespace icmpguard {
namespace {

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

}  // namespace

std::unique_ptr<CaptureCommand> add_capture_command(CLI::App& app) {
    auto c = std::make_unique<CaptureCommand>();
    c->cmd = app.add_subcommand("capture", "write sampled copies of dropped packets to a pcap file");
    c->cmd->add_option("-i,--interface", c->options.interface, "interface whose drops to capture")->required();
    c->cmd->add_option("-w,--write", c->options.output, "pcap file to write")->required();
    c->cmd->add_option("-a,--action", c->actions, "drop | rate_limited | invalid (repeatable; default all)")
        ->check(CLI::IsMember({"drop", "rate_limited", "invalid"}));
    c->cmd->add_option("-c,--count", c->options.count, "stop after N packets (default: until Ctrl-C)");
    c->cmd->add_option("-t,--timeout", c->options.timeout_s, "stop after S seconds");
    c->cmd->add_option("-s,--sample", c->options.sample_every, "copy 1 in N matching drops per CPU")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1000000000u));
    c->cmd->add_option("--snaplen", c->options.snaplen, "bytes per packet (1-256)")
        ->capture_default_str()
        ->check(CLI::Range(1u, static_cast<unsigned>(IG_CAPTURE_SNAPLEN_MAX)));
    return c;
}

int run_capture_command(CaptureCommand& c, const std::string& pin_root) {
    c.options.pin_root = pin_root;
    c.options.classes = 0;
    for (const auto& a : c.actions)
        c.options.classes |= a == "drop" ? IG_CAPTURE_DROP : a == "rate_limited" ? IG_CAPTURE_RATE_LIMITED
                                                                                 : IG_CAPTURE_INVALID;
    struct sigaction sa {};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, nullptr);
    sigaction(SIGTERM, &sa, nullptr);
    auto r = CaptureSession::run(c.options, [] { return g_stop != 0; });
    if (!r) {
        std::cerr << "icmpguard: capture: " << r.error().message() << "\n";
        return 1;
    }
    std::cerr << "icmpguard: " << r->written << " packets written to " << c.options.output << "\n";
    return 0;
}

}  // namespace icmpguard
