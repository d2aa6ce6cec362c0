#!/bin/bash
# Drop capture end to end: `icmpguard capture` writes the packets the
# program dropped during a bounded burst to a pcap file that tshark reads:
# policy drops (IPv4 timestamp requests) with --action drop, refused packets
# (an echo with a bad ICMP checksum) with --action invalid. Replies are
# never captured, and the capture is switched off again when it ends.
#
# usage: capture_e2e.sh PATH/TO/icmpguard PATH/TO/icmpguard_lab
set -euo pipefail
ICMPGUARD=${1:?usage: $0 icmpguard icmpguard_lab}
LAB_TOOL=${2:?usage: $0 icmpguard icmpguard_lab}
. "$(dirname "$0")/lib.sh"

lab_require hping3 tshark bpftool
[ -x /usr/bin/python3 ] && /usr/bin/python3 -c 'import scapy' 2>/dev/null || skip "python3-scapy missing (scripts/setup installs it)"
lab_up
trap 'daemon_cleanup; rm -f "${pcap:-}" "${pcap2:-}"' EXIT
in_client "$LAB_TOOL" pass --iface vc

cfg=$(mktemp --suffix .toml)
write_config "$cfg"
daemon_start "$cfg"
capture_on() { bpftool map dump pinned "$PIN_ROOT/v1/vs/capture_config" | grep -q '"classes": [1-9]'; }

# 1. policy drops: 8 timestamp requests, capture stops after 5
pcap=$(mktemp --suffix .pcap)
ig capture -i vs -a drop -c 5 -t 20 -w "$pcap" 2>"$pcap.log" &
cap_pid=$!
wait_for 50 capture_on || fail "capture did not switch on: $(cat "$pcap.log")"
in_client ping -4 -n -q -c 3 -i 0.05 198.51.100.2 | grep -q ' 3 received' || fail "ping"
in_client hping3 --icmp --icmptype 13 -c 8 -i u20000 198.51.100.2 >/dev/null 2>&1 || true
wait "$cap_pid" || fail "capture failed: $(cat "$pcap.log")"
log "capture: $(cat "$pcap.log")"
capture_on && fail "capture_config still on after the capture ended"
n=$(tshark -r "$pcap" 2>/dev/null | wc -l)
[ "$n" -eq 5 ] || fail "tshark read $n packets, expected 5"
types=$(tshark -r "$pcap" -T fields -e icmp.type 2>/dev/null | sort -u | tr '\n' ' ')
[ "$types" = "13 " ] || fail "captured ICMP types '$types', expected only 13 (no echo replies)"
srcs=$(tshark -r "$pcap" -T fields -e ip.src 2>/dev/null | sort -u | tr '\n' ' ')
[ "$srcs" = "198.51.100.1 " ] || fail "captured sources '$srcs'"

# 2. refused packets: echo requests with a bad ICMP checksum, --action invalid
pcap2=$(mktemp --suffix .pcap)
ig capture -i vs -a invalid -c 3 -t 20 -w "$pcap2" 2>"$pcap2.log" &
cap_pid=$!
wait_for 50 capture_on || fail "capture did not switch on"
mac_s=$(ns_mac "$NS_S" vs)
in_client /usr/bin/python3 - "$mac_s" <<'PY'
import sys
from scapy.all import Ether, IP, ICMP, Raw, sendp
frame = Ether(dst=sys.argv[1]) / IP(src="198.51.100.1", dst="198.51.100.2") / ICMP(type=8, chksum=0x1234) / Raw(b"x" * 32)
sendp(frame, iface="vc", count=3, inter=0.02, verbose=False)
PY
wait "$cap_pid" || fail "capture failed: $(cat "$pcap2.log")"
n=$(tshark -r "$pcap2" 2>/dev/null | wc -l)
[ "$n" -eq 3 ] || fail "tshark read $n refused packets, expected 3"
sums=$(tshark -r "$pcap2" -T fields -e icmp.checksum 2>/dev/null | sort -u | tr '\n' ' ')
[ "$sums" = "0x1234 " ] || fail "captured checksums '$sums', expected the sent bad one 0x1234"
[ "$(ig stats -j -r | grep -o '"reason":"icmp_bad_csum"' | wc -l)" -ge 1 ] || fail "no icmp_bad_csum counted"
rm -f "$pcap.log" "$pcap2.log"
daemon_stop
echo "PASS: 5 policy drops and 3 refused packets captured to pcap and read by tshark; capture switched off after"
