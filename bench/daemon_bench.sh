#!/bin/bash
# Control-plane benchmark (not a test): daemon resident memory, idle CPU,
# full reload time and `icmpguard stats` time, in a two-namespace lab.
# Targets (issue: daemon): RSS < 20 MB, reload < 50 ms, stats < 50 ms.
#
# usage: bench/daemon_bench.sh [--quick] [--json FILE] [BUILD_DIR]
# Prints a Markdown table (and with --json the same figures as JSON; this is
# how scripts/bench's control-plane tier runs it). Needs root. Removes
# everything it creates.
set -euo pipefail
. "$(dirname "$0")/lib/control_args.sh"
. "$ROOT/tests/netns/lib.sh"
. "$ROOT/bench/lib/memlock.sh"
lab_require hping3
lab_up
trap daemon_cleanup EXIT
in_client "$LAB_TOOL" pass --iface vc

RELOADS=100; STATS_RUNS=31; IDLE_S=10
[ $QUICK = 1 ] && { RELOADS=10; STATS_RUNS=5; IDLE_S=2; }

cfg=$(mktemp --suffix .toml)
write_config "$cfg" '[policy]' 'preset = "rfc4890"'
t0=$(date +%s%N)
daemon_start "$cfg"
t1=$(date +%s%N)
start_ms=$(( (t1 - t0) / 1000000 ))

rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
maxof() { sort -n | tail -1; }

# traffic so that counters are non-zero across families, types and actions
in_client ping -4 -q -c 20 -i 0.01 198.51.100.2 >/dev/null
in_client ping -6 -q -c 20 -i 0.01 2001:db8::2 >/dev/null
in_client hping3 --icmp --icmptype 13 -c 20 -i u1000 198.51.100.2 >/dev/null 2>&1 || true
in_client hping3 --icmp --icmptype 17 -c 20 -i u1000 198.51.100.2 >/dev/null 2>&1 || true

rss_start=$(rss VmRSS)
hz=$(getconf CLK_TCK)
c0=$(cpu_ticks); sleep "$IDLE_S"; c1=$(cpu_ticks)
idle_cpu=$(awk -v d=$((c1 - c0)) -v hz="$hz" -v s="$IDLE_S" 'BEGIN { printf "%.2f", 100 * d / hz / s }')

# full reloads: alternate two policies, read each reload's own duration
alt=$(mktemp --suffix .toml)
write_config "$alt" '[policy]' 'preset = "strict"'
rss_first=""
for i in $(seq "$RELOADS"); do
    if [ $((i % 2)) -eq 1 ]; then cp "$alt" "$cfg.next"; else write_config "$cfg.next" '[policy]' 'preset = "rfc4890"'; fi
    mv "$cfg.next" "$cfg"
    n=$(grep -c 'msg=reloaded' "$DAEMON_LOG" || true)
    kill -HUP "$DAEMON_PID"
    wait_for 100 bash -c "[ \$(grep -c 'msg=reloaded' '$DAEMON_LOG') -gt $n ]" || { echo "reload $i timed out" >&2; exit 1; }
    [ -n "$rss_first" ] || rss_first=$(rss VmRSS) # after the first reload's own allocations
done
reload_med=$(grep -o 'duration_ms=[0-9.]*' "$DAEMON_LOG" | cut -d= -f2 | median)
reload_max=$(grep -o 'duration_ms=[0-9.]*' "$DAEMON_LOG" | cut -d= -f2 | maxof)
rss_after=$(rss VmRSS)
hwm=$(rss VmHWM)

# stats over every counter slot (2 x 256 x 6 + 3 x 64, summed over CPUs)
stats_times=$(for _ in $(seq "$STATS_RUNS"); do
    s0=$(date +%s%N); ig stats -j --reasons >/dev/null; s1=$(date +%s%N)
    echo $(( (s1 - s0) / 1000 ))
done)
stats_med=$(echo "$stats_times" | median | awk '{ printf "%.1f", $1 / 1000 }')
stats_max=$(echo "$stats_times" | maxof | awk '{ printf "%.1f", $1 / 1000 }')
read -r maps memlock < <(daemon_map_memlock)

echo "| Measure (this VM, $(nproc) CPUs) | Value | Target |"
echo "|---|---|---|"
echo "| daemon start to ready (load + verify + attach + sync) | ${start_ms} ms | — |"
mib() { echo "$(($1 / 1024)).$(( ($1 % 1024) * 10 / 1024 ))"; }
echo "| RSS after start / after the first reload / after $RELOADS reloads / peak (VmHWM) | $(mib "$rss_start") / $(mib "$rss_first") / $(mib "$rss_after") / $(mib "$hwm") MiB | < 20 MB; no growth with reloads |"
echo "| idle CPU over ${IDLE_S} s | ${idle_cpu} % | — |"
echo "| full reload (parse, compile, write 512 rows, flip), median / max of $RELOADS | ${reload_med} / ${reload_max} ms | < 50 ms |"
echo "| \`icmpguard stats -j --reasons\` wall time, median / max of $STATS_RUNS | ${stats_med} / ${stats_max} ms | < 50 ms |"
echo "| BPF map memory of the daemon's $maps maps (bpftool memlock; $(nproc) possible CPUs) | $((memlock / 1024)) KiB | — |"
if [ -n "$JSON" ]; then
    cat >"$JSON" <<EOF
{"tier": "control", "bench": "daemon", "quick": $QUICK, "cpus": $(nproc),
 "start_ms": $start_ms,
 "rss_kib": {"start": $rss_start, "after_first_reload": $rss_first, "after_reloads": $rss_after, "hwm": $hwm},
 "rss_growth_over_reloads_kib": $((rss_after - rss_first)),
 "idle_cpu_percent": $idle_cpu, "idle_seconds": $IDLE_S,
 "reloads": $RELOADS, "reload_ms": {"median": $reload_med, "max": $reload_max},
 "stats_runs": $STATS_RUNS, "stats_ms": {"median": $stats_med, "max": $stats_max},
 "bpf_maps": $maps, "bpf_memlock_bytes": $memlock}
EOF
fi
daemon_stop
