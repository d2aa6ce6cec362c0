# shellcheck shell=bash
# bench/lib/daemon.sh: the real `icmpguard run` daemon on the dut veth, for
# the system tier's icmpguard scenarios. One job: start it with a bench
# config, check that it attached natively, stop it and remove its pins.
#
# Needs lab.sh, ICMPGUARD. Sets IG_PID, IG_PINS, IG_LOG.

IG_PID=""
IG_PINS=""
IG_LOG=""

# ig_config FILE LIMITER: a config for vd, native mode, the rfc4890 preset
# (answers echo requests, drops IPv4 timestamp requests: scenario C), and
# the limiter: off | admit (on, one source far within its limit: F) |
# flood (on, per-source 100,000 pps with a burst of 1,000, no aggregate
# ceiling, default LRU and new-source budget: G).
ig_config() {
    local file=$1 limiter=$2
    {
        printf '[[interface]]\nname = "%s"\nmode = "native"\n' "$DUT_IF"
        printf '[policy]\npreset = "rfc4890"\n[policy.ipv4]\n"timestamp-request" = "drop"\n'
        printf '[rate_limit]\n'
        case $limiter in
        off) printf 'enabled = false\n' ;;
        admit) printf 'enabled = true\necho_per_source_pps = 1000000000\ntotal_pps = 0\n' ;;
        flood)
            printf 'enabled = true\necho_per_source_pps = 100000\necho_per_source_burst = 1000\ntotal_pps = 0\n'
            if [ -n "${G_SOURCES:-}" ]; then printf 'sources = %s\n' "$G_SOURCES"; fi
            ;;
        *) return 1 ;;
        esac
    } >"$file"
}

# ig_start CONFIG PINS LOG STATUS: start the daemon in dut, wait (≤ 20 s)
# until it runs; `icmpguard status -j` (written to STATUS) must say native.
# Not in a subshell: it sets IG_PID.
ig_start() {
    IG_PINS=$2
    IG_LOG=$3
    nsenter --net="/run/netns/$NS_DUT" -- "$ICMPGUARD" --pin-root "$IG_PINS" run -c "$1" >>"$IG_LOG" 2>&1 &
    IG_PID=$!
    for _ in $(seq 200); do
        grep -q 'msg=running' "$IG_LOG" && break
        kill -0 "$IG_PID" 2>/dev/null || { echo "icmpguard run exited early: $(tail -n 5 "$IG_LOG")" >&2; IG_PID=""; return 1; }
        sleep 0.1
    done
    grep -q 'msg=running' "$IG_LOG" || { echo "icmpguard run not ready in 20 s: $(tail -n 5 "$IG_LOG")" >&2; return 1; }
    local status
    status=$(timeout 15 nsenter --net="/run/netns/$NS_DUT" -- "$ICMPGUARD" --pin-root "$IG_PINS" status -j) || {
        echo "icmpguard status failed" >&2
        return 1
    }
    echo "$status" >"$4"
    # fail if it fell back: generic numbers are not comparable (BENCH-NOTES §6)
    python3 -c 'import json,sys; s=json.load(sys.stdin); sys.exit(0 if s and all(r.get("attached") and r.get("mode")=="native" for r in s) else 1)' <<<"$status" ||
        { echo "icmpguard did not attach natively: $status" >&2; return 1; }
}

# ig_stop: SIGTERM (the daemon detaches), bounded; then make sure nothing is
# left on vd and remove the pins.
ig_stop() {
    if [ -n "$IG_PID" ]; then
        kill -TERM "$IG_PID" 2>/dev/null

        for _ in $(seq 100); do kill -0 "$IG_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$IG_PID" 2>/dev/null
        wait "$IG_PID" 2>/dev/null
        IG_PID=""
    fi
    ip -n "$NS_DUT" link set dev "$DUT_IF" xdp off 2>/dev/null
    [ -n "$IG_PINS" ] && rm -rf "$IG_PINS"
    IG_PINS=""
    return 0
}
