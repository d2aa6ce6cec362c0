# shellcheck shell=bash
# bench/lib/scenarios.sh: what each system-tier scenario offers and how vd
# is configured for it (BENCH-NOTES §3 table). One job: the scenario table
# and the set-up / tear-down of vd. Needs lab.sh, daemon.sh, snap.sh.
#
# Id  frames (64 B)                        vd
# A   IPv4 echo request                    no XDP, GRO on: the kernel answers
# A6  IPv6 echo request                    no XDP, GRO on: the kernel answers
# B   IPv4 echo request                    icmpguard (daemon, native), limiter off
# B6  IPv6 echo request                    icmpguard, limiter off
# C   IPv4 timestamp request (13)          icmpguard, policy drops it
# C0  IPv4 timestamp request               empty XDP_DROP program (the sink in drop mode)
# D   IPv4 timestamp request               nft netdev ingress, priority -500, counter drop
# E   IPv4 timestamp request               nft ip prerouting, priority -300 (raw), counter drop
# N   IPv4 timestamp request               no filter: the kernel answers (type 14)
# F   IPv4 echo request                    icmpguard, limiter on, the source far within its limit
# Gr  IPv6 echo, a new /64 of 2001:db8::/32 per frame, gen's own address every 64th
#                                          icmpguard, limiter on (flood config)
# Gs  IPv6 echo from one source (2001:db8:ff::1), same count
#                                          icmpguard, limiter on (flood config)

SCENARIOS=(A A6 B B6 C C0 D E N F Gr Gs)
FLOOD_SRC6=2001:db8:ff::1

# scn_send_args ID: the generator options of scenario ID (after -i/MACs/-c)
scn_send_args() {
    case $1 in
    A | B | F) echo "-4 --src $GEN_V4 --dst $DUT_V4 --type 8" ;;
    A6 | B6) echo "-6 --src $GEN_V6 --dst $DUT_V6 --type 128" ;;
    C | C0 | D | E | N) echo "-4 --src $GEN_V4 --dst $DUT_V4 --type 13" ;;
    Gr) echo "-6 --src $GEN_V6 --dst $DUT_V6 --type 128 --random-src 2001:db8::/32 --legit-every 64 --seed $((ROUND + 1))" ;;
    Gs) echo "-6 --src $FLOOD_SRC6 --dst $DUT_V6 --type 128" ;;
    *) return 1 ;;
    esac
}

# scn_limiter ID: the daemon's limiter setting, or nothing (no daemon)
scn_limiter() {
    case $1 in
    B | B6 | C) echo off ;;
    F) echo admit ;;
    Gr | Gs) echo flood ;;
    esac
}

NFT_TABLE=icmpguard_bench

# scn_setup ID DIR: configure vd for scenario ID; the snapshot knobs follow
scn_setup() {
    local id=$1 dir=$2 limiter
    SNAP_NFT=0
    SNAP_IG_PINS=""
    # GRO on in every scenario without XDP on vd (A, D, E, N): frames that
    # arrive through ndo_xdp_xmit need vd's NAPI (BENCH-NOTES §3)
    in_dut ethtool -K "$DUT_IF" gro on >/dev/null 2>&1 || { echo "ethtool -K $DUT_IF gro on failed" >&2; return 1; }
    limiter=$(scn_limiter "$id")
    if [ -n "$limiter" ]; then
        ig_config "$dir/icmpguard.toml" "$limiter" || return 1
        ig_start "$dir/icmpguard.toml" "$PIN_BASE/ig-$ROUND-$id" "$dir/daemon.log" "$dir/status.json" || return 1
        SNAP_IG_PINS=$IG_PINS
        return 0
    fi
    case $id in
    C0)
        timeout 15 nsenter --net="/run/netns/$NS_DUT" -- "$GEN" sink attach -i "$DUT_IF" \
            --pin "$PIN_BASE/sink-vd" --mode drop >"$dir/attach.txt" || return 1
        ;;
    D)
        in_dut nft -f - <<NFT || return 1
table netdev $NFT_TABLE {
    chain ingress {
        type filter hook ingress device "$DUT_IF" priority -500; policy accept;
        icmp type timestamp-request counter drop
    }
}
NFT
        SNAP_NFT=1
        ;;
    E)
        in_dut nft -f - <<NFT || return 1
table ip $NFT_TABLE {
    chain prerouting {
        type filter hook prerouting priority -300; policy accept;
        icmp type timestamp-request counter drop
    }
}
NFT
        SNAP_NFT=1
        ;;
    esac
    return 0
}

# scn_teardown ID: back to a clean vd (no XDP, no nft table)
scn_teardown() {
    ig_stop
    if [ -d "$PIN_BASE/sink-vd" ]; then
        timeout 15 nsenter --net="/run/netns/$NS_DUT" -- "$GEN" sink detach --pin "$PIN_BASE/sink-vd" >/dev/null 2>&1
        rm -rf "$PIN_BASE/sink-vd"
    fi
    in_dut nft delete table netdev "$NFT_TABLE" 2>/dev/null
    in_dut nft delete table ip "$NFT_TABLE" 2>/dev/null
    ip -n "$NS_DUT" link set dev "$DUT_IF" xdp off 2>/dev/null
    SNAP_NFT=0
    SNAP_IG_PINS=""
    return 0
}
