#!/bin/bash
# The metrics endpoint under bad clients, and its flags: --web.listen-address
# overrides [metrics] listen, --web.telemetry-path moves the endpoint; an
# unknown path is 404, a 64 KiB header is refused; while a client holds a
# connection open sending nothing (and another sends half a request line),
# a SIGHUP reload completes as fast as usual and scrapes are served; a
# change of the listen address on reload is logged as restart-class; the
# reload counters and the policy generation follow; the daemon stops
# cleanly afterwards.
#
# usage: metrics_robust.sh PATH/TO/icmpguard PATH/TO/icmpguard_lab
set -euo pipefail
ICMPGUARD=${1:?usage: $0 icmpguard icmpguard_lab}
LAB_TOOL=${2:?usage: $0 icmpguard icmpguard_lab}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_lib.sh"

lab_require curl python3
lab_up
trap metrics_cleanup EXIT
in_client "$LAB_TOOL" pass --iface vc || fail "attaching XDP_PASS on the client veth"

PORT=9470  # from the flag; the file says $METRICS_PORT
BASE="http://127.0.0.1:$PORT"
cfg=$(mktemp --suffix .toml)
write_config "$cfg" '[metrics]' "listen = \"127.0.0.1:$METRICS_PORT\""
daemon_start "$cfg" --web.listen-address "127.0.0.1:$PORT" --web.telemetry-path /m

# 1. the flags win over the file
[ "$(http_status "$BASE/m")" = 200 ] || fail "--web.listen-address/--web.telemetry-path: $BASE/m is not served"
[ "$(http_status "http://127.0.0.1:$METRICS_PORT/metrics")" = 000 ] || fail "the file's listen address is served too"
[ "$(http_status "$BASE/metrics")" = 404 ] || fail "/metrics is not 404 with --web.telemetry-path /m"
scrape "$BASE/" | grep -q '<a href="/m">' || fail "the landing page does not link to /m"

# 2. bad requests: unknown path, oversized header; the endpoint keeps serving
for path in /nope /m/x '/%2e%2e/etc/passwd'; do
    [ "$(http_status "$BASE$path")" = 404 ] || fail "$path is not 404"
done
big=$(in_server /usr/bin/python3 - "$PORT" <<'EOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
try:
    s.sendall(b"GET /m HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n")
except OSError:
    pass  # refused before the whole header was read
try:
    print(s.recv(200).split(b"\r\n")[0].decode() or "closed")
except OSError as e:
    print("closed:", e)
EOF
)
log "64 KiB header: $big"
case "$big" in *" 200 "*) fail "a 64 KiB header was served: $big" ;; esac
[ "$(http_status "$BASE/m")" = 200 ] || fail "the endpoint stopped serving after the oversized header"

# 3. slow clients: one connects and sends nothing, one sends half a request
# line; both for 6 s (more than civetweb's 5 s request timeout)
slow_out=$(mktemp)
in_server /usr/bin/python3 - "$PORT" >"$slow_out" 2>&1 <<'EOF' &
import socket, sys, time
port = int(sys.argv[1])
silent = socket.create_connection(("127.0.0.1", port), timeout=10)
partial = socket.create_connection(("127.0.0.1", port), timeout=10)
partial.sendall(b"GET /m HTT")
t0 = time.time()
for name, s in (("silent", silent), ("partial", partial)):
    s.settimeout(max(0.1, 6.5 - (time.time() - t0)))
    try:
        data = s.recv(100)
        print(f"{name}: server closed after {time.time() - t0:.1f} s: {data[:40]!r}")
    except socket.timeout:
        print(f"{name}: still open after {time.time() - t0:.1f} s")
EOF
slow_pid=$!
sleep 0.5

# reload while the slow clients hold their connections: a new policy and a
# new listen address (restart-class: logged, not applied)
write_config "$cfg" '[policy.ipv4]' '"timestamp-request" = "pass"' '[metrics]' 'listen = "127.0.0.1:9999"'
t0=$(date +%s%N)
kill -HUP "$DAEMON_PID"
wait_for 50 grep -q 'msg=reloaded' "$DAEMON_LOG" || fail "the reload did not complete within 5 s during a slow client"
ms=$((($(date +%s%N) - t0) / 1000000))
log "reload during the slow clients: $(grep 'msg=reloaded' "$DAEMON_LOG" | sed 's/.*duration_ms=/duration_ms=/'), seen after $ms ms"
[ "$ms" -lt 2000 ] || fail "the reload took $ms ms during a slow client"
grep -q 'msg="\[metrics\] listen changed; --web.listen-address overrides it"' "$DAEMON_LOG" ||
    fail "a changed [metrics] listen was not logged"
t1=$(date +%s%N)
text=$(scrape "$BASE/m")
ms=$((($(date +%s%N) - t1) / 1000000))
log "scrape during the slow clients: $ms ms"
[ "$(metric_value icmpguard_reloads_total result=success <<<"$text")" = 1 ] || fail "reloads success is not 1 after the reload"
[ "$(metric_value icmpguard_policy_generation interface=vs <<<"$text")" = 2 ] || fail "the policy generation did not move to 2"
[ "$(http_status "http://127.0.0.1:9999/metrics")" = 000 ] || fail "the new listen address was bound without a restart"
wait "$slow_pid" || true
log "slow clients: $(tr '\n' ' ' <"$slow_out")"
grep -q 'silent: server closed' "$slow_out" || fail "the silent client was never disconnected: $(cat "$slow_out")"
grep -q 'partial: server closed' "$slow_out" || fail "the half-request client was never disconnected: $(cat "$slow_out")"
rm -f "$slow_out"

# 4. a failed reload is counted
printf '[[interface]]\nname = "vs"\n[policy]\npreset = "nope"\n' >"$cfg"
kill -HUP "$DAEMON_PID"
wait_for 50 grep -q 'msg="reload failed' "$DAEMON_LOG" || fail "the broken config was not reported"
text=$(scrape "$BASE/m")
[ "$(metric_value icmpguard_reloads_total result=failure <<<"$text")" = 1 ] || fail "reloads failure is not 1"
[ "$(metric_value icmpguard_reloads_total result=success <<<"$text")" = 1 ] || fail "reloads success changed"

# 5. a program removed behind the daemon's back shows as attached 0
ip -n "$NS_S" link set dev vs xdp off
text=$(scrape "$BASE/m")
[ "$(metric_value icmpguard_attached interface=vs mode=native <<<"$text")" = 0 ] ||
    fail "icmpguard_attached is not 0 after 'ip link set dev vs xdp off'"

# 6. still alive, and stops cleanly (the exporter's threads included)
kill -0 "$DAEMON_PID" || fail "the daemon died"
t0=$(date +%s%N)
daemon_stop
log "stop took $((($(date +%s%N) - t0) / 1000000)) ms"
echo "PASS: flags, 404, 64 KiB header refused, reload and scrapes unaffected by slow clients, counters follow"
