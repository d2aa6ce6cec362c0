#!/bin/bash
# Local-address sync: an address added to the server at run time is answered
# by XDP within a second; once removed it is no longer answered (not by XDP,
# and not by the kernel either, since it is no longer the host's). A new MAC
# is followed, and an interface deleted and re-created is attached again on
# SIGHUP.
#
# usage: daemon_addresses.sh PATH/TO/icmpguard PATH/TO/icmpguard_lab
set -euo pipefail
. "$(dirname "$0")/lib.sh"

daemon_lab "${1:-}" "${2:-}"
in_client ip addr add 203.0.113.1/24 dev vc
in_client ip addr add 2001:db8:1::1/64 dev vc nodad
mac_s=$(ns_mac "$NS_S" vs)
in_client ip neigh replace 203.0.113.2 lladdr "$mac_s" dev vc nud permanent
in_client ip neigh replace 2001:db8:1::2 lladdr "$mac_s" dev vc nud permanent

cfg=$(mktemp --suffix .toml)
write_config "$cfg"
daemon_start "$cfg"

# not yet an address of the server: nobody answers
in_client ping -4 -n -q -c 2 -i 0.1 -W 1 203.0.113.2 >/dev/null 2>&1 && fail "203.0.113.2 answered before it was added"

in_server ip addr add 203.0.113.2/24 dev vs
in_server ip addr add 2001:db8:1::2/64 dev vs nodad
in_server ip neigh replace 203.0.113.1 lladdr "$(ns_mac "$NS_C" vc)" dev vs nud permanent
in_server ip neigh replace 2001:db8:1::1 lladdr "$(ns_mac "$NS_C" vc)" dev vs nud permanent
sleep 1   # the contract: answered within a second
r4=$(stats_packets ipv4 echo-request reply)
r6=$(stats_packets ipv6 echo-request reply)
in_client ping -4 -n -q -c 3 -i 0.05 -W 1 203.0.113.2 | grep -q ' 3 received' || fail "added 203.0.113.2 not answered"
in_client ping -6 -n -q -c 3 -i 0.05 -W 1 2001:db8:1::2 | grep -q ' 3 received' || fail "added 2001:db8:1::2 not answered"
[ "$(stats_packets ipv4 echo-request reply)" -eq $((r4 + 3)) ] || fail "203.0.113.2 was not answered by XDP"
[ "$(stats_packets ipv6 echo-request reply)" -eq $((r6 + 3)) ] || fail "2001:db8:1::2 was not answered by XDP"
log "added addresses answered by XDP"

in_server ip addr del 203.0.113.2/24 dev vs
in_server ip addr del 2001:db8:1::2/64 dev vs
sleep 1
r4=$(stats_packets ipv4 echo-request reply)
r6=$(stats_packets ipv6 echo-request reply)
in_client ping -4 -n -q -c 2 -i 0.1 -W 1 203.0.113.2 >/dev/null 2>&1 && fail "removed 203.0.113.2 still answered"
in_client ping -6 -n -q -c 2 -i 0.1 -W 1 2001:db8:1::2 >/dev/null 2>&1 && fail "removed 2001:db8:1::2 still answered"
[ "$(stats_packets ipv4 echo-request reply)" -eq "$r4" ] || fail "XDP answered a removed IPv4 address"
[ "$(stats_packets ipv6 echo-request reply)" -eq "$r6" ] || fail "XDP answered a removed IPv6 address"
# the original address is untouched by all this
in_client ping -4 -n -q -c 2 -i 0.05 198.51.100.2 | grep -q ' 2 received' || fail "198.51.100.2 stopped answering"

# a new MAC on the server (bond fail-over, VRRP): XDP keeps answering
# (found in review: the program kept comparing frames with the old MAC)
in_server ip link set vs address 02:00:00:00:00:99
in_client ip neigh replace 198.51.100.2 lladdr 02:00:00:00:00:99 dev vc nud permanent
sleep 0.5
r4=$(stats_packets ipv4 echo-request reply)
in_client ping -4 -n -q -c 3 -i 0.05 -W 1 198.51.100.2 | grep -q ' 3 received' || fail "no answer after a MAC change"
[ "$(stats_packets ipv4 echo-request reply)" -eq $((r4 + 3)) ] || fail "after a MAC change the replies did not come from XDP"
log "MAC change followed"

# the interface deleted and re-created, then SIGHUP: attached again
ip -n "$NS_S" link del vs
ip link add vc2 netns "$NS_C" type veth peer name vs netns "$NS_S"
in_client ip link set vc2 up
in_client ip addr add 198.51.100.11/24 dev vc2
in_server ip addr add 198.51.100.2/24 dev vs
in_server ip link set vs up
in_client "$LAB_TOOL" pass --iface vc2
mac_s=$(ns_mac "$NS_S" vs)
mac_c2=$(ns_mac "$NS_C" vc2)
in_client ip neigh replace 198.51.100.2 lladdr "$mac_s" dev vc2 nud permanent
in_server ip neigh replace 198.51.100.11 lladdr "$mac_c2" dev vs nud permanent
kill -HUP "$DAEMON_PID"
wait_for 50 bash -c "grep -q 'attaching again' '$DAEMON_LOG'" || fail "the re-created interface was not re-attached: $(tail -5 "$DAEMON_LOG")"
wait_for 50 xdp_attached || fail "no XDP program on the re-created interface"
sleep 0.3
r4=$(stats_packets ipv4 echo-request reply)
in_client ping -4 -n -q -c 3 -i 0.05 -W 1 -I vc2 198.51.100.2 | grep -q ' 3 received' || fail "no answer on the re-created interface"
[ "$(stats_packets ipv4 echo-request reply)" -eq $((r4 + 3)) ] || fail "the re-created interface is not answered by XDP"
log "re-created interface attached again on SIGHUP"

daemon_stop
echo "PASS: addresses added at run time answered by XDP, removed ones not; MAC change and re-created interface handled"
