#!/bin/bash
# Prometheus export end to end, with the real binary: `icmpguard run` serves
# metrics on 127.0.0.1 inside the server namespace; after exactly N pings the
# reply sample for echo-request is N (both families); `promtool check
# metrics` reports nothing on the scraped text; a real Prometheus server
# scraping every second returns the same values through its query API;
# the landing page links to /metrics and other paths are 404;
# `stats --watch -j` prints one JSON object per interval with the ping rate,
# and stops on SIGINT.
#
# usage: metrics_e2e.sh PATH/TO/icmpguard PATH/TO/icmpguard_lab
set -euo pipefail
ICMPGUARD=${1:?usage: $0 icmpguard icmpguard_lab}
LAB_TOOL=${2:?usage: $0 icmpguard icmpguard_lab}
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/metrics_lib.sh"

lab_require curl promtool prometheus python3
lab_up
trap metrics_cleanup EXIT
in_client "$LAB_TOOL" pass --iface vc || fail "attaching XDP_PASS on the client veth"

cfg=$(mktemp --suffix .toml)
write_config "$cfg" '[metrics]' "listen = \"127.0.0.1:$METRICS_PORT\""
daemon_start "$cfg"
grep -q "msg=\"metrics endpoint listening\" listen=127.0.0.1:$METRICS_PORT path=/metrics" "$DAEMON_LOG" ||
    fail "no 'metrics endpoint listening' line: $(cat "$DAEMON_LOG")"

# 1. exactly N pings -> the reply sample is N
N4=7 N6=5
in_client ping -4 -n -q -c "$N4" -i 0.05 -W 2 198.51.100.2 | grep -q " $N4 received" || fail "IPv4 pings lost"
in_client ping -6 -n -q -c "$N6" -i 0.05 -W 2 2001:db8::2 | grep -q " $N6 received" || fail "IPv6 pings lost"
text=$(scrape)
v4=$(metric_value icmpguard_packets_total interface=vs family=ipv4 icmp_type=echo-request action=reply <<<"$text")
v6=$(metric_value icmpguard_packets_total interface=vs family=ipv6 icmp_type=echo-request action=reply <<<"$text")
b4=$(metric_value icmpguard_bytes_total interface=vs family=ipv4 icmp_type=echo-request action=reply <<<"$text")
log "scraped: ipv4 echo-request reply $v4 ($b4 bytes), ipv6 $v6 (sent $N4 / $N6)"
[ "$v4" = "$N4" ] || fail "icmpguard_packets_total ipv4 echo-request reply = '$v4', $N4 pings were answered"
[ "$v6" = "$N6" ] || fail "icmpguard_packets_total ipv6 echo-request reply = '$v6', $N6 pings were answered"
# ping's default 56 data bytes: 14 + 20 + 8 + 56 = 98 bytes a frame
[ "$b4" = $((N4 * 98)) ] || fail "icmpguard_bytes_total ipv4 echo-request reply = '$b4', expected $((N4 * 98))"
[ "$(metric_value icmpguard_attached interface=vs mode=native <<<"$text")" = 1 ] || fail "icmpguard_attached{vs,native} is not 1"
[ "$(metric_value icmpguard_policy_generation interface=vs <<<"$text")" = 1 ] || fail "policy generation is not 1"
[ "$(metric_value icmpguard_reloads_total result=success <<<"$text")" = 0 ] || fail "reloads success is not 0"
[ "$(metric_value icmpguard_reloads_total result=failure <<<"$text")" = 0 ] || fail "reloads failure is not 0"
grep -q '^icmpguard_build_info{version="[0-9.]*"} 1$' <<<"$text" || fail "no icmpguard_build_info"
# what has never been counted is not exported
grep -q 'action="drop"' <<<"$text" && fail "a drop series was exported although nothing was dropped"
# the sample counted by stats -j is the same number
[ "$(stats_packets ipv4 echo-request reply)" = "$N4" ] || fail "stats -j disagrees with the scrape"

# 2. promtool's linter has nothing to say
lint=$(promtool check metrics <<<"$text" 2>&1) || fail "promtool check metrics failed: $lint"
[ -z "$lint" ] || fail "promtool check metrics reports: $lint"

# 3. landing page, 404 for anything else
in_server curl -sS --max-time 5 "http://127.0.0.1:$METRICS_PORT/" | grep -q '<a href="/metrics">' ||
    fail "the landing page does not link to /metrics"
for path in /nope /metricsx /metrics/x; do
    [ "$(http_status "http://127.0.0.1:$METRICS_PORT$path")" = 404 ] || fail "$path is not 404"
done

# 4. a real Prometheus server scrapes it, and its query API agrees
prometheus_start "127.0.0.1:$METRICS_PORT"
q4='icmpguard_packets_total{job="icmpguard",interface="vs",family="ipv4",icmp_type="echo-request",action="reply"}'
got=""
for _ in $(seq 100); do
    got=$(prom_query "$q4" || true)
    [ "$got" = "$N4" ] && break
    sleep 0.2
done
[ "$got" = "$N4" ] || fail "Prometheus query $q4 returned '$got', expected $N4"
[ "$(prom_query 'up{job="icmpguard"}')" = 1 ] || fail "Prometheus does not see the target up"
in_server curl -sS --max-time 5 "http://127.0.0.1:$PROM_PORT/api/v1/targets" | /usr/bin/python3 -c '
import json, sys
t = json.load(sys.stdin)["data"]["activeTargets"]
assert len(t) == 1 and t[0]["health"] == "up" and t[0]["lastError"] == "", t' || fail "the scrape target reports an error"
# more pings show up in Prometheus too: the value is read at scrape time
in_client ping -4 -n -q -c 3 -i 0.05 -W 2 198.51.100.2 | grep -q " 3 received" || fail "IPv4 pings lost"
for _ in $(seq 100); do
    got=$(prom_query "$q4" || true)
    [ "$got" = $((N4 + 3)) ] && break
    sleep 0.2
done
[ "$got" = $((N4 + 3)) ] || fail "after 3 more pings Prometheus says '$got', expected $((N4 + 3))"
q6='sum(icmpguard_packets_total{family="ipv6",icmp_type="echo-request",action="reply"})'
[ "$(prom_query "$q6")" = "$N6" ] || fail "Prometheus query $q6 is not $N6"
log "Prometheus query API: $q4 = $got"
prometheus_stop

# 5. stats --watch -j: one JSON object per interval, with the ping's rate
watch_out=$(mktemp)
ig stats --watch -j --interval 0.5 --count 4 >"$watch_out" &
watch_pid=$!
in_client ping -4 -n -q -c 40 -i 0.05 -W 2 198.51.100.2 >/dev/null || true
wait "$watch_pid" || fail "stats --watch -j --count 4 failed"
/usr/bin/python3 - "$watch_out" <<'EOF' || fail "stats --watch -j output is wrong: $(cat "$watch_out")"
import json, sys
frames = [json.loads(l) for l in open(sys.argv[1])]
assert len(frames) == 4, len(frames)
for f in frames:
    assert set(f) == {"time", "interval_s", "rates"}, f
    assert 0.3 < f["interval_s"] < 1.5, f
rates = [r["packets_per_s"] for f in frames for r in f["rates"]
         if (r["interface"], r["family"], r["icmp_type"], r["action"]) == ("vs", "ipv4", "echo-request", "reply")]
# 20 pings/s; the middle frames see the full rate
assert max(rates) > 12 and max(rates) < 28, rates
print("# stats --watch -j: ipv4 echo-request reply packets/s per frame:", [round(r, 1) for r in rates])
EOF
rm -f "$watch_out"

# ... and the live view stops cleanly on SIGINT
nsenter --net="/run/netns/$NS_S" -- "$ICMPGUARD" --pin-root "$PIN_ROOT" stats --watch --interval 0.2 >/dev/null &
watch_pid=$!
sleep 0.7
kill -INT "$watch_pid"
rc=0
timeout 3 tail --pid="$watch_pid" -f /dev/null || fail "stats --watch did not stop on SIGINT"
wait "$watch_pid" || rc=$?
[ "$rc" -eq 0 ] || fail "stats --watch exited $rc on SIGINT"

# 6. [metrics] listen is restart-class: a reload logs the change, keeps serving where it was
write_config "$cfg" '[metrics]' 'listen = "127.0.0.1:9999"'
kill -HUP "$DAEMON_PID"
wait_for 50 grep -q 'msg=reloaded' "$DAEMON_LOG" || fail "the reload failed"
grep -q 'msg="\[metrics\] listen changed: it takes effect at the next restart" listen=127.0.0.1:9469 configured=127.0.0.1:9999' \
    "$DAEMON_LOG" || fail "a changed [metrics] listen was not logged as restart-class: $(grep listen "$DAEMON_LOG")"
[ "$(http_status "http://127.0.0.1:$METRICS_PORT/metrics")" = 200 ] || fail "the endpoint moved or stopped on reload"
[ "$(http_status "http://127.0.0.1:9999/metrics")" = 000 ] || fail "the new address was bound without a restart"

daemon_stop
echo "PASS: $N4 + $N6 pings exported exactly, promtool clean, Prometheus query API agrees, watch rates"
