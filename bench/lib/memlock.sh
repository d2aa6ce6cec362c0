# shellcheck shell=bash
# bench/lib/memlock.sh: the BPF map memory of the running daemon's programs.
# One job: "MAPS BYTES" for the maps of the program(s) `icmpguard status -j`
# reports (their map_ids, bpftool's bytes_memlock), not every map on the
# host (other work on the machine has maps too). Per-CPU maps scale with the
# number of possible CPUs. Needs tests/netns/lib.sh's ig() (or an ig
# function of the same shape) and bpftool.
daemon_map_memlock() {
    local ids
    ids=$(ig status -j | /usr/bin/python3 -c 'import json, sys; print(" ".join(str(r["prog_id"]) for r in json.load(sys.stdin) if r.get("prog_id")))')
    [ -n "$ids" ] || { echo "0 0"; return; }
    local id
    for id in $ids; do bpftool -j prog show id "$id"; echo; done | /usr/bin/python3 -c '
import json, subprocess, sys
ids = set()
for line in sys.stdin:
    if line.strip():
        ids.update(json.loads(line).get("map_ids", []))
maps = json.loads(subprocess.run(["bpftool", "-j", "map", "show"], capture_output=True, text=True, check=True).stdout)
mine = [m for m in maps if m["id"] in ids]
print(len(mine), sum(m.get("bytes_memlock", 0) for m in mine))'
}
