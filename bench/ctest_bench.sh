#!/bin/bash
# ctest (label bench): `scripts/bench --quick` on the build under test, then
# bench/lib/check_results.py on its JSON: every tier ran and every path,
# scenario and control-plane measure produced a figure. No timing is
# asserted anywhere (BENCH-NOTES §4). Exit 77 (skipped) without root, unless
# ICMPGUARD_NO_SKIP=1 (CI), where a skip is a failure.
#
# usage: bench/ctest_bench.sh BUILD_DIR
set -euo pipefail
BUILD=${1:?usage: $0 BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
    if [ "${ICMPGUARD_NO_SKIP:-0}" = 1 ]; then echo "FAIL (skip not allowed): needs root" >&2; exit 1; fi
    echo "SKIP: scripts/bench needs root"
    exit 77
fi
out=$BUILD/bench-results/ctest
rm -rf "$out"
mkdir -p "$out"
rc=0
BUILD_DIR=$BUILD OUT_DIR=$out SKIP_BUILD=1 "$ROOT/scripts/bench" --quick --json "$out/bench.json" || rc=$?
[ -f "$out/bench.json" ] || { echo "FAIL: scripts/bench --quick wrote no JSON (exit $rc)" >&2; exit 1; }
python3 "$ROOT/bench/lib/check_results.py" "$out/bench.json" || exit 1
[ $rc -eq 0 ] || { echo "FAIL: scripts/bench --quick exited $rc" >&2; exit 1; }
