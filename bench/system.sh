#!/usr/bin/env bash
# bench/system.sh: the system tier (BENCH-NOTES §3): live frames from
# icmpguard_gen over a veth pair between two namespaces, every scenario of
# the table in bench/lib/scenarios.sh, in interleaved rounds, counters
# snapshotted before and after each; then bench/lib/system_report.py turns
# the snapshots into rates and same-run ratios (JSON + Markdown).
# Normally run by scripts/bench; runnable on its own (root).
#
# usage: bench/system.sh [--quick] [--rounds N] [--frames N] [--only IDS]
#                        [--no-flood] [--out DIR] [--list]
#   --quick      1 round of 100,000 frames per scenario (default: 5 rounds
#                of 1,000,000; the random-source flood Gr sends that many
#                distinct IPv6 /64s)
#   --rounds N   rounds (each runs every scenario once, in table order)
#   --frames N   frames per scenario (Gr and Gs included)
#   --only IDS   comma-separated scenario ids (see --list)
#   --no-flood   leave out Gr and Gs
#   --out DIR    where the raw snapshots, system.json and system.md go
#                (default: $BUILD_DIR/bench-results/system-<stamp>)
#   --deadline T stop starting scenarios when the longest one so far (+ 10 s)
#                would end past T (seconds since the epoch), and report what
#                ran (scripts/bench passes its time bound)
# Environment: BUILD_DIR (default build), BENCH_CPU (generator CPU, default 1),
#   GEN_MAX_SECONDS (bound of one flood, default 20; 10 with --quick).
# Exit status: 0 when every scenario of every round produced its figure;
# 1 when one could not run or produced none (never because of a number);
# 2 on a failed pre-flight check (missing kernel feature or tool).
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/bench/lib/lab.sh"
. "$ROOT/bench/lib/snap.sh"
. "$ROOT/bench/lib/daemon.sh"
. "$ROOT/bench/lib/scenarios.sh"

die() { echo "bench/system.sh: $*" >&2; exit 2; }
note() { echo "# $*" >&2; }

QUICK=0 ROUNDS="" FRAMES="" ONLY="" NO_FLOOD=0 OUT="" DEADLINE=""
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 ;;
    --rounds) ROUNDS=${2:?--rounds N}; shift ;;
    --frames) FRAMES=${2:?--frames N}; shift ;;
    --only) ONLY=${2:?--only IDS}; shift ;;
    --no-flood) NO_FLOOD=1 ;;
    --out) OUT=${2:?--out DIR}; shift ;;
    --deadline) DEADLINE=${2:?--deadline EPOCH_SECONDS}; shift ;;
    --list) printf '%s\n' "${SCENARIOS[@]}"; exit 0 ;;
    -h | --help) sed -n '2,/^set -uo/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
    esac
    shift
done
[ -n "$ROUNDS" ] || ROUNDS=$((QUICK ? 1 : 5))
[ -n "$FRAMES" ] || FRAMES=$((QUICK ? 100000 : 1000000))
GEN_MAX_SECONDS=${GEN_MAX_SECONDS:-$((QUICK ? 10 : 20))}
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "--rounds $ROUNDS: want a positive integer"
if ! [[ $FRAMES =~ ^[1-9][0-9]*$ ]] || [ "$FRAMES" -gt 100000000 ]; then die "--frames $FRAMES: want 1..1e8"; fi

BUILD_DIR=${BUILD_DIR:-build}
[[ $BUILD_DIR = /* ]] || BUILD_DIR=$ROOT/$BUILD_DIR
GEN=$BUILD_DIR/bench/icmpguard_gen
ICMPGUARD=$BUILD_DIR/icmpguard
BENCH_CPU=${BENCH_CPU:-$(($(nproc) >= 2 ? 1 : 0))}
[ -n "$OUT" ] || OUT=$BUILD_DIR/bench-results/system-$(date -u +%Y%m%dT%H%M%SZ)
RAW=$OUT/raw

# the scenarios of this run, in table order
RUN_IDS=()
for id in "${SCENARIOS[@]}"; do
    if [ -n "$ONLY" ] && [[ ",$ONLY," != *",$id,"* ]]; then continue; fi
    if [ $NO_FLOOD = 1 ] && [[ $id = G* ]]; then continue; fi
    RUN_IDS+=("$id")
done
if [ -n "$ONLY" ]; then
    for id in ${ONLY//,/ }; do
        [[ " ${SCENARIOS[*]} " = *" $id "* ]] || die "unknown scenario $id (see --list)"
    done
fi
[ ${#RUN_IDS[@]} -gt 0 ] || die "no scenario left to run"

# ---- pre-flight (BENCH-NOTES §4): fail loudly ------------------------------
kconfig() {
    local f
    f=/boot/config-$(uname -r)
    if [ -r "$f" ]; then grep -E "^$1=" "$f" | cut -d= -f2
    elif [ -r /proc/config.gz ]; then zcat /proc/config.gz | grep -E "^$1=" | cut -d= -f2; fi
}

preflight() {
    [ "$(id -u)" -eq 0 ] || die "must run as root (namespaces, XDP attach, nft)"
    local tool
    for tool in ip nsenter nstat ethtool nft taskset timeout python3 sysctl; do
        command -v "$tool" >/dev/null || die "$tool not found (scripts/setup installs it)"
    done
    [ -x "$GEN" ] || die "$GEN not built (cmake --build $BUILD_DIR --target icmpguard_gen)"
    [ -x "$ICMPGUARD" ] || die "$ICMPGUARD not built (cmake --build $BUILD_DIR --target icmpguard)"
    local rel major minor
    rel=$(uname -r)
    major=${rel%%.*}
    minor=${rel#*.}
    minor=${minor%%[.-]*}
    if [ "$major" -lt 5 ] || { [ "$major" -eq 5 ] && [ "$minor" -lt 18 ]; }; then
        die "kernel $rel: live frames (BPF_F_TEST_XDP_LIVE_FRAMES) need 5.18 or later"
    fi
    local opt v
    for opt in CONFIG_VETH CONFIG_NF_TABLES CONFIG_NF_TABLES_NETDEV CONFIG_BPF_JIT; do
        v=$(kconfig "$opt")
        if [ -z "$v" ]; then
            [ -r "/boot/config-$rel" ] || [ -r /proc/config.gz ] || continue # no kernel config: probed below
            die "$opt is not set in the kernel config"
        fi
    done
    if [ -r /proc/sys/net/core/bpf_jit_enable ] && [ "$(cat /proc/sys/net/core/bpf_jit_enable)" = 0 ]; then
        die "the BPF JIT is off (net.core.bpf_jit_enable=0)"
    fi
    mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf || die "cannot mount bpffs on /sys/fs/bpf"
    [ "$BENCH_CPU" -lt "$(nproc)" ] || die "CPU $BENCH_CPU is not online"
}

# After lab_up: the probes that need the lab.
preflight_lab() {
    in_dut nft -f - <<NFT || die "nft netdev family: an ingress chain on $DUT_IF cannot be created (NF_TABLES_NETDEV?)"
table netdev ${NFT_TABLE}_probe {
    chain ingress { type filter hook ingress device "$DUT_IF" priority -500; policy accept; }
}
NFT
    in_dut nft delete table netdev "${NFT_TABLE}_probe" || die "nft: cannot delete the probe table"
    # the sink on vg is native with a bpf_link: this is the native-attach check
    timeout 15 nsenter --net="/run/netns/$NS_GEN" -- "$GEN" sink attach -i "$GEN_IF" --pin "$SNAP_SINK" \
        --legit "$GEN_V4,$GEN_V6" --mode count >"$OUT/sink-attach.txt" 2>&1 ||
        die "native XDP attach of the sink on $GEN_IF failed: $(cat "$OUT/sink-attach.txt")"
    # live frames must arrive and be valid: 1000 echo requests, kernel echo
    in_dut ethtool -K "$DUT_IF" gro on >/dev/null 2>&1 || die "ethtool -K $DUT_IF gro on failed"
    local before after
    before=$(sink_replies ipv4 0)
    timeout 30 nsenter --net="/run/netns/$NS_GEN" -- "$GEN" send -i "$GEN_IF" --src-mac "$GEN_MAC" \
        --dst-mac "$DUT_MAC" -4 --src "$GEN_V4" --dst "$DUT_V4" -c 1000 --max-seconds 10 --json \
        >"$OUT/preflight-send.json" 2>&1 || die "live frames: icmpguard_gen send failed: $(cat "$OUT/preflight-send.json")"
    sleep 0.3
    after=$(sink_replies ipv4 0)
    [ $((after - before)) -ge 990 ] ||
        die "live frames: 1000 echo requests sent, $((after - before)) replies counted by the sink (frames not delivered, or invalid)"
}

# sink_replies FAMILY TYPE: replies to gen's own address counted on vg
sink_replies() {
    timeout 15 nsenter --net="/run/netns/$NS_GEN" -- "$GEN" sink read --pin "$SNAP_SINK" --json |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["icmp"].get(sys.argv[1],{}).get(sys.argv[2],{}).get("legit",0))' "$1" "$2"
}

# ---- one scenario, one round ------------------------------------------------
FAILED=0
run_scenario() {
    local id=$1 dir=$RAW/r$ROUND/$1 args
    mkdir -p "$dir"
    args=$(scn_send_args "$id")
    if ! scn_setup "$id" "$dir" 2>"$dir/setup.err"; then
        fail_scenario "$id" "$dir" "set-up failed: $(tail -n 3 "$dir/setup.err")"
        return
    fi
    if ! snap_take "$dir" before 2>"$dir/snap.err"; then
        fail_scenario "$id" "$dir" "snapshot before failed: $(cat "$dir/snap.err")"
        return
    fi
    # shellcheck disable=SC2086 # args are words
    if ! timeout --kill-after=5 $((GEN_MAX_SECONDS + 30)) nsenter --net="/run/netns/$NS_GEN" -- \
        taskset -c "$BENCH_CPU" "$GEN" send -i "$GEN_IF" --src-mac "$GEN_MAC" --dst-mac "$DUT_MAC" \
        $args -c "$FRAMES" --max-seconds "$GEN_MAX_SECONDS" --json >"$dir/gen.json" 2>"$dir/gen.err"; then
        fail_scenario "$id" "$dir" "icmpguard_gen send failed: $(cat "$dir/gen.err")"
        return
    fi
    sleep 0.3 # the rings drain; everything after is counted too
    if ! snap_take "$dir" after 2>"$dir/snap.err"; then
        fail_scenario "$id" "$dir" "snapshot after failed: $(cat "$dir/snap.err")"
        return
    fi
    scn_teardown
    note "round $ROUND $id: $(python3 -c 'import json,sys; g=json.load(open(sys.argv[1])); print("%d frames offered in %.3f s (%.0f pps)" % (g["sent"], g["seconds"], g["pps"]))' "$dir/gen.json")"
}

fail_scenario() {
    echo "$3" >"$2/error"
    note "round $ROUND $1: FAILED: $3"
    FAILED=1
    scn_teardown
}

# ---- main -------------------------------------------------------------------
preflight
mkdir -p "$RAW" || die "cannot create $RAW"
SNAP_SINK=$PIN_BASE/sink-vg

cleanup() {
    ig_stop
    lab_down
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

lab_up || die "cannot build the lab (veth in namespaces)"
preflight_lab

ROUND=0
{
    echo "{"
    echo "\"frames\": $FRAMES, \"rounds\": $ROUNDS, \"quick\": $QUICK, \"cpu\": $BENCH_CPU,"
    echo "\"gen_max_seconds\": $GEN_MAX_SECONDS, \"scenarios\": \"${RUN_IDS[*]}\","
    echo "\"sysctls\": $(snap_sysctls | python3 -c 'import json,sys; print(json.dumps(dict(l.strip().split(" = ",1) for l in sys.stdin if " = " in l)))'),"
    echo "\"veth_gro_vd\": \"$(in_dut ethtool -k "$DUT_IF" | sed -n 's/^generic-receive-offload: //p')\","
    echo "\"vd_queues\": \"$(in_dut ethtool -l "$DUT_IF" 2>/dev/null | awk '/Current/ { c = 1 } c && /Combined|RX/ { printf "%s%s %s", s, $1, $2; s = ", " }')\","
    echo "\"sink\": \"$(tr -d '\n"' <"$OUT/sink-attach.txt")\""
    echo "}"
} >"$RAW/meta.json"

T0=$(date +%s)
# stop early rather than be killed: the rounds that ran are still reported
LONGEST=5
out_of_time() {
    [ -n "$DEADLINE" ] && [ $(($(date +%s) + LONGEST + 10)) -gt "$DEADLINE" ]
}
for ROUND in $(seq "$ROUNDS"); do
    for id in "${RUN_IDS[@]}"; do
        if out_of_time; then
            note "time bound reached: round $ROUND stops before $id"
            FAILED=1
            break 2
        fi
        t=$(date +%s)
        run_scenario "$id"
        t=$(($(date +%s) - t))
        [ "$t" -gt "$LONGEST" ] && LONGEST=$t
    done
done
note "system tier: $ROUNDS round(s) x ${#RUN_IDS[@]} scenarios in $(($(date +%s) - T0)) s"

python3 "$ROOT/bench/lib/system_report.py" "$RAW" --json "$OUT/system.json" --md "$OUT/system.md" || FAILED=1
exit $FAILED
