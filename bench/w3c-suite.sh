#!/usr/bin/env bash
# Runs the official W3C trace-context test suite against tracegate's proxy route: the suite's
# harness sends requests with trace headers to tracegate, which proxies them to a test service
# (bench/w3c/test_service.py) that calls the harness back with the traceparent and tracestate
# tracegate sent it. So every verdict is about tracegate's propagation.
#
#   git clone https://github.com/w3c/trace-context /tmp/trace-context     # the user's step
#   pip install aiohttp                                                    # the harness needs it
#   mvn -B package -DskipTests
#   bench/w3c-suite.sh /tmp/trace-context
#
# STRICT_LEVEL defaults to 2 (the strictest) and SPEC_LEVEL to 1 (Trace Context Level 1, 38 cases;
# SPEC_LEVEL=2 adds Level 2's random flag); the harness listens on 127.0.0.1:7777.
set -euo pipefail
cd "$(dirname "$0")/.."
suite=${1:-${W3C_TRACE_CONTEXT:-}}
if [ -z "$suite" ] || [ ! -f "$suite/test/test.py" ]; then
  echo "usage: bench/w3c-suite.sh <checkout of https://github.com/w3c/trace-context>" >&2
  exit 2
fi
python3 -c 'import aiohttp' 2>/dev/null || { echo "w3c-suite: the harness needs aiohttp (pip install aiohttp)" >&2; exit 2; }
JAR=target/tracegate.jar
[ -f "$JAR" ] || { echo "w3c-suite: $JAR is missing (mvn -B package -DskipTests)" >&2; exit 2; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
service_port=$(free_port); gw=$(free_port); admin=$(free_port)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; [ -n "${KEEP:-}" ] && cp "$work/suite.log" /tmp/w3c-suite.log; rm -rf "$work"' EXIT
python3 bench/w3c/test_service.py "$service_port" &
cat > "$work/w3c.yaml" <<YAML
server: { host: 127.0.0.1, port: $gw }
admin: { port: $admin }
telemetry: { exporter: none }
accessLog: { enabled: false }
upstreams:
  service: { urls: [http://127.0.0.1:$service_port] }
routes:
  - { name: test, path: /test, methods: [POST], proxy: { upstream: service } }
YAML
java -jar "$JAR" --config "$work/w3c.yaml" > "$work/gateway.log" 2>&1 &
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$admin/health/ready" > /dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$admin/health/ready" > /dev/null || { cat "$work/gateway.log"; exit 1; }
cd "$suite/test"
STRICT_LEVEL=${STRICT_LEVEL:-2} SPEC_LEVEL=${SPEC_LEVEL:-1} python3 test.py "http://127.0.0.1:$gw/test" 2>&1 | tee "$work/suite.log" | grep -E '^(test_|Ran |OK|FAILED)' || true
count() { grep -oE "$1=[0-9]+" "$work/suite.log" | tail -1 | grep -oE '[0-9]+' || echo 0; }
ran=$(grep -oE '^Ran [0-9]+' "$work/suite.log" | grep -oE '[0-9]+' || echo 0)
failed=$(( $(count failures) + $(count errors) ))
run=$(( ran - $(count skipped) ))
grep -E '^(FAIL|ERROR):' "$work/suite.log" || true
echo "w3c-suite: $((run - failed))/$run passed (STRICT_LEVEL=${STRICT_LEVEL:-2}, SPEC_LEVEL=${SPEC_LEVEL:-1})"
[ "$failed" -eq 0 ] && [ "$run" -gt 0 ]
