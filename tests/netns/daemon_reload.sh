#!/bin/bash
# Atomic hot reload under traffic: 20 SIGHUPs alternating two policies while
# `ping -i 0.01` runs lose no reply; a broken config on SIGHUP keeps the last
# good policy (and says where the error is); shadow mode passes a type that
# enforce mode drops, counting it as would_drop.
#
# usage: daemon_reload.sh PATH/TO/icmpguard PATH/TO/icmpguard_lab
set -euo pipefail
. "$(dirname "$0")/lib.sh"

daemon_lab "${1:-}" "${2:-}" hping3

cfg=$(mktemp --suffix .toml)
policy_a=$(mktemp --suffix .toml)
policy_b=$(mktemp --suffix .toml)
write_config "$policy_a" '[policy]' 'preset = "rfc4890"'
write_config "$policy_b" '[policy]' 'preset = "strict"' '[policy.ipv4]' '"timestamp-request" = "pass"'
cp "$policy_a" "$cfg"
daemon_start "$cfg"

# 1. 20 reloads under a continuous ping: no reply lost
ping_out=$(mktemp)
in_client ping -4 -n -q -i 0.01 -c 400 -W 2 198.51.100.2 >"$ping_out" 2>&1 &
ping_pid=$!
for i in $(seq 20); do
    if [ $((i % 2)) -eq 1 ]; then cp "$policy_b" "$cfg"; else cp "$policy_a" "$cfg"; fi
    kill -HUP "$DAEMON_PID"
    sleep 0.15
done
wait "$ping_pid" || true
log "ping during reloads: $(grep 'packets transmitted' "$ping_out")"
grep -q ' 400 received' "$ping_out" || fail "replies lost during reloads: $(cat "$ping_out")"
reloads=$(grep -c 'msg=reloaded' "$DAEMON_LOG" || true)
[ "$reloads" -eq 20 ] || fail "expected 20 successful reloads, log shows $reloads"
[ "$(stats_packets ipv4 echo-request reply)" -ge 400 ] || fail "the replies did not come from XDP"

# the last reload applied policy_a (rfc4890): timestamp requests are dropped
drop0=$(stats_packets ipv4 timestamp-request drop)
in_client hping3 --icmp --icmptype 13 -c 2 -i u20000 198.51.100.2 >/dev/null 2>&1 || true
[ "$(stats_packets ipv4 timestamp-request drop)" -eq $((drop0 + 2)) ] || fail "rfc4890 did not drop timestamp requests"

# 2. a broken config keeps the last good policy
printf '[[interface]]\nname = "vs"\n[policy]\npreset = "rfc4890"\n[policy.ipv4]\n"timestamp-request" = "pas"\n' >"$cfg"
kill -HUP "$DAEMON_PID"
wait_for 30 grep -q 'msg="reload failed' "$DAEMON_LOG" || fail "a broken config was not reported"
grep 'reload failed' "$DAEMON_LOG" | grep -q "$cfg:6:" || fail "the error does not name file:line: $(grep 'reload failed' "$DAEMON_LOG")"
in_client ping -4 -n -q -c 3 -i 0.05 198.51.100.2 | grep -q ' 3 received' || fail "ping failed after a broken reload"
in_client hping3 --icmp --icmptype 13 -c 2 -i u20000 198.51.100.2 >/dev/null 2>&1 || true
[ "$(stats_packets ipv4 timestamp-request drop)" -eq $((drop0 + 4)) ] || fail "the old policy did not stay active"
log "broken config: $(grep 'reload failed' "$DAEMON_LOG" | tail -1)"

# 2b. a config naming an interface that does not exist changes nothing (found in review:
# it used to apply the policy and count a success)
fails0=$(grep -c 'reload failed' "$DAEMON_LOG" || true)
printf '[[interface]]\nname = "vs"\n[[interface]]\nname = "nosuch0"\n[policy]\npreset = "permissive"\n' >"$cfg"
kill -HUP "$DAEMON_PID"
wait_for 30 bash -c "[ \$(grep -c 'reload failed' '$DAEMON_LOG') -gt $fails0 ]" || fail "a missing interface did not fail the reload"
grep 'reload failed' "$DAEMON_LOG" | tail -1 | grep -q 'nosuch0' || fail "the failure does not name the interface"
in_client hping3 --icmp --icmptype 13 -c 2 -i u20000 198.51.100.2 >/dev/null 2>&1 || true
[ "$(stats_packets ipv4 timestamp-request drop)" -eq $((drop0 + 6)) ] || fail "the permissive policy was applied despite the failed reload"

# 3. shadow mode passes what enforce drops, counted as would_drop
write_config "$cfg" '[policy]' 'preset = "rfc4890"' 'mode = "shadow"'
kill -HUP "$DAEMON_PID"
wait_for 30 bash -c "[ \$(grep -c 'msg=reloaded' '$DAEMON_LOG') -ge 21 ]" || fail "shadow reload failed"
ts_in0=$(nstat_value "$NS_S" IcmpInTimestamps)
in_client hping3 --icmp --icmptype 13 -c 3 -i u20000 198.51.100.2 >/dev/null 2>&1 || true
sleep 0.2
would=$(stats_packets ipv4 timestamp-request would_drop)
ts_in=$(( $(nstat_value "$NS_S" IcmpInTimestamps) - ts_in0 ))
log "shadow: would_drop=$would, reached the kernel=$ts_in"
[ "$would" -eq 3 ] || fail "shadow mode counted $would would_drop, expected 3"
[ "$ts_in" -eq 3 ] || fail "shadow mode did not pass the timestamp requests to the kernel ($ts_in)"
ig status -j | grep -q '"policy_mode":"shadow"' || fail "status does not show shadow mode"

daemon_stop
echo "PASS: 20 reloads under ping lost nothing, a broken config kept the policy, shadow mode passed and counted"
