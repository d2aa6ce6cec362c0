# Helpers for the metrics tests, on top of lib.sh (source lib.sh first).
# Everything runs inside the server namespace on 127.0.0.1, so the ports
# below cannot collide with anything on the host.

METRICS_PORT=9469
PROM_PORT=9090
PROM_PID=""
PROM_DIR=""

# GET a URL inside the server namespace; prints the body, fails on non-2xx.
scrape() { in_server curl -sS --fail --max-time 5 "${1:-http://127.0.0.1:$METRICS_PORT/metrics}"; }

# HTTP status of a GET (000 when nothing answered).
http_status() { in_server curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1" || true; }

# Value of one sample in an exposition read on stdin: metric_value NAME
# 'label=value' ... (labels matched as a set, in any order; extra labels on
# the sample are not allowed). Prints nothing if absent.
metric_value() {
    /usr/bin/python3 -c '
import re, sys
name, want = sys.argv[1], dict(a.split("=", 1) for a in sys.argv[2:])
line_re = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$")
label_re = re.compile(r"(\w+)=\"((?:[^\"\\]|\\.)*)\"")
for line in sys.stdin:
    m = line_re.match(line.strip())
    if not m or m.group(1) != name:
        continue
    labels = dict(label_re.findall(m.group(2) or ""))
    if labels == want:
        v = float(m.group(3))
        print(int(v) if v.is_integer() else v)
        break' "$@"
}

# ---- a real Prometheus server in the server namespace ----------------------
# prometheus_start TARGET: scrapes TARGET (host:port) every second as job
# "icmpguard", with a temporary TSDB; waits until it is ready.
prometheus_start() {
    local target=$1
    PROM_DIR=$(mktemp -d)
    cat >"$PROM_DIR/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: icmpguard
    static_configs:
      - targets: ['$target']
EOF
    nsenter --net="/run/netns/$NS_S" -- /usr/bin/prometheus --config.file="$PROM_DIR/prometheus.yml" \
        --storage.tsdb.path="$PROM_DIR/data" --web.listen-address="127.0.0.1:$PROM_PORT" \
        --log.level=warn >"$PROM_DIR/log" 2>&1 &
    PROM_PID=$!
    for _ in $(seq 300); do
        [ "$(http_status "http://127.0.0.1:$PROM_PORT/-/ready")" = 200 ] && return 0
        kill -0 "$PROM_PID" 2>/dev/null || { cat "$PROM_DIR/log"; fail "prometheus exited early"; }
        sleep 0.1
    done
    cat "$PROM_DIR/log"
    fail "prometheus did not become ready in 30 s"
}

prometheus_stop() {
    if [ -n "$PROM_PID" ]; then
        kill -TERM "$PROM_PID" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$PROM_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$PROM_PID" 2>/dev/null || true
        wait "$PROM_PID" 2>/dev/null || true
        PROM_PID=""
    fi
    [ -n "$PROM_DIR" ] && rm -rf "$PROM_DIR"
    PROM_DIR=""
    return 0
}

# Result of an instant query, as "value" of the first series ("" if none).
prom_query() {
    in_server curl -sS --max-time 5 -G "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
        /usr/bin/python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["status"] == "success", r
res = r["data"]["result"]
if res:
    v = float(res[0]["value"][1])
    print(int(v) if v.is_integer() else v)'
}

metrics_cleanup() {
    prometheus_stop
    daemon_cleanup
}
