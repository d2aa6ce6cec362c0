#!/bin/bash
# The real binary end to end: `icmpguard run` attaches to the server veth,
# ping and ping -6 are answered by XDP (the server kernel's echo counters do
# not move), `icmpguard stats -j` counts exactly the pings sent, `status`
# reports the attachment, a broadcast ping is dropped, and SIGTERM detaches
# and exits 0.
#
# usage: daemon_basic.sh PATH/TO/icmpguard PATH/TO/icmpguard_lab
set -euo pipefail
. "$(dirname "$0")/lib.sh"

daemon_lab "${1:-}" "${2:-}"

cfg=$(mktemp --suffix .toml)
write_config "$cfg"
daemon_start "$cfg"
grep -q 'msg=attached interface=vs mode=native' "$DAEMON_LOG" || fail "no native attach: $(cat "$DAEMON_LOG")"

out0=$(nstat_value "$NS_S" IcmpOutEchoReps)
out60=$(nstat_value "$NS_S" Icmp6OutEchoReplies)
for size in 0 56 1400; do
    in_client ping -4 -n -q -c 4 -i 0.05 -W 2 -s "$size" 198.51.100.2 | grep -q " 4 received" ||
        fail "ping -s $size lost replies"
    in_client ping -6 -n -q -c 4 -i 0.05 -W 2 -s "$size" 2001:db8::2 | grep -q " 4 received" ||
        fail "ping -6 -s $size lost replies"
done
v4=$(stats_packets ipv4 echo-request reply)
v6=$(stats_packets ipv6 echo-request reply)
log "stats -j: ipv4 echo-request reply $v4, ipv6 $v6 (12 each sent)"
[ "$v4" -eq 12 ] || fail "stats counted $v4 IPv4 replies, 12 were sent"
[ "$v6" -eq 12 ] || fail "stats counted $v6 IPv6 replies, 12 were sent"
[ "$(nstat_value "$NS_S" IcmpOutEchoReps)" -eq "$out0" ] || fail "the server kernel answered IPv4 pings"
[ "$(nstat_value "$NS_S" Icmp6OutEchoReplies)" -eq "$out60" ] || fail "the server kernel answered IPv6 pings"

# a directed broadcast ping (smurf) is dropped in XDP, never answered
in_client ping -4 -b -n -q -c 2 -i 0.1 -W 1 198.51.100.255 >/dev/null 2>&1 || true
bcast=$(stats_packets ipv4 echo-request drop)
[ "$bcast" -eq 2 ] || fail "broadcast pings: expected 2 XDP drops, counted $bcast"
ig stats -j -r | grep -q '"reason":"echo_bcast"' || fail "no echo_bcast reason counted"

status=$(ig status -j)
log "status -j: $status"
echo "$status" | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
assert len(s) == 1 and s[0]["interface"] == "vs" and s[0]["attached"], s
assert s[0]["mode"] == "native" and s[0]["policy_generation"] >= 1, s
assert s[0]["local_addresses"] == 5, s  # v4, its broadcast, v6, its anycast, link-local' || fail "status -j is wrong"
ig stats | grep -q 'echo-request' || fail "human stats table lacks echo-request"

daemon_stop
xdp_attached && fail "an XDP program is still attached after SIGTERM"
grep -q 'msg=detached interface=vs' "$DAEMON_LOG" || fail "no detach logged"
# pins stay, so stats still works without the daemon
[ "$(stats_packets ipv4 echo-request reply)" -eq 12 ] || fail "stats without the daemon lost the counters"
echo "PASS: daemon attached natively, 24 pings answered in XDP and counted exactly, clean detach"
