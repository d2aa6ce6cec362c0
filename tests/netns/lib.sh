# Shared set-up for netns tests: a two-namespace lab joined by one veth pair,
# both ends inside namespaces this script creates (never the root namespace),
# documentation addresses only, removed on exit by a trap, also on failure.
#
#   client ns  vc 198.51.100.1/24 2001:db8::1/64  <-veth->  vs 198.51.100.2/24 2001:db8::2/64  server ns
#
# Exit code 77 means "skipped" to ctest (SKIP_RETURN_CODE); the message says why.

LAB_ID="ig$$"
NS_C="${LAB_ID}c"
NS_S="${LAB_ID}s"
BG_PIDS=()

# ICMPGUARD_NO_SKIP=1 (CI) turns a skip into a failure: CI must run everything.
skip() {
    if [ "${ICMPGUARD_NO_SKIP:-0}" = 1 ]; then echo "FAIL (skip not allowed): $*" >&2; exit 1; fi
    echo "SKIP: $*"
    exit 77
}
fail() { echo "FAIL: $*" >&2; exit 1; }
log() { echo "# $*"; }

in_client() { nsenter --net="/run/netns/$NS_C" -- "$@"; }
in_server() { nsenter --net="/run/netns/$NS_S" -- "$@"; }

lab_cleanup() {
    local pid
    for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    # deleting a namespace deletes its veth end, and with it every XDP program
    ip netns del "$NS_C" 2>/dev/null || true
    ip netns del "$NS_S" 2>/dev/null || true
}

lab_require() {
    [ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, XDP attach)"
    local tool
    for tool in ip nsenter nstat ping "$@"; do
        command -v "$tool" >/dev/null || skip "$tool not installed (scripts/setup installs it)"
    done
    # libxdp keeps its dispatcher state on bpffs; nsenter --net keeps our mounts
    if ! mountpoint -q /sys/fs/bpf; then
        mount -t bpf bpf /sys/fs/bpf || skip "cannot mount bpffs on /sys/fs/bpf"
    fi
}

# MAC address of interface $2 in namespace $1 (nsenter --net keeps the root
# namespace's /sys: ask the namespace itself).
ns_mac() {
    ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'
}

lab_up() {
    trap lab_cleanup EXIT
    ip netns add "$NS_C" || skip "cannot create network namespaces"
    ip netns add "$NS_S"
    ip link add vc netns "$NS_C" type veth peer name vs netns "$NS_S"
    in_client ip link set lo up
    in_server ip link set lo up
    in_client sysctl -qw net.ipv6.conf.vc.accept_dad=0
    in_server sysctl -qw net.ipv6.conf.vs.accept_dad=0
    in_client ip addr add 198.51.100.1/24 dev vc
    in_client ip addr add 2001:db8::1/64 dev vc nodad
    in_server ip addr add 198.51.100.2/24 dev vs
    in_server ip addr add 2001:db8::2/64 dev vs nodad
    in_client ip link set vc up
    in_server ip link set vs up
    # permanent neighbours: no ARP/ND chatter in the counters we compare
    local mac_c mac_s
    mac_c=$(ns_mac "$NS_C" vc)
    mac_s=$(ns_mac "$NS_S" vs)
    in_client ip neigh replace 198.51.100.2 lladdr "$mac_s" dev vc nud permanent
    in_client ip neigh replace 2001:db8::2 lladdr "$mac_s" dev vc nud permanent
    in_server ip neigh replace 198.51.100.1 lladdr "$mac_c" dev vs nud permanent
    in_server ip neigh replace 2001:db8::1 lladdr "$mac_c" dev vs nud permanent
}

# Value of one nstat counter (absolute, so no history file is involved).
nstat_value() {
    local ns=$1 name=$2
    nsenter --net="/run/netns/$ns" -- nstat -asz "$name" 2>/dev/null | awk -v n="$name" '$1 == n { print $2; f = 1 } END { if (!f) print 0 }'
}

# From a counters dump of icmpguard_lab: packets of "counter FAMILY TYPE ACTION".
lab_counter() {
    local file=$1 family=$2 type=$3 action=$4
    awk -v f="$family" -v t="$type" -v a="$action" '$1 == "counter" && $2 == f && $3 == t && $4 == a { p = $5 } END { print p + 0 }' "$file"
}

lab_reason() {
    local file=$1 family=$2 reason=$3
    awk -v f="$family" -v r="$reason" '$1 == "reason" && $2 == f && $3 == r { p = $4 } END { print p + 0 }' "$file"
}

# ---- the icmpguard daemon inside the server namespace ----------------------
# ICMPGUARD: path of the binary; PIN_ROOT: a private pin root for this test.
PIN_ROOT="/sys/fs/bpf/icmpguard-test-$LAB_ID"
DAEMON_PID=""
DAEMON_LOG=""

daemon_cleanup() {
    [ -n "$DAEMON_PID" ] && kill -TERM "$DAEMON_PID" 2>/dev/null && wait "$DAEMON_PID" 2>/dev/null
    DAEMON_PID=""
    lab_cleanup
    rm -rf "$PIN_ROOT" 2>/dev/null || true
    [ -n "$DAEMON_LOG" ] && rm -f "$DAEMON_LOG"
    return 0
}

# Write a config for the server veth: write_config FILE [extra TOML...]
write_config() {
    local file=$1; shift
    { printf '[[interface]]\nname = "vs"\nmode = "native"\n'; printf '%s\n' "$@"; } > "$file"
}

# Start `icmpguard run` in the server namespace and wait until it is running:
# daemon_start CONFIG [extra run flags...]
daemon_start() {
    local config=$1; shift
    DAEMON_LOG=${DAEMON_LOG:-$(mktemp)}
    nsenter --net="/run/netns/$NS_S" -- "$ICMPGUARD" --pin-root "$PIN_ROOT" run -c "$config" "$@" >>"$DAEMON_LOG" 2>&1 &
    DAEMON_PID=$!
    local before
    before=$(grep -c 'msg=running' "$DAEMON_LOG" || true)
    for _ in $(seq 150); do
        [ "$(grep -c 'msg=running' "$DAEMON_LOG" || true)" -gt "$before" ] && return 0
        kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$DAEMON_LOG"; fail "icmpguard run exited early"; }
        sleep 0.1
    done
    cat "$DAEMON_LOG"
    fail "icmpguard run did not become ready in 15 s"
}

daemon_stop() {
    kill -TERM "$DAEMON_PID"
    local rc=0
    wait "$DAEMON_PID" || rc=$?
    DAEMON_PID=""
    [ "$rc" -eq 0 ] || { cat "$DAEMON_LOG"; fail "icmpguard run exited $rc on SIGTERM"; }
}

# Run an icmpguard CLI command in the server namespace with the test's pins.
ig() { nsenter --net="/run/netns/$NS_S" -- "$ICMPGUARD" --pin-root "$PIN_ROOT" "$@"; }

# Packets of (family, icmp_type, action) from `icmpguard stats -j`.
stats_packets() {
    ig stats -j | /usr/bin/python3 -c '
import json, sys
fam, typ, act = sys.argv[1:4]
print(sum(r["packets"] for r in json.load(sys.stdin)
          if r["family"] == fam and r["icmp_type"] == typ and r["action"] == act))' "$@"
}

# wait_for COUNT SECONDS CMD...: poll until CMD succeeds.
wait_for() {
    local tries=$1; shift
    for _ in $(seq "$tries"); do "$@" && return 0; sleep 0.1; done
    return 1
}

xdp_attached() { ip -n "$NS_S" link show vs | grep -q 'prog/xdp'; }

# The common start of a daemon test: daemon_lab ICMPGUARD LAB_TOOL [tools...]
# checks privileges and tools, builds the lab, arms the cleanup and gives the
# client veth its XDP_PASS program (a veth only receives XDP_TX frames when
# its peer runs XDP too).
daemon_lab() {
    ICMPGUARD=${1:?usage: $0 PATH/TO/icmpguard PATH/TO/icmpguard_lab}
    LAB_TOOL=${2:?usage: $0 PATH/TO/icmpguard PATH/TO/icmpguard_lab}
    shift 2
    lab_require "$@"
    lab_up
    trap daemon_cleanup EXIT
    in_client "$LAB_TOOL" pass --iface vc || fail "attaching XDP_PASS on the client veth"
}
