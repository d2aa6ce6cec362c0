# shellcheck shell=bash
# bench/lib/control_args.sh: the command line shared by the control-plane
# benches (daemon_bench.sh, metrics_bench.sh): [--quick] [--json FILE]
# [BUILD_DIR]. Sets QUICK, JSON, ROOT, BUILD, ICMPGUARD, LAB_TOOL; exits if
# the daemon is not built. Source it with the script's arguments.
QUICK=0
JSON=""
BUILD=build
while [ $# -gt 0 ]; do
    case $1 in
    --quick) QUICK=1 ;;
    --json) JSON=${2:?--json FILE}; shift ;;
    *) BUILD=$1 ;;
    esac
    shift
done
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
[[ $BUILD = /* ]] || BUILD=$ROOT/$BUILD
ICMPGUARD=$BUILD/icmpguard
LAB_TOOL=$BUILD/tests/tools/icmpguard_lab
[ -x "$ICMPGUARD" ] || { echo "build first: $ICMPGUARD missing" >&2; exit 1; }
