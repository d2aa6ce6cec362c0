# shellcheck shell=bash
# bench/lib/lab.sh: the system tier's two-namespace lab (BENCH-NOTES §3).
# Sourced by bench/system.sh; one job: create, describe and delete the lab.
#
#   gen ns  vg 198.51.100.1/24 2001:db8::1/64  <-veth->  vd 198.51.100.2/24 2001:db8::2/64  dut ns
#
# Both veth ends are created inside namespaces this script creates; nothing
# goes in the root namespace. Documentation and benchmarking addresses only
# (198.51.100.0/24, 2001:db8::/32; the generator's random sources stay in
# 198.18.0.0/15 and 2001:db8::/32). DAD and router solicitations are off.
# The caller arms lab_down in its trap.

LAB_ID="igb$$"
NS_GEN="gen-$LAB_ID"
NS_DUT="dut-$LAB_ID"
GEN_IF=vg
DUT_IF=vd
GEN_V4=198.51.100.1
DUT_V4=198.51.100.2
GEN_V6=2001:db8::1
DUT_V6=2001:db8::2
# private bpffs directory for the sinks' links and the daemon's pins
PIN_BASE="/sys/fs/bpf/icmpguard-bench-$LAB_ID"

# nsenter --net keeps the root namespace's mounts (bpffs; `ip netns exec`
# would remount /sys and lose it: BENCH-NOTES §6)
in_gen() { nsenter --net="/run/netns/$NS_GEN" -- "$@"; }
in_dut() { nsenter --net="/run/netns/$NS_DUT" -- "$@"; }

# MAC of interface $2 in namespace $1 (ask the namespace, not /sys)
lab_mac() { ip -n "$1" -o link show "$2" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }

lab_up() {
    ip netns add "$NS_GEN" || return 1
    ip netns add "$NS_DUT" || return 1
    ip link add "$GEN_IF" netns "$NS_GEN" type veth peer name "$DUT_IF" netns "$NS_DUT" || return 1
    local ns ifc
    for ns in "$NS_GEN" "$NS_DUT"; do
        ifc=$GEN_IF
        [ "$ns" = "$NS_DUT" ] && ifc=$DUT_IF
        ip -n "$ns" link set lo up
        nsenter --net="/run/netns/$ns" -- sysctl -qw "net.ipv6.conf.$ifc.accept_dad=0" \
            "net.ipv6.conf.$ifc.accept_ra=0" "net.ipv6.conf.$ifc.router_solicitations=0" \
            "net.ipv6.conf.default.accept_dad=0"
    done
    ip -n "$NS_GEN" addr add "$GEN_V4/24" dev "$GEN_IF"
    ip -n "$NS_GEN" addr add "$GEN_V6/64" dev "$GEN_IF" nodad
    ip -n "$NS_DUT" addr add "$DUT_V4/24" dev "$DUT_IF"
    ip -n "$NS_DUT" addr add "$DUT_V6/64" dev "$DUT_IF" nodad
    ip -n "$NS_GEN" link set "$GEN_IF" up
    ip -n "$NS_DUT" link set "$DUT_IF" up
    GEN_MAC=$(lab_mac "$NS_GEN" "$GEN_IF")
    DUT_MAC=$(lab_mac "$NS_DUT" "$DUT_IF")
    # permanent neighbours in dut for gen's addresses: the sink drops ARP and
    # ND, so the kernel's replies would otherwise stall on resolution
    ip -n "$NS_DUT" neigh replace "$GEN_V4" lladdr "$GEN_MAC" dev "$DUT_IF" nud permanent
    ip -n "$NS_DUT" neigh replace "$GEN_V6" lladdr "$GEN_MAC" dev "$DUT_IF" nud permanent
    ip -n "$NS_GEN" neigh replace "$DUT_V4" lladdr "$DUT_MAC" dev "$GEN_IF" nud permanent
    ip -n "$NS_GEN" neigh replace "$DUT_V6" lladdr "$DUT_MAC" dev "$GEN_IF" nud permanent
    mkdir -p "$PIN_BASE"
}

# Detach every XDP program on both veths (sinks' links are pinned, the
# daemon's and nft's go with it), then delete the namespaces and the pins.
# Safe to call twice and from a trap.
lab_down() {
    local d
    for d in "$PIN_BASE"/sink-*; do
        [ -d "$d" ] && in_gen "$GEN" sink detach --pin "$d" >/dev/null 2>&1
        [ -d "$d" ] && in_dut "$GEN" sink detach --pin "$d" >/dev/null 2>&1
    done
    ip -n "$NS_DUT" link set dev "$DUT_IF" xdp off 2>/dev/null
    ip -n "$NS_GEN" link set dev "$GEN_IF" xdp off 2>/dev/null
    ip netns del "$NS_GEN" 2>/dev/null
    ip netns del "$NS_DUT" 2>/dev/null
    [ -n "$PIN_BASE" ] && rm -rf "$PIN_BASE" 2>/dev/null
    return 0
}
