#!/bin/bash
# Metrics scrape benchmark (not a test): time and size of a scrape of the
# daemon's /metrics with every ICMP type of both families counted under
# every action the program can take today (pass, drop, reply, would_drop,
# would_reply; rate_limited needs the limiter) on 2 interfaces: the largest
# exposition icmpguard can produce. Target (issue: monitoring export): a
# scrape under 20 ms.
#
#   client ns  vc  198.51.100.1  2001:db8::1    <-veth->  vs  ...2   server ns
#              vc2 203.0.113.1   2001:db8:1::1  <-veth->  vs2 ...2
#
# Counters are filled with traffic: one ICMP packet of each type 0-255 per
# family and interface (raw sockets, python3), in three policy phases:
# every type pass; every type drop (force) but echo-request reply; the same
# in shadow mode. 3 x 1024 packets, no flood. Then SCRAPES scrapes, one
# connection each, timed by the client (python3 perf_counter) and by the
# server (prometheus-cpp's exposer_request_latencies, in microseconds).
#
# Also: the daemon's CPU per scrape (utime + stime from /proc/PID/stat over
# each batch of scrapes), the same scrapes with 1 interface (the config
# reloaded to vs alone, its counters as filled), VmRSS / VmHWM at start and
# after the scrapes, and the BPF map memory of the daemon's programs.
#
# usage: bench/metrics_bench.sh [--quick] [--json FILE] [BUILD_DIR]
# Prints a Markdown table (and with --json the same figures as JSON; this is
# how scripts/bench's control-plane tier runs it). Needs root. Removes
# everything it creates.
set -euo pipefail
. "$(dirname "$0")/lib/control_args.sh"
. "$ROOT/tests/netns/lib.sh"
. "$ROOT/tests/netns/metrics_lib.sh"
. "$ROOT/bench/lib/memlock.sh"
lab_require python3 curl promtool
lab_up
trap daemon_cleanup EXIT
SCRAPES=200
[ $QUICK = 1 ] && SCRAPES=20

# the second pair, between the same namespaces
ip link add vc2 netns "$NS_C" type veth peer name vs2 netns "$NS_S"
in_client sysctl -qw net.ipv6.conf.vc2.accept_dad=0
in_server sysctl -qw net.ipv6.conf.vs2.accept_dad=0
in_client ip addr add 203.0.113.1/24 dev vc2
in_client ip addr add 2001:db8:1::1/64 dev vc2 nodad
in_server ip addr add 203.0.113.2/24 dev vs2
in_server ip addr add 2001:db8:1::2/64 dev vs2 nodad
in_client ip link set vc2 up
in_server ip link set vs2 up
mac_c2=$(ip -n "$NS_C" -o link show vc2 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
mac_s2=$(ip -n "$NS_S" -o link show vs2 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')
in_client ip neigh replace 203.0.113.2 lladdr "$mac_s2" dev vc2 nud permanent
in_client ip neigh replace 2001:db8:1::2 lladdr "$mac_s2" dev vc2 nud permanent
in_server ip neigh replace 203.0.113.1 lladdr "$mac_c2" dev vs2 nud permanent
in_server ip neigh replace 2001:db8:1::1 lladdr "$mac_c2" dev vs2 nud permanent
in_client "$LAB_TOOL" pass --iface vc
in_client "$LAB_TOOL" pass --iface vc2

# config: both interfaces, metrics on, a rule for every type of both families
# write_phase FILE pass|drop [shadow]; PHASE_IFACES: the interfaces (default both)
PHASE_IFACES="vs vs2"
write_phase() {
    local file=$1 what=$2 mode=${3:-enforce} fam t i
    {
        for i in $PHASE_IFACES; do printf '[[interface]]\nname = "%s"\nmode = "native"\n' "$i"; done
        printf '[metrics]\nlisten = "127.0.0.1:%s"\n[policy]\npreset = "permissive"\nmode = "%s"\n' "$METRICS_PORT" "$mode"
        for fam in ipv4 ipv6; do
            printf '[policy.%s]\n' "$fam"
            for t in $(seq 0 255); do
                if [ "$what" = pass ]; then
                    printf '"%d" = "pass"\n' "$t"
                elif { [ $fam = ipv4 ] && [ "$t" = 8 ]; } || { [ $fam = ipv6 ] && [ "$t" = 128 ]; }; then
                    printf '"%d" = "reply"\n' "$t"
                else
                    printf '"%d" = { action = "drop", force = true }\n' "$t"
                fi
            done
        done
    } >"$file"
}

# one ICMP packet of each listed type per family, to both server addresses:
# send_types named|rest (named: the types nft has a name for; rest: the others)
send_types() {
    in_client /usr/bin/python3 - "$1" <<'EOF'
import socket, struct, sys, time
NAMED4 = {0, 3, 4, 5, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}
NAMED6 = {1, 2, 3, 4} | set(range(128, 139)) | {141, 142, 143}
def pick(named):
    return sorted(named) if sys.argv[1] == "named" else sorted(set(range(256)) - named)
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
s4 = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s6 = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)  # the kernel sums ICMPv6
data = b"icmpguard-metrics-bench!"
sent = 0
for fam, types in ((4, pick(NAMED4)), (6, pick(NAMED6))):
    for t in types:
        body = struct.pack("!BBHHH", t, 0, 0, 0x1234, t) + data
        if fam == 4:
            body = body[:2] + struct.pack("!H", csum(body)) + body[4:]
            for dst in ("198.51.100.2", "203.0.113.2"):
                s4.sendto(body, (dst, 0))
        else:
            for dst in ("2001:db8::2", "2001:db8:1::2"):
                s6.sendto(body, (dst, 0))
        sent += 2
        if sent % 64 == 0:
            time.sleep(0.01)  # let the veth queues drain
EOF
}

RELOADS=0
# reload_to pass|drop [shadow]: rewrite the config, SIGHUP, wait for the reload
reload_to() {
    write_phase "$cfg" "$@"
    RELOADS=$((RELOADS + 1))
    kill -HUP "$DAEMON_PID"
    wait_for 100 bash -c "[ \$(grep -c 'msg=reloaded' '$DAEMON_LOG') -ge $RELOADS ]" || fail "reload $RELOADS failed"
}

# fill TYPES: the listed types under every action: pass, then drop (echo
# request: reply), then the same in shadow mode (would_drop, would_reply)
fill() {
    reload_to pass
    send_types "$1"
    reload_to drop
    send_types "$1"
    reload_to drop shadow
    send_types "$1"
}

cfg=$(mktemp --suffix .toml)
write_phase "$cfg" pass
daemon_start "$cfg"

# a scrape with almost nothing counted yet
# time_scrapes N [gzip] -> "median p90 max size series server_mean" (ms, bytes,
# ms); server_mean from prometheus-cpp's own latency summary over these N
time_scrapes() {
    in_server /usr/bin/python3 - "$1" "$METRICS_PORT" "${2:-}" <<'EOF'
import gzip, re, socket, statistics, sys, time
n, port, gz = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "gzip"
def server_total(body):
    text = body.decode()
    s = re.search(r"^exposer_request_latencies_sum (\S+)$", text, re.M)
    c = re.search(r"^exposer_request_latencies_count (\S+)$", text, re.M)
    return float(s.group(1)), float(c.group(1))
times, body = [], b""
accept = b"Accept-Encoding: gzip\r\n" if gz else b""
for i in range(n + 1):
    t0 = time.perf_counter()
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: bench\r\n" + accept + b"Connection: close\r\n\r\n")
    chunks = []
    while True:
        d = s.recv(262144)
        if not d:
            break
        chunks.append(d)
    s.close()
    head, body = b"".join(chunks).split(b"\r\n\r\n", 1)
    size = len(body)
    if b"Content-Encoding: gzip" in head:
        body = gzip.decompress(body)
    if i == 0:  # the first scrape only reads where the server's summary starts
        sum0, count0 = server_total(body)
        continue
    times.append((time.perf_counter() - t0) * 1000)
sum1, count1 = server_total(body)  # as of the scrape before the last
times.sort()
series = sum(1 for l in body.split(b"\n") if l.startswith(b"icmpguard_"))
server = (sum1 - sum0) / max(1, count1 - count0) / 1000
print("%.2f %.2f %.2f %d %d %.2f" % (statistics.median(times), times[int(0.9 * (n - 1))], times[-1], size, series, server))
EOF
}
rss() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DAEMON_PID/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DAEMON_PID/stat"; }
HZ_TICKS=$(getconf CLK_TCK)
rss_start=$(rss VmRSS)
TMP_JSON=$(mktemp)
# cpu_scrapes N [gzip]: time_scrapes plus the daemon's CPU per scrape (ms;
# utime + stime over the N + 1 scrapes, in ticks of 1/CLK_TCK s)
cpu_scrapes() {
    local c0 c1 out
    c0=$(cpu_ticks)
    out=$(time_scrapes "$@")
    c1=$(cpu_ticks)
    echo "$out $(awk -v d=$((c1 - c0)) -v hz="$HZ_TICKS" -v n="$1" 'BEGIN { printf "%.2f", 1000 * d / hz / (n + 1) }')"
}
read -r e_med e_p90 e_max e_size e_series e_server e_cpu <<<"$(cpu_scrapes "$SCRAPES")"

# measure LABEL: both encodings; prints one table row
measure() {
    local text a n per_iface pairs lint
    text=$(scrape)
    for a in pass drop reply would_drop would_reply; do
        n=$(grep -c "^icmpguard_packets_total{.*action=\"$a\"}" <<<"$text" || true)
        [ "$n" -gt 0 ] || fail "no $a series after the fill"
    done
    per_iface=$(grep '^icmpguard_packets_total{' <<<"$text" | sed 's/.*interface="\([^"]*\)".*/\1/' | sort | uniq -c |
        awk '{ printf "%s%s %s", sep, $2, $1; sep = ", " }')
    pairs=$(grep '^icmpguard_packets_total{' <<<"$text" | sed 's/.*family="\([^"]*\)",icmp_type="\([^"]*\)".*/\1 \2/' | sort -u | wc -l)
    lint=$(promtool check metrics <<<"$text" 2>&1 | wc -l || true)
    [ "$lint" -eq 0 ] || fail "promtool check metrics reports $lint lines"
    read -r f_med f_p90 f_max f_size f_series f_server f_cpu <<<"$(cpu_scrapes "$SCRAPES")"
    read -r g_med g_p90 g_max g_size g_series g_server g_cpu <<<"$(cpu_scrapes "$SCRAPES" gzip)"
    echo "| $1: $pairs family/type pairs, packet series per interface: $per_iface; $f_series icmpguard lines, $((f_size / 1024)) KiB | $f_med / $f_p90 / $f_max ms ($f_server); CPU $f_cpu ms | $g_med / $g_p90 / $g_max ms ($g_server), $((g_size / 1024)) KiB; CPU $g_cpu ms |"
    printf '{"state": "%s", "interfaces": %d, "lines": %d, "bytes": %d, "text_ms": {"median": %s, "p90": %s, "max": %s, "server_mean": %s}, "text_cpu_ms_per_scrape": %s, "gzip_ms": {"median": %s, "p90": %s, "max": %s, "server_mean": %s}, "gzip_bytes": %d, "gzip_cpu_ms_per_scrape": %s}\n' \
        "$1" "$(wc -w <<<"$PHASE_IFACES")" "$f_series" "$f_size" "$f_med" "$f_p90" "$f_max" "$f_server" "$f_cpu" \
        "$g_med" "$g_p90" "$g_max" "$g_server" "$g_size" "$g_cpu" >>"$TMP_JSON"
}

fill named
rows=$(measure "nft-named types, every action")
fill rest
rows="$rows
$(measure "all 256 types, every action")"
# the same counters on 1 interface: vs alone (its counters as filled)
PHASE_IFACES=vs
reload_to drop shadow
rows="$rows
$(measure "all 256 types, every action, vs alone")"
rss_after=$(rss VmRSS)
hwm=$(rss VmHWM)
read -r maps memlock < <(daemon_map_memlock)

echo "Scrapes of http://127.0.0.1:$METRICS_PORT/metrics, 2 interfaces, $(nproc) CPUs, $SCRAPES scrapes per cell;"
echo "median / p90 / max as the client saw them (server mean: prometheus-cpp's exposer_request_latencies)."
echo "promtool check metrics: nothing reported in either state."
echo
echo "| Counters | text | gzip (as Prometheus asks) |"
echo "|---|---|---|"
echo "| nothing counted yet ($e_series icmpguard lines, $e_size bytes) | $e_med / $e_p90 / $e_max ms ($e_server); CPU $e_cpu ms | — |"
echo "$rows"
echo
echo "Daemon CPU per scrape: utime + stime over each batch of scrapes / scrapes (tick $((1000 / HZ_TICKS)) ms)."
echo "VmRSS at start / after all scrapes: $((rss_start / 1024)).$(( (rss_start % 1024) * 10 / 1024 )) / $((rss_after / 1024)).$(( (rss_after % 1024) * 10 / 1024 )) MiB, VmHWM $((hwm / 1024)).$(( (hwm % 1024) * 10 / 1024 )) MiB; BPF map memory of the daemon's $maps maps (vs only at the end): $((memlock / 1024)) KiB."
if [ -n "$JSON" ]; then
    {
        printf '{"tier": "control", "bench": "metrics", "quick": %d, "cpus": %d, "scrapes": %d,\n' "$QUICK" "$(nproc)" "$SCRAPES"
        printf ' "empty": {"interfaces": 2, "lines": %d, "bytes": %d, "text_ms": {"median": %s, "p90": %s, "max": %s, "server_mean": %s}, "text_cpu_ms_per_scrape": %s},\n' \
            "$e_series" "$e_size" "$e_med" "$e_p90" "$e_max" "$e_server" "$e_cpu"
        printf ' "states": [%s],\n' "$(paste -sd, "$TMP_JSON")"
        printf ' "rss_kib": {"start": %d, "after_scrapes": %d, "hwm": %d}, "bpf_maps": %d, "bpf_memlock_bytes": %d}\n' \
            "$rss_start" "$rss_after" "$hwm" "$maps" "$memlock"
    } >"$JSON"
fi
rm -f "$TMP_JSON"
daemon_stop
