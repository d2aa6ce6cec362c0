// The `icmpguard` command line (CLI11): one small function per verb.
// Exit codes: 0 success, 1 runtime failure, 2 usage or configuration error.
#pragma once

namespace icmpguard {

int run_cli(int argc, char** argv);

}  // namespace icmpguard
