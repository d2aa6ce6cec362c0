#!/bin/bash
# The benchmarks' live-frames generator and sink (bench/gen, icmpguard_gen),
# between two namespaces (lib.sh: client = generator on vc, server = DUT on vs):
#  (a) its frames are valid: small bursts captured on vs, every header and
#      checksum checked by an independent computation (check_gen_frames.py)
#      and by tshark's validation; random sources distinct, inside the
#      prefix, 1 in --legit-every fixed;
#  (b) its count is exact: a counting sink on vs counts exactly what was
#      sent, which is also what the generator's program ran, over several
#      calls and when stopped early by --max-seconds;
#  (c) with icmpguard on vs, every echo request comes back as a reply,
#      counted by a sink on vc by destination (legitimate or random source);
#  (d) pages recycled after carrying a reply go out again as requests:
#      bursts of many calls, replies = requests, and icmpguard never sees an
#      echo reply arrive.
# Behaviour only: no rate is asserted anywhere.
#
# usage: bench_gen.sh PATH/TO/icmpguard_gen PATH/TO/icmpguard_lab
set -euo pipefail
GEN=${1:?usage: $0 PATH/TO/icmpguard_gen PATH/TO/icmpguard_lab}
LAB_TOOL=${2:?usage: $0 PATH/TO/icmpguard_gen PATH/TO/icmpguard_lab}
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
PY=/usr/bin/python3

lab_require tshark taskset ethtool "$PY"
lab_up
SINK_S="/sys/fs/bpf/icmpguard-test-$LAB_ID-sink-s"
SINK_C="/sys/fs/bpf/icmpguard-test-$LAB_ID-sink-c"
TMP=$(mktemp -d)
gen_cleanup() {
    lab_cleanup # the namespaces go, and with them the veths and every XDP attachment
    rm -rf "$SINK_S" "$SINK_C" "$TMP"
}
trap gen_cleanup EXIT

MAC_C=$(ns_mac "$NS_C" vc)
MAC_S=$(ns_mac "$NS_S" vs)
# One CPU for the generator: the veth NAPI work follows it, so nothing
# overflows a ring behind its back and the counts stay exact.
CPU=$(($(nproc) - 1))
V4=(-4 --src 198.51.100.1 --dst 198.51.100.2)
V6=(-6 --src 2001:db8::1 --dst 2001:db8::2)

send() { in_client taskset -c "$CPU" "$GEN" send -i vc --src-mac "$MAC_C" --dst-mac "$MAC_S" "$@"; }

# jget FILE KEY...: a number from a JSON file, 0 when the path is missing.
jget() {
    "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k in sys.argv[2:]:
    d = d.get(k, 0) if isinstance(d, dict) else 0
print(d)' "$@"
}

# sink_json NS DIR OUT: the sink's counters as JSON into OUT.
sink_json() { nsenter --net="/run/netns/$1" -- "$GEN" sink read --pin "$2" --json >"$3"; }

# Frames a full veth ring refused (BENCH-NOTES §3: the 256-slot ring
# overflows when the receiver's NAPI falls behind, e.g. on a loaded machine).
# Requests: vc's tx_queue_*_xdp_xmit_errors (live frames into vs's ring);
# replies: vs's rx_queue_*_xdp_tx_errors (XDP_TX into vc's ring).
veth_stat() { # NS DEV REGEX: sum of the matching ethtool -S counters
    nsenter --net="/run/netns/$1" -- ethtool -S "$2" | awk -v re="$3" '$1 ~ re { n += $2 } END { print n + 0 }'
}
refused_requests() { veth_stat "$NS_C" vc '^tx_queue_[0-9]+_xdp_xmit_errors:$'; }
refused_replies() { veth_stat "$NS_S" vs '^rx_queue_[0-9]+_xdp_tx_errors:$'; }
refused() { echo $(($(refused_requests) + $(refused_replies))); }

# settle NS DIR OUT BASE SENT REFUSED0 READER...: read the sink until the
# counter that `READER... OUT` prints has grown from BASE by SENT, less the frames refused since
# REFUSED0 (frames can still be in a ring when send returns), then once more
# after a pause, so that a count above that shows too.
settle() {
    local ns=$1 dir=$2 out=$3 base=$4 sent=$5 refused0=$6
    shift 6
    for _ in $(seq 50); do
        sink_json "$ns" "$dir" "$out"
        [ $(($("$@" "$out") - base + $(refused) - refused0)) -ge "$sent" ] && break
        sleep 0.1
    done
    sleep 0.3
    sink_json "$ns" "$dir" "$out"
}

# counted WHAT GOT SENT REFUSED: GOT must be SENT. Only when a full ring
# refused frames (visible in ethtool -S, so still accounted for) is it
# SENT - REFUSED, with at most 1 % refused.
counted() {
    local what=$1 got=$2 sent=$3 lost=$4
    if [ "$lost" -gt 0 ]; then
        [ $((lost * 100)) -le "$sent" ] || fail "$what: a full veth ring refused $lost of $sent frames"
        log "note: $what: a full veth ring refused $lost frames (a loaded machine): expecting $((sent - lost))"
    fi
    expect_eq "$what" "$got" $((sent - lost))
}

# Packets of one family's ICMP type (all types without TYPE), both destinations.
icmp_total() { # FILE FAMILY [TYPE]
    "$PY" -c '
import json, sys
d = json.load(open(sys.argv[1]))["icmp"].get(sys.argv[2], {})
print(sum(v["legit"] + v["other"] for t, v in d.items() if len(sys.argv) < 4 or t == sys.argv[3]))' "$@"
}
# Counter readers for settle, the sink's JSON file last.
type_count() { icmp_total "$3" "$1" "$2"; } # FAMILY TYPE FILE
v4_requests() { jget "$1" icmp ipv4 8 legit; }
v6_requests() { jget "$1" icmp ipv6 128 legit; }

# On a mismatch, show where frames went: a full veth ring shows as
# xdp_xmit_errors / drops in ethtool -S.
expect_eq() { # what got expected
    [ "$2" -eq "$3" ] && return 0
    local ns dev
    for ns in "$NS_C:vc" "$NS_S:vs"; do
        dev=${ns#*:}
        echo "# ethtool -S $dev (non-zero):" >&2
        nsenter --net="/run/netns/${ns%%:*}" -- ethtool -S "$dev" 2>&1 | awk '$2 != 0' >&2 || true
    done
    fail "$1: got $2, expected $3"
}

# ---- (a) valid frames ------------------------------------------------------
# XDP_PASS on vs gives it the NAPI that live frames need and lets the frames
# reach AF_PACKET. The server kernel is told not to answer echo requests.
in_server "$LAB_TOOL" pass --iface vs || fail "attaching XDP_PASS on vs"
in_server sysctl -qw net.ipv4.icmp_echo_ignore_all=1 net.ipv6.icmp.echo_ignore_all=1

# capture_check NAME SEND_OPTIONS...: send a burst, capture it on vs, check it.
capture_check() {
    local name=$1; shift
    local pcap="$TMP/$name.pcap" cap="$TMP/$name.cap"
    nsenter --net="/run/netns/$NS_S" -- "$PY" "$HERE/capture_frames.py" vs "$MAC_C" "$MAC_S" \
        "$(count_of "$@")" "$pcap" 10 >"$cap" 2>&1 &
    local pid=$!
    BG_PIDS+=("$pid")
    wait_for 100 grep -q '^ready' "$cap" || fail "$name: the capture did not start: $(cat "$cap")"
    send "$@" >"$TMP/$name.send" || fail "$name: send failed: $(cat "$TMP/$name.send")"
    wait "$pid" || fail "$name: $(cat "$cap")"
    BG_PIDS=()
    local verdict
    verdict=$("$PY" "$HERE/check_gen_frames.py" "$pcap" --src-mac "$MAC_C" --dst-mac "$MAC_S" "$@" 2>&1) ||
        fail "$name: $verdict"
    # A second opinion: tshark's own validation (status 1 = good).
    local fields=(-e icmpv6.checksum.status)
    [ "$1" = -4 ] && fields=(-e ip.checksum.status -e icmp.checksum.status)
    local checked
    checked=$(tshark -r "$pcap" -o ip.check_checksum:TRUE -T fields "${fields[@]}" 2>/dev/null |
        awk '{ n++; for (i = 1; i <= NF; i++) if ($i != 1) bad++ } NF == 0 { bad++ } END { print n + 0, bad + 0 }')
    [ "${checked#* }" = 0 ] || fail "$name: tshark finds bad checksums (frames, bad): $checked"
    log "$name: $verdict; tshark agrees on ${checked% *} frames"
}
count_of() { # the value after -c
    while [ $# -gt 1 ]; do [ "$1" = -c ] && { echo "$2"; return; }; shift; done
    fail "no -c in $*"
}

capture_check v4 "${V4[@]}" -c 64
capture_check v4_min_timestamp "${V4[@]}" -c 32 --size 60 --type 13
capture_check v4_large "${V4[@]}" -c 32 --size 1000 --type 8 --code 0
capture_check v6 "${V6[@]}" -c 64
capture_check v6_min "${V6[@]}" -c 32 --size 62
capture_check v4_random15 "${V4[@]}" -c 512 --random-src 198.18.0.0/15 --legit-every 8
capture_check v4_random17 "${V4[@]}" -c 256 --random-src 198.19.128.0/17 --legit-every 5 --seed 7
capture_check v6_random32 "${V6[@]}" -c 512 --random-src 2001:db8::/32 --legit-every 8
capture_check v6_random40 "${V6[@]}" -c 256 --random-src 2001:db8:aa00::/40 --size 200
capture_check v6_random72 "${V6[@]}" -c 128 --random-src 2001:db8:1:2:aa00::/72 --seed 3

# ---- (b) exact counts into a counting sink on vs ---------------------------
ip -n "$NS_S" link set dev vs xdpdrv off
in_server "$GEN" sink attach -i vs --pin "$SINK_S" --legit 198.51.100.2,2001:db8::2 >/dev/null
ip -n "$NS_S" link show vs | grep -q 'prog/xdp' || fail "the sink is not attached natively on vs"

# sink_round NAME READER SEND_OPTIONS...: one send into the sink on vs;
# the generator's own count and the sink's must both be what was sent.
sink_round() {
    local name=$1 reader=$2
    shift 2
    sink_json "$NS_S" "$SINK_S" "$TMP/$name.before"
    local base refused0 sent
    base=$("$reader" "$TMP/$name.before")
    refused0=$(refused)
    send "$@" --json >"$TMP/$name.json" 2>"$TMP/$name.err" || fail "$name: send failed: $(cat "$TMP/$name.err")"
    sent=$(jget "$TMP/$name.json" sent)
    expect_eq "$name: frames the generator's program ran" "$(jget "$TMP/$name.json" ran)" "$sent"
    settle "$NS_S" "$SINK_S" "$TMP/$name.after" "$base" "$sent" "$refused0" "$reader"
    counted "$name: frames counted by the sink" $(($("$reader" "$TMP/$name.after") - base)) "$sent" \
        $(($(refused) - refused0))
}

N=100000
sink_round b4 v4_requests "${V4[@]}" -c $N
expect_eq "IPv4 sent" "$(jget "$TMP/b4.json" sent)" $N
log "(b) IPv4: sent $N, the program ran $N, the sink counted them"

# Random sources over 4 calls (the last one sends the remainder of 10,000).
sink_round b6 v6_requests "${V6[@]}" -c $N --random-src 2001:db8::/32 --legit-every 64 --repeat 30000
expect_eq "IPv6 sent" "$(jget "$TMP/b6.json" sent)" $N
expect_eq "test-run calls" "$(jget "$TMP/b6.json" calls)" 4
expect_eq "frames with the fixed source" "$(jget "$TMP/b6.json" legit)" $(((N + 63) / 64))
log "(b) IPv6, random sources, 4 calls: sent $N, the program ran $N, the sink counted them"

# Stopped early by --max-seconds: what was sent is still what arrived.
sink_round bt v4_requests "${V4[@]}" -c 1000000000 --repeat 65536 --max-seconds 0.2
[ "$(jget "$TMP/bt.json" complete)" = False ] || fail "--max-seconds did not stop the run: $(cat "$TMP/bt.json")"
log "(b) --max-seconds 0.2: stopped after $(jget "$TMP/bt.json" sent) frames, all counted"

in_server "$GEN" sink detach --pin "$SINK_S" >/dev/null
[ ! -e "$SINK_S" ] || fail "sink detach left $SINK_S"
if ip -n "$NS_S" link show vs | grep -q 'prog/xdp'; then fail "the sink is still attached after detach"; fi

# A drop-mode sink (scenario C0) counts nothing, and says so.
in_server "$GEN" sink attach -i vs --pin "$SINK_S" --mode drop >/dev/null
if in_server "$GEN" sink read --pin "$SINK_S" >/dev/null 2>&1; then fail "sink read on a drop-mode sink succeeded"; fi
in_server "$GEN" sink detach --pin "$SINK_S" >/dev/null

# ---- (c) icmpguard on vs answers, the sink on vc counts the replies ----------
serve_out="$TMP/serve.out"
nsenter --net="/run/netns/$NS_S" -- "$LAB_TOOL" serve --iface vs --mode native \
    --address 198.51.100.2 --address 2001:db8::2 >"$serve_out" 2>&1 &
SERVE_PID=$!
BG_PIDS+=("$SERVE_PID")
wait_for 50 grep -q '^attached' "$serve_out" || fail "icmpguard did not attach: $(cat "$serve_out")"
grep -q 'mode=native' "$serve_out" || fail "expected a native attach: $(cat "$serve_out")"
in_client "$GEN" sink attach -i vc --pin "$SINK_C" --legit 198.51.100.1,2001:db8::1 >/dev/null

# reply_round NAME FAMILY TYPE FIXED SEND_OPTIONS...: one send into
# icmpguard; the sink on vc must count a reply of TYPE for every request,
# FIXED of them to the generator's fixed source (the sink's "legit").
ANSWERABLE4=0 # requests that reached icmpguard, per family
ANSWERABLE6=0
reply_round() {
    local name=$1 fam=$2 type=$3 fixed=$4
    shift 4
    sink_json "$NS_C" "$SINK_C" "$TMP/$name.before"
    local base legit0 req0 rep0 sent lost_req lost_rep
    base=$(icmp_total "$TMP/$name.before" "$fam" "$type")
    legit0=$(jget "$TMP/$name.before" icmp "$fam" "$type" legit)
    req0=$(refused_requests)
    rep0=$(refused_replies)
    send "$@" --json >"$TMP/$name.json" 2>"$TMP/$name.err" || fail "$name: send failed: $(cat "$TMP/$name.err")"
    sent=$(jget "$TMP/$name.json" sent)
    expect_eq "$name: frames the generator's program ran" "$(jget "$TMP/$name.json" ran)" "$sent"
    settle "$NS_C" "$SINK_C" "$TMP/$name.after" "$base" "$sent" $((req0 + rep0)) type_count "$fam" "$type"
    lost_req=$(($(refused_requests) - req0))
    lost_rep=$(($(refused_replies) - rep0))
    counted "$name: $fam type $type replies counted on vc" \
        $(($(icmp_total "$TMP/$name.after" "$fam" "$type") - base)) "$sent" $((lost_req + lost_rep))
    # Which frames a full ring refused is unknown: the split is exact only without refusals.
    if [ $((lost_req + lost_rep)) -eq 0 ]; then
        expect_eq "$name: replies to the fixed source" \
            $(($(jget "$TMP/$name.after" icmp "$fam" "$type" legit) - legit0)) "$fixed"
    fi
    if [ "$fam" = ipv4 ]; then ANSWERABLE4=$((ANSWERABLE4 + sent - lost_req)); fi
    if [ "$fam" = ipv6 ]; then ANSWERABLE6=$((ANSWERABLE6 + sent - lost_req)); fi
}

reply_round c4 ipv4 0 $N "${V4[@]}" -c $N
reply_round c6 ipv6 129 $N "${V6[@]}" -c $N
R=64000 # random sources, 1 in 64 fixed: 1000 replies to the fixed source
reply_round c4r ipv4 0 $((R / 64)) "${V4[@]}" -c $R --random-src 198.18.0.0/15 --legit-every 64
log "(c) every request answered by icmpguard and counted on vc: IPv4 $N + $R (random sources), IPv6 $N"

# ---- (d) recycled pages: many calls, every frame a request ------------------
D=200000
reply_round d4 ipv4 0 $D "${V4[@]}" -c $D --repeat 20000
reply_round d6 ipv6 129 $D "${V6[@]}" -c $D --repeat 20000
expect_eq "test-run calls" "$(jget "$TMP/d4.json" calls)" 10
# No IPv4 ICMP but replies came back (IPv6 may carry the server kernel's ND/MLD).
expect_eq "IPv4 ICMP of other types at vc" \
    $(($(icmp_total "$TMP/d6.after" ipv4) - $(icmp_total "$TMP/d6.after" ipv4 0))) 0

kill -USR1 "$SERVE_PID"
wait_for 50 grep -q '^end' "$serve_out" || fail "no counters from icmpguard_lab: $(cat "$serve_out")"
replies4=$(lab_counter "$serve_out" ipv4 echo-request reply)
replies6=$(lab_counter "$serve_out" ipv6 echo-request reply)
# A recycled reply sent again would reach icmpguard as an echo reply.
seen_replies=$(awk '$1 == "counter" && ($3 == "echo-reply") { n += $5 } END { print n + 0 }' "$serve_out")
expect_eq "icmpguard IPv4 replies" "$replies4" $ANSWERABLE4
expect_eq "icmpguard IPv6 replies" "$replies6" $ANSWERABLE6
expect_eq "echo replies that reached icmpguard" "$seen_replies" 0
log "(d) $D more requests per family in 10 calls: every one answered, no reply sent twice"

echo "PASS: generator frames valid (independent check and tshark), counts exact, icmpguard's replies all counted, recycled pages rewritten"
