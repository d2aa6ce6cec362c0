// The subcommands of icmpguard_gen (bench/README). Each takes the whole
// argv and the index of its first option, and returns the exit code.
#pragma once

namespace gen {

int cmd_send(int argc, char** argv, int first);
int cmd_sink_attach(int argc, char** argv, int first);
int cmd_sink_read(int argc, char** argv, int first);
int cmd_sink_detach(int argc, char** argv, int first);

}  // namespace gen
