#!/bin/bash
# The echo rate limiter end to end (RFC-NOTES §5), with the real daemon and
# echo_per_source_pps = 100, echo_per_source_burst = 100:
#  (a) a 3,000 pps flood from one IPv4 source gets > 0 and at most
#      100 × elapsed + 100 (+ slack) replies, seen at the client and counted
#      by the daemon, and replies + rate_limited = requests sent, exactly;
#  (b) meanwhile a second source pings and loses nothing;
#  (c) IPv6: a source in another /64 loses nothing, one in the flood's /64
#      shares its bucket (flood + its replies stay within the one bound);
#  (d) a random-source flood (198.18.0.0/15) is refused by the new-source
#      budget (rl_source_flood) and does not evict a known source: it keeps
#      every reply.
#
# usage: ratelimit_e2e.sh PATH/TO/icmpguard PATH/TO/icmpguard_lab PATH/TO/icmpguard_flood
set -euo pipefail
. "$(dirname "$0")/lib.sh"

FLOOD=${3:-}
daemon_lab "${1:-}" "${2:-}"
[ -x "$FLOOD" ] || fail "usage: $0 ICMPGUARD LAB_TOOL FLOOD_TOOL (got '$FLOOD')"

RATE=100 BURST=100
# Slack on the reply bound: the limiter reads bpf_ktime_get_coarse_ns(), so
# its view of the flood's span can exceed the sender's by one tick (<= 10 ms
# at HZ >= 100, i.e. <= 1 packet at 100 pps), and each CPU may lose one
# update of the (non-atomic) per-source bucket: one packet per CPU, covering
# both.
SLACK=$(nproc)

mac_c=$(ns_mac "$NS_C" vc)
mac_s=$(ns_mac "$NS_S" vs)
# Second sources on the client: .3 (another /32), 2001:db8:0:1::3 (another
# /64), 2001:db8::3 (the flood's /64). XDP answers by swapping addresses and
# MACs, so the server needs no route to them; the route and permanent
# neighbours keep the server kernel's own path valid too and keep ARP/ND out
# of the counters.
in_client ip addr add 198.51.100.3/24 dev vc
in_client ip addr add 2001:db8::3/64 dev vc nodad
in_client ip addr add 2001:db8:0:1::3/64 dev vc nodad
in_server ip -6 route add 2001:db8:0:1::/64 dev vs
for a in 198.51.100.3 2001:db8::3 2001:db8:0:1::3; do
    in_server ip neigh replace "$a" lladdr "$mac_c" dev vs nud permanent
done

cfg=$(mktemp --suffix .toml)
write_config "$cfg" '[rate_limit]' 'enabled = true' "echo_per_source_pps = $RATE" "echo_per_source_burst = $BURST"
daemon_start "$cfg"

tmp=$(mktemp -d)
trap 'daemon_cleanup; rm -rf "$tmp" "$cfg"' EXIT

flood() { in_client "$FLOOD" -i vc --dst-mac "$mac_s" --src-mac "$mac_c" "$@"; }
# Packets of (family, reason) from `icmpguard stats -j -r`.
reason_packets() {
    ig stats -j -r | /usr/bin/python3 -c '
import json, sys
fam, why = sys.argv[1:3]
print(sum(r["packets"] for r in json.load(sys.stdin)["reasons"] if r["family"] == fam and r["reason"] == why))' "$@"
}
# Frames the veth pair dropped on a full ring: requests before XDP, or replies after it.
veth_drops() {
    echo $(( $(ip -n "$NS_C" -s -j link show vc | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["dropped"])') +
             $(ip -n "$NS_S" -s -j link show vs | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["rx"]["dropped"])') ))
}
received() { sed -n 's/.* \([0-9]*\) received.*/\1/p' "$1"; }
seconds() { sed -n 's/^sent [0-9]* in \([0-9.]*\) seconds$/\1/p' "$1"; }
# awk for the float arithmetic: bound ELAPSED -> floor(RATE*ELAPSED + BURST + SLACK)
bound() { awk -v e="$1" -v r=$RATE -v b=$BURST -v s="$SLACK" 'BEGIN { printf "%d", r * e + b + s }'; }

# ---- (a) + (b): IPv4 flood from 198.51.100.1, a ping from 198.51.100.3 ----
in_client ping -4 -n -q -c 1 -W 2 -I 198.51.100.3 198.51.100.2 >/dev/null || fail "198.51.100.3 cannot ping before the flood"
rep0=$(stats_packets ipv4 echo-request reply)
rl0=$(stats_packets ipv4 echo-request rate_limited)
in0=$(nstat_value "$NS_C" IcmpInEchoReps)
flood -4 198.51.100.1 --dst 198.51.100.2 -c 3000 --pps 3000 >"$tmp/flood4" &
fpid=$!
BG_PIDS+=("$fpid")
sleep 0.05  # the flood has spent its burst of 100 (33 ms at 3,000 pps)
in_client ping -4 -n -q -c 20 -i 0.05 -W 2 -I 198.51.100.3 198.51.100.2 >"$tmp/ping4" 2>&1 || true
wait "$fpid" || fail "the IPv4 flood failed"
sleep 0.3  # the last replies reach the client
elapsed=$(seconds "$tmp/flood4")
ping_rx=$(received "$tmp/ping4")
rep=$(( $(stats_packets ipv4 echo-request reply) - rep0 ))
rl=$(( $(stats_packets ipv4 echo-request rate_limited) - rl0 ))
seen=$(( $(nstat_value "$NS_C" IcmpInEchoReps) - in0 - ping_rx ))  # flood replies at the client
max=$(bound "$elapsed")
log "(a) IPv4 flood: sent 3000 in $elapsed s; client saw $seen replies (bound $max = $RATE x $elapsed + $BURST + $SLACK), daemon: reply $rep (incl. $ping_rx pings), rate_limited $rl"
log "(b) ping from 198.51.100.3 during the flood: $(grep 'packets transmitted' "$tmp/ping4")"
[ "$seen" -gt 0 ] || fail "(a) the flood got no replies at all"
[ "$seen" -le "$max" ] || fail "(a) the flood got $seen replies, more than $max"
[ "$seen" -eq $((rep - ping_rx)) ] || fail "(a) client saw $seen flood replies, daemon counted $((rep - ping_rx))"
[ $((rep + rl)) -eq $((3000 + 20)) ] || fail "(a) reply $rep + rate_limited $rl != 3000 flood + 20 ping requests"
rl_a=$rl
[ "$ping_rx" -eq 20 ] || fail "(b) the second source lost $((20 - ping_rx)) of 20 pings"

# ---- (c) IPv6: flood from 2001:db8::1; pings from another /64 and the same /64 ----
rep0=$(stats_packets ipv6 echo-request reply)
rl0=$(stats_packets ipv6 echo-request rate_limited)
in0=$(nstat_value "$NS_C" Icmp6InEchoReplies)
# 2 s of flood, so both 1 s pings (started 0.2 s in) run entirely inside it
flood -6 2001:db8::1 --dst 2001:db8::2 -c 6000 --pps 3000 >"$tmp/flood6" &
fpid=$!
BG_PIDS+=("$fpid")
sleep 0.2
in_client ping -6 -n -q -c 20 -i 0.05 -W 2 -I 2001:db8:0:1::3 2001:db8::2 >"$tmp/ping6_other" 2>&1 &
p1=$!
in_client ping -6 -n -q -c 20 -i 0.05 -W 2 -I 2001:db8::3 2001:db8::2 >"$tmp/ping6_same" 2>&1 || true
wait "$p1" || true
wait "$fpid" || fail "the IPv6 flood failed"
sleep 0.3
elapsed=$(seconds "$tmp/flood6")
other=$(received "$tmp/ping6_other")
same=$(received "$tmp/ping6_same")
rep=$(( $(stats_packets ipv6 echo-request reply) - rep0 ))
rl=$(( $(stats_packets ipv6 echo-request rate_limited) - rl0 ))
seen=$(( $(nstat_value "$NS_C" Icmp6InEchoReplies) - in0 - other - same ))
max=$(bound "$elapsed")
log "(c) IPv6 flood: sent 6000 in $elapsed s; client saw $seen replies (bound for the /64 incl. its ping: $max), daemon: reply $rep, rate_limited $rl"
log "(c) ping from another /64: $other/20 received; from the flood's /64: $same/20 received"
[ "$seen" -gt 0 ] || fail "(c) the IPv6 flood got no replies at all"
[ $((seen + same)) -le "$max" ] || fail "(c) the flood's /64 got $((seen + same)) replies, more than $max"
[ $((rep + rl)) -eq $((6000 + 40)) ] || fail "(c) reply $rep + rate_limited $rl != 6000 flood + 40 ping requests"
[ "$seen" -eq $((rep - other - same)) ] || fail "(c) client saw $seen flood replies, daemon counted $((rep - other - same))"
rl_c=$rl
[ "$other" -eq 20 ] || fail "(c) a source in another /64 lost $((20 - other)) of 20 pings"
# The proof of sharing is the bound above on flood + same-/64 replies: with
# separate buckets they would be ~$((RATE * 2 + BURST)) + 20. How many of its
# 20 pings the same-/64 source keeps is only loosely predictable: the limiter
# reads the coarse clock, which a CPU waking from idle (the pinger's) brings
# up to date just before it sends, so the pinger often meets the credit of
# that step first: each ping has a chance up to RATE / HZ (40% at HZ 250;
# measured 1 to 12 of 20). That share comes out of the flood's replies, not
# on top. With p <= 0.5, P(all 20 kept) < 1e-6; at HZ <= 200 (or unknown) p
# may reach 1, and nothing more is asserted.
hz=$( { zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null || true; } | sed -n 's/^CONFIG_HZ=//p')
if [ -n "$hz" ] && [ $((2 * RATE)) -le "$hz" ]; then
    [ "$same" -lt 20 ] || fail "(c) a source in the flood's /64 kept all 20 pings (HZ $hz): it does not share the bucket"
else
    log "(c) HZ '${hz:-unknown}': a same-/64 ping may win every coarse-clock step, its loss is not asserted"
fi

# ---- (d) random-source flood from 198.18.0.0/15, 198.51.100.3 keeps pinging ----
# A full-speed flood can overrun a veth ring (256 frames): a ping lost there
# is not the limiter's doing, so an attempt that lost pings while the veth
# counted drops is repeated once; a loss without drops fails at once.
for attempt in 1 2; do
    sf0=$(reason_packets ipv4 rl_source_flood)
    rep0=$(stats_packets ipv4 echo-request reply)
    rl0=$(stats_packets ipv4 echo-request rate_limited)
    drops0=$(veth_drops)
    flood --random-src4 198.18.0.0/15 --dst 198.51.100.2 -c 200000 --seed "$$$attempt" >"$tmp/flood_rand" &
    fpid=$!
    BG_PIDS+=("$fpid")
    sleep 0.1
    in_client ping -4 -n -q -c 20 -i 0.05 -W 2 -I 198.51.100.3 198.51.100.2 >"$tmp/ping_rand" 2>&1 || true
    wait "$fpid" || fail "the random-source flood failed"
    sleep 0.3
    elapsed=$(seconds "$tmp/flood_rand")
    ping_rx=$(received "$tmp/ping_rand")
    sf=$(( $(reason_packets ipv4 rl_source_flood) - sf0 ))
    rep=$(( $(stats_packets ipv4 echo-request reply) - rep0 ))
    rl=$(( $(stats_packets ipv4 echo-request rate_limited) - rl0 ))
    drops=$(( $(veth_drops) - drops0 ))
    log "(d) random-source flood: sent 200000 in $elapsed s (the ping ran from 0.1 s to ~1.1 s); daemon: reply $rep, rate_limited $rl (rl_source_flood $sf); veth drops $drops"
    log "(d) ping from 198.51.100.3 during it: $(grep 'packets transmitted' "$tmp/ping_rand")"
    awk -v e="$elapsed" 'BEGIN { exit !(e < 1.1) }' && log "(d) note: the flood ended before the ping's last packets"
    # every request reached XDP and moved exactly one counter, unless the veth dropped it
    if [ $((rep + rl + drops)) -lt $((200000 + 20)) ] || [ $((rep + rl)) -gt $((200000 + 20)) ]; then
        fail "(d) reply $rep + rate_limited $rl (veth drops $drops) does not account for 200000 flood + 20 ping requests"
    fi
    [ "$sf" -gt 0 ] || fail "(d) no rl_source_flood refusals after 200000 random sources"
    [ "$ping_rx" -eq 20 ] && break
    if [ "$drops" -eq 0 ] || [ "$attempt" -eq 2 ]; then
        fail "(d) the known source lost $((20 - ping_rx)) of 20 pings to the random-source flood (veth drops $drops)"
    fi
    log "(d) $((20 - ping_rx)) pings lost while the veth dropped $drops frames: repeating once"
    sleep 2  # the new-source budget refills
done
# The LRU of tracked sources stays within its capacity, and its refusal count
# is the rl_source_flood reason count. (`icmpguard top --help` exits 0 even
# without `top`: CLI11 then prints the main help, so look for it there.)
if ig --help 2>/dev/null | grep -qE '^ +top +'; then
    ig top --once -j >"$tmp/top.json" || fail "(d) icmpguard top --once -j failed"
    log "(d) top --once -j: $(head -c 600 "$tmp/top.json")"
    flood_refused=$(( $(reason_packets ipv4 rl_source_flood) + $(reason_packets ipv6 rl_source_flood) ))
    /usr/bin/python3 - "$tmp/top.json" "$flood_refused" "$rl_a" "$rl_c" <<'PY' || fail "(d) top --once -j is wrong (see above)"
import json, sys
t = json.load(open(sys.argv[1]))
vs = [i for i in t["interfaces"] if i["interface"] == "vs"]
assert len(vs) == 1 and vs[0]["enabled"], t["interfaces"]
i = vs[0]
assert i["capacity"] == 65536, f"capacity {i['capacity']}, the default is 65536"
assert 0 < i["sources"] <= i["capacity"], f"{i['sources']} sources tracked, capacity {i['capacity']}"
assert i["refused"] == int(sys.argv[2]), f"top refused {i['refused']}, rl_source_flood counted {sys.argv[2]}"
# the two floods' keys lead the ranking, each with exactly its refusals: the
# /64 holds the flood's and its same-/64 neighbour's, the /32 only (a)'s
limited = {r["source"]: r["limited"] for r in t["top"] if r["interface"] == "vs"}
assert limited.get("2001:db8::/64") == int(sys.argv[4]), f"2001:db8::/64 limited {limited.get('2001:db8::/64')}, (c) refused {sys.argv[4]}"
assert limited.get("198.51.100.1/32") == int(sys.argv[3]), f"198.51.100.1/32 limited {limited.get('198.51.100.1/32')}, (a) refused {sys.argv[3]}"
print(f"# (d) tracked sources {i['sources']} <= capacity {i['capacity']}, new sources inserted {i['inserted']}, refused {i['refused']}")
PY
else
    log "(d) skipped: 'icmpguard top' does not exist yet, so tracked sources <= capacity is not checked"
fi

daemon_stop
echo "PASS: flood limited to its bucket, other sources and /64s untouched, random sources refused by the new-source budget"
