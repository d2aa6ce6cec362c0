#!/bin/bash
# What a crash leaves behind, and the takeover (documented in docs/cli.md):
# after kill -9 the program stays attached with its last policy and
# addresses (fail-static) and keeps answering; its pins stay. The next
# start replaces the stale program, continues the pinned counters, and a
# SIGTERM then leaves nothing attached.
#
# usage: daemon_crash.sh PATH/TO/icmpguard PATH/TO/icmpguard_lab
set -euo pipefail
. "$(dirname "$0")/lib.sh"

daemon_lab "${1:-}" "${2:-}"

cfg=$(mktemp --suffix .toml)
write_config "$cfg"
daemon_start "$cfg"
in_client ping -4 -n -q -c 5 -i 0.05 198.51.100.2 | grep -q ' 5 received' || fail "ping before the crash"
old_id=$(ig status -j | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["prog_id"])')

kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=""
xdp_attached || fail "after kill -9 the program should stay attached (fail-static)"
in_client ping -4 -n -q -c 5 -i 0.05 198.51.100.2 | grep -q ' 5 received' || fail "ping after the crash"
after_crash=$(stats_packets ipv4 echo-request reply)
[ "$after_crash" -eq 10 ] || fail "after the crash XDP should still answer from the pinned maps ($after_crash)"
log "after kill -9: still attached (prog $old_id), $after_crash replies counted"

daemon_start "$cfg"
grep -q 'replaced an icmpguard program left attached' "$DAEMON_LOG" || fail "the stale program was not replaced"
new_id=$(ig status -j | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["prog_id"])')
[ "$new_id" != "$old_id" ] || fail "still the old program ($old_id)"
in_client ping -4 -n -q -c 5 -i 0.05 198.51.100.2 | grep -q ' 5 received' || fail "ping after restart"
[ "$(stats_packets ipv4 echo-request reply)" -eq 15 ] || fail "counters did not continue across the restart"
log "restart: program $old_id replaced by $new_id, counters continued"

daemon_stop
xdp_attached && fail "an XDP program is still attached after SIGTERM"
echo "PASS: kill -9 is fail-static, the next start takes over and continues the counters"
