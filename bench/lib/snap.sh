# shellcheck shell=bash
# bench/lib/snap.sh: absolute counter snapshots for the system tier
# (BENCH-NOTES §3 "record before and after each scenario"). One job: write
# every counter the lab has into files; bench/lib/system_report.py diffs
# them. Nothing is reset: nstat -a and ethtool -S are absolute.
#
# snap_take DIR WHEN   writes DIR/WHEN.{nstat,ethtool-vg,ethtool-vd,sink.json}
#                      and, when present, DIR/WHEN.{nft.json,stats.json}
# Needs lab.sh (in_gen, in_dut, names), GEN (icmpguard_gen), ICMPGUARD, and
# SNAP_SINK (the sink's pin dir), SNAP_IG_PINS (the daemon's pin root, or
# empty), SNAP_NFT=1 when a bench nft table exists.

SNAP_TIMEOUT=${SNAP_TIMEOUT:-15}

snap_take() {
    local dir=$1 when=$2
    local t="timeout $SNAP_TIMEOUT"
    $t nsenter --net="/run/netns/$NS_DUT" -- nstat -asz >"$dir/$when.nstat" || return 1
    $t nsenter --net="/run/netns/$NS_GEN" -- ethtool -S "$GEN_IF" >"$dir/$when.ethtool-vg" || return 1
    $t nsenter --net="/run/netns/$NS_DUT" -- ethtool -S "$DUT_IF" >"$dir/$when.ethtool-vd" || return 1
    $t nsenter --net="/run/netns/$NS_GEN" -- "$GEN" sink read --pin "$SNAP_SINK" --json >"$dir/$when.sink.json" || return 1
    if [ "${SNAP_NFT:-0}" = 1 ]; then
        $t nsenter --net="/run/netns/$NS_DUT" -- nft -j list ruleset >"$dir/$when.nft.json" || return 1
    fi
    if [ -n "${SNAP_IG_PINS:-}" ]; then
        $t nsenter --net="/run/netns/$NS_DUT" -- "$ICMPGUARD" --pin-root "$SNAP_IG_PINS" stats -j --reasons \
            >"$dir/$when.stats.json" || return 1
    fi
}

# The stock sysctls that decide the kernel's own ICMP answers (BENCH-NOTES §3),
# as "name = value" lines, read inside dut (they are per namespace).
snap_sysctls() {
    timeout "$SNAP_TIMEOUT" nsenter --net="/run/netns/$NS_DUT" -- sysctl \
        net.ipv4.icmp_echo_ignore_all net.ipv4.icmp_echo_ignore_broadcasts net.ipv4.icmp_ratemask \
        net.ipv4.icmp_ratelimit net.ipv4.icmp_msgs_per_sec net.ipv4.icmp_msgs_burst \
        net.ipv6.icmp.echo_ignore_all net.ipv6.icmp.ratemask net.ipv6.icmp.ratelimit
}
