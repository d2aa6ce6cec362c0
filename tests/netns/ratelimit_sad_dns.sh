#!/bin/bash
# The SAD DNS side channel (CVE-2020-25705, CVE-2024-47678; RFC-NOTES §5.4),
# after LTP's cve-2020-25705: can an attacker learn, from the echo replies it
# gets itself, how much shared (aggregate) credit spoofed sources spent?
#
# Config: echo_per_source_pps = 1, burst 1 (every source may have one reply
# per second), and a small aggregate: total_pps = 60, total_burst = 100.
# Each of 8 batches, after a 2 s settle:
#   - 50 spoofed sources 198.18.1.1-50 send one echo request each, and in
#     every other batch ("present") a second one, which their own bucket
#     refuses (rl_source) and which must spend no aggregate credit;
#   - the attacker then probes once from each of 100 addresses it owns
#     (198.51.100.10-109, secondary /32s on the client): a fresh source always
#     passes its own bucket, so the replies it gets measure the aggregate
#     credit left.
# All 150 or 200 frames go out in one icmpguard_flood run (sub-millisecond).
#
# Why these numbers:
# - Refill: a batch spends at most burst + 1 = 101 credits (the last reply
#   admitted may draw 2), so the aggregate is full again after 101 / 60 pps
#   = 1.7 s < the 2 s settle. (LTP-like total_pps = 1 would need 101 s.)
# - No refill inside a batch: a packet passes the aggregate iff
#   credits spent so far <= burst - 1 + (coarse time since the first) / (1/60 s).
#   The limiter's coarse clock moves by at most the batch's duration + one
#   tick, so while that stays under 1/60 s = 16.7 ms the threshold is exactly
#   99 for every packet of the batch; a batch that takes longer is redone.
# - Statistics: each reply the aggregate admits spends X ~ U{0,1,2} credits
#   (bpf_get_prandom_u32() % 3), independent of everything before. With N the
#   first n with X_1 + ... + X_n >= 100, the spoofed first requests take the
#   first 50 admissions and the attacker gets A = min(100, max(0, N - 50))
#   replies, whether or not the refused second requests were sent. The exact
#   law of A follows from a dynamic programme over the partial sums
#   (P(S_n = c, not stopped) for c < 100, n <= 150): mean 50.3, sd 8.2,
#   largest single probability 0.049.
#   (1) P(all 8 batches see the same A) = sum_a P(A=a)^8 = 2.4e-10.
#   (2) present and absent batches are then 4 + 4 i.i.d. draws of A; the law
#       of D = (sum of 4) - (sum of 4) is the convolution of those laws, and
#       P(|D| >= 120) = 3.1e-7 < 1e-6: the test fails when |D| >= 120, i.e.
#       when the means differ by 30 or more. An implementation that spent
#       aggregate credit on refused requests (the CVE-2024-47678 order) gives
#       A = min(100, max(0, N - 100)) in present batches, mean 3.4, and this
#       test catches it with probability 1 - 3.8e-4.
#
# usage: ratelimit_sad_dns.sh PATH/TO/icmpguard PATH/TO/icmpguard_lab PATH/TO/icmpguard_flood
set -euo pipefail
. "$(dirname "$0")/lib.sh"

FLOOD=${3:-}
daemon_lab "${1:-}" "${2:-}"
[ -x "$FLOOD" ] || fail "usage: $0 ICMPGUARD LAB_TOOL FLOOD_TOOL (got '$FLOOD')"

TOTAL_PPS=60 TOTAL_BURST=100 SPOOFED=50 PROBES=100 BATCHES=8 SETTLE=2 MAX_SUM_DIFF=120
# One coarse-clock tick (the limiter's clock): 1/HZ, or 10 ms (HZ 100) if unknown.
hz=$( { zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$(uname -r)" 2>/dev/null || true; } | sed -n 's/^CONFIG_HZ=//p')
TICK=$(awk -v hz="${hz:-100}" 'BEGIN { print 1 / hz }')

mac_c=$(ip -n "$NS_C" -o link show vc | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
mac_s=$(ip -n "$NS_S" -o link show vs | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
tmp=$(mktemp -d)
cfg=$tmp/icmpguard.toml
trap 'daemon_cleanup; rm -rf "$tmp"' EXIT

# The attacker's own addresses; XDP answers them by swapping, no server route needed.
for i in $(seq 10 $((9 + PROBES))); do echo "addr add 198.51.100.$i/32 dev vc"; done | ip -n "$NS_C" -batch -
for i in $(seq "$SPOOFED"); do echo "198.18.1.$i"; done >"$tmp/spoofed"
for i in $(seq 10 $((9 + PROBES))); do echo "198.51.100.$i"; done >"$tmp/probes"
cat "$tmp/spoofed" "$tmp/probes" >"$tmp/absent"
cat "$tmp/spoofed" "$tmp/spoofed" "$tmp/probes" >"$tmp/present"

write_config "$cfg" '[rate_limit]' 'enabled = true' 'echo_per_source_pps = 1' 'echo_per_source_burst = 1' \
    "total_pps = $TOTAL_PPS" "total_burst = $TOTAL_BURST"
daemon_start "$cfg"

# "reply rl_source rl_total" for IPv4 echo requests, from one `stats -j -r`.
counters() {
    ig stats -j -r | /usr/bin/python3 -c '
import json, sys
s = json.load(sys.stdin)
reply = sum(r["packets"] for r in s["counters"] if r["family"] == "ipv4" and r["icmp_type"] == "echo-request" and r["action"] == "reply")
why = lambda w: sum(r["packets"] for r in s["reasons"] if r["family"] == "ipv4" and r["reason"] == w)
print(reply, why("rl_source"), why("rl_total"))'
}

declare -a answers
sum_present=0 sum_absent=0
for b in $(seq "$BATCHES"); do
    if [ $((b % 2)) -eq 1 ]; then kind=present; seconds_sent=$SPOOFED; else kind=absent; seconds_sent=0; fi
    sent=$(wc -l <"$tmp/$kind")
    for attempt in 1 2 3; do
        sleep "$SETTLE"
        read -r rep0 src0 tot0 < <(counters)
        in0=$(nstat_value "$NS_C" IcmpInEchoReps)
        in_client "$FLOOD" -i vc --dst-mac "$mac_s" --src-mac "$mac_c" --src-list "$tmp/$kind" \
            --dst 198.51.100.2 -c "$sent" >"$tmp/out" || fail "batch $b: icmpguard_flood failed"
        took=$(sed -n 's/^sent [0-9]* in \([0-9.]*\) seconds$/\1/p' "$tmp/out")
        sleep 0.2  # the replies reach the client
        a=$(( $(nstat_value "$NS_C" IcmpInEchoReps) - in0 ))
        read -r rep src tot < <(counters)
        rep=$((rep - rep0)) src=$((src - src0)) tot=$((tot - tot0))
        # batch + one tick (+ 2 ms for the receive side) under 1/TOTAL_PPS: no refill inside
        awk -v d="$took" -v t="$TICK" -v r=$TOTAL_PPS 'BEGIN { exit !(d + t + 0.002 < 1 / r) }' && break
        log "batch $b took $took s: the aggregate may have refilled during it, redoing it"
        [ "$attempt" -lt 3 ] || fail "batch $b: three attempts took too long (last $took s) for a refill-free batch"
    done
    log "batch $b ($kind): $sent requests in $took s; attacker got $a of $PROBES replies; daemon: reply $rep (spoofed $((rep - a))), rl_source $src, rl_total $tot"
    [ "$src" -eq "$seconds_sent" ] || fail "batch $b: rl_source refused $src, expected exactly the $seconds_sent second requests"
    [ $((rep + src + tot)) -eq "$sent" ] || fail "batch $b: reply $rep + rl_source $src + rl_total $tot != $sent sent"
    [ "$a" -le "$rep" ] || fail "batch $b: the client saw $a replies, the daemon sent $rep"
    [ "$a" -gt 0 ] || fail "batch $b: the attacker got no reply: the spoofed requests emptied the aggregate (P = 1e-24 if correct)"
    answers+=("$a")
    if [ "$kind" = present ]; then sum_present=$((sum_present + a)); else sum_absent=$((sum_absent + a)); fi
done

log "attacker's replies per batch (present, absent, ...): ${answers[*]}"
log "sum over the 4 batches with refused second requests: $sum_present, without: $sum_absent (fail at |diff| >= $MAX_SUM_DIFF)"
[ "$(printf '%s\n' "${answers[@]}" | sort -u | wc -l)" -gt 1 ] ||
    fail "(1) every batch got exactly ${answers[0]} replies: the aggregate is spent deterministically (CVE-2020-25705)"
diff=$((sum_present - sum_absent))
[ "${diff#-}" -lt "$MAX_SUM_DIFF" ] ||
    fail "(2) refused second requests changed the attacker's replies by $diff over 4 batches (bound $MAX_SUM_DIFF): they spend aggregate credit (CVE-2024-47678)"

daemon_stop
echo "PASS: the attacker's replies vary (${answers[*]}) and do not depend on the refused requests (diff $diff, bound $MAX_SUM_DIFF)"
