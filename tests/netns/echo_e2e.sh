#!/bin/bash
# End to end: iputils ping and ping -6 against a server namespace whose veth
# runs icmpguard natively. Every request must be answered, the replies must
# come from XDP (the server kernel's IcmpOutEchoReps / Icmp6OutEchoReplies do
# not move while icmpguard counts them as reply), and a type the policy drops
# (IPv4 timestamp-request, sent with hping3) never reaches the server kernel.
#
# usage: echo_e2e.sh PATH/TO/icmpguard_lab
set -euo pipefail
LAB_TOOL=${1:?usage: $0 PATH/TO/icmpguard_lab}
. "$(dirname "$0")/lib.sh"

lab_require hping3
lab_up

# the client veth needs an XDP program of its own to receive XDP_TX frames
in_client "$LAB_TOOL" pass --iface vc || fail "attaching XDP_PASS on the client veth"

out=$(mktemp)
trap 'lab_cleanup; rm -f "$out"' EXIT
nsenter --net="/run/netns/$NS_S" -- "$LAB_TOOL" serve --iface vs --mode native \
    --address 198.51.100.2 --address 2001:db8::2 --broadcast 198.51.100.255 \
    --drop ipv4:timestamp-request >"$out" 2>&1 &
BG_PIDS+=($!) # nsenter execs the tool: this is its pid
for _ in $(seq 50); do grep -q '^attached' "$out" && break; sleep 0.1; done
grep '^attached' "$out" || { cat "$out"; fail "icmpguard did not attach"; }
grep -q 'mode=native' "$out" || fail "expected a native attach: $(cat "$out")"
log "attach: $(grep '^attached' "$out")"

v4_out0=$(nstat_value "$NS_S" IcmpOutEchoReps)
v6_out0=$(nstat_value "$NS_S" Icmp6OutEchoReplies)
v4_in0=$(nstat_value "$NS_S" IcmpInEchos)

COUNT=5
sent4=0
sent6=0
ping_ok() { # family size [extra args]
    local fam=$1 size=$2; shift 2
    local dst=198.51.100.2
    [ "$fam" = 6 ] && dst=2001:db8::2
    local res
    res=$(in_client ping "-$fam" -n -q -c $COUNT -i 0.05 -W 2 -s "$size" "$@" $dst) ||
        fail "ping -$fam -s $size $*: $res"
    echo "$res" | grep -q " $COUNT received" || fail "ping -$fam -s $size $* lost replies: $res"
    log "ping -$fam -s $size $*: $COUNT/$COUNT answered"
}
for size in 0 56 1400; do
    ping_ok 4 "$size"; sent4=$((sent4 + COUNT))
    ping_ok 6 "$size"; sent6=$((sent6 + COUNT))
done
ping_ok 4 56 -p a5c3; sent4=$((sent4 + COUNT))
ping_ok 6 56 -p a5c3; sent6=$((sent6 + COUNT))

# a type the policy drops: 3 timestamp requests
ts_in0=$(nstat_value "$NS_S" IcmpInTimestamps)
msgs_in0=$(nstat_value "$NS_S" IcmpInMsgs)
in_client hping3 --icmp --icmptype 13 -c 3 -i u20000 198.51.100.2 >/dev/null 2>&1 || true
sleep 0.2

v4_out1=$(nstat_value "$NS_S" IcmpOutEchoReps)
v6_out1=$(nstat_value "$NS_S" Icmp6OutEchoReplies)
v4_in1=$(nstat_value "$NS_S" IcmpInEchos)
ts_in1=$(nstat_value "$NS_S" IcmpInTimestamps)
msgs_in1=$(nstat_value "$NS_S" IcmpInMsgs)

kill -TERM "${BG_PIDS[0]}"
wait "${BG_PIDS[0]}" || fail "icmpguard_lab exited non-zero: $(cat "$out")"
BG_PIDS=()
grep -q '^end' "$out" || fail "no counters from icmpguard_lab: $(cat "$out")"
# detach is clean: no XDP program left on the server veth
if ip -n "$NS_S" link show vs | grep -q 'xdp'; then fail "an XDP program is still attached to vs after exit"; fi

replies4=$(lab_counter "$out" ipv4 echo-request reply)
replies6=$(lab_counter "$out" ipv6 echo-request reply)
ts_drops=$(lab_counter "$out" ipv4 timestamp-request drop)
log "icmpguard: ipv4 echo replies=$replies4 (sent $sent4), ipv6=$replies6 (sent $sent6), timestamp drops=$ts_drops"
log "server kernel: IcmpOutEchoReps +$((v4_out1 - v4_out0)) Icmp6OutEchoReplies +$((v6_out1 - v6_out0)) IcmpInEchos +$((v4_in1 - v4_in0)) IcmpInTimestamps +$((ts_in1 - ts_in0)) IcmpInMsgs +$((msgs_in1 - msgs_in0))"

[ "$replies4" -eq "$sent4" ] || fail "icmpguard answered $replies4 IPv4 echo requests, expected $sent4"
[ "$replies6" -eq "$sent6" ] || fail "icmpguard answered $replies6 IPv6 echo requests, expected $sent6"
[ "$v4_out1" -eq "$v4_out0" ] || fail "the server kernel sent IPv4 echo replies: they did not come from XDP"
[ "$v6_out1" -eq "$v6_out0" ] || fail "the server kernel sent IPv6 echo replies: they did not come from XDP"
[ "$v4_in1" -eq "$v4_in0" ] || fail "IPv4 echo requests reached the server kernel"
[ "$ts_drops" -eq 3 ] || fail "expected 3 timestamp-request drops, icmpguard counted $ts_drops"
[ "$ts_in1" -eq "$ts_in0" ] || fail "dropped timestamp requests reached the server kernel"
[ "$msgs_in1" -eq "$msgs_in0" ] || fail "ICMP messages reached the server kernel during the drop test"
echo "PASS: $sent4 IPv4 and $sent6 IPv6 pings answered in XDP; dropped type never reached the kernel"
