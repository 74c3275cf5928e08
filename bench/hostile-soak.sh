#!/usr/bin/env bash
# Minutes of normal traffic with the security review's attacks mixed in (issue #17): invalid
# baggage floods, client-chosen trace ids by the thousand, dot segments through templates and
# prefixes, spoofed X-Forwarded-*, unsound framing, a slowloris on kept-alive connections, unknown
# methods, bodies past the buffer budget. Reports the normal traffic's rate and errors, the
# gateway's log growth and heap over time, and whether anything reached the upstream that should
# not have (its access log is searched for dot segments and the spoofed host).
# Usage: bench/hostile-soak.sh [SECONDS]     (default 180)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-180}
JAR=target/tracegate.jar
OUT=$(mktemp -d /tmp/tracegate-hostile.XXXXXX)
JVM=(-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=50 -XX:+UseSerialGC -XX:NewRatio=1 -XX:SurvivorRatio=2)
command -v wrk >/dev/null && command -v nginx >/dev/null && command -v socat >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light socat >/dev/null; }
[ -f "$JAR" ] || mvn -B -q package -DskipTests

cat > "$OUT/rec.conf" <<NGINX
worker_processes 1;
daemon on;
pid $OUT/rec.pid;
error_log $OUT/rec.err warn;
events { worker_connections 4096; }
http {
  log_format seen '\$request_method \$request_uri host=\$http_x_forwarded_host xff=\$http_x_forwarded_for';
  access_log $OUT/upstream.log seen;
  server {
    listen 127.0.0.1:9011;
    location / { default_type application/json; return 200 '{"ok":true}'; }
  }
}
NGINX
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -f "$OUT/rec.pid" ] && kill "$(cat "$OUT/rec.pid")" 2>/dev/null || true
  [ -f /tmp/bench-otlp-sink.pid ] && kill "$(cat /tmp/bench-otlp-sink.pid)" 2>/dev/null || true
}
trap cleanup EXIT
nginx -c "$OUT/rec.conf"
nginx -c "$PWD/bench/otlp-sink.conf"
java "${JVM[@]}" -jar "$JAR" --config bench/hostile.yaml > "$OUT/gateway.log" 2>&1 &
gw=$!; pids+=($gw)
until curl -fs http://127.0.0.1:9196/health/ready >/dev/null 2>&1; do sleep 0.1; done
G=http://127.0.0.1:8086

wrk -t1 -c16 -d"${DURATION}s" --latency "$G/api/normal" > "$OUT/wrk.txt" 2>&1 & pids+=($!)
wrkpid=$!

baggage=$(for i in $(seq 1 650); do printf 'k%d=v%%zz,' "$i"; done)
raw() { printf "$1" | socat -t 2 - TCP:127.0.0.1:8086 >/dev/null 2>&1 || true; }
attack_round() {
  curl -s -o /dev/null -H "baggage: $baggage" -H "tracestate: UPPER=1" "$G/api/a" || true
  for _ in $(seq 1 50); do
    curl -s -o /dev/null -H "traceparent: 00-$(openssl rand -hex 16)-$(openssl rand -hex 8)-01" "$G/api/t" || true
  done
  curl -s -o /dev/null "$G/items?id=.." || true
  curl -s -o /dev/null -H "x-item: .." "$G/h" || true
  curl -s -o /dev/null --path-as-is "$G/api/..;/admin" || true
  curl -s -o /dev/null --path-as-is "$G//api/x" || true
  curl -s -o /dev/null -H "X-Forwarded-Host: evil.example" -H "X-Forwarded-For: 6.6.6.6" "$G/api/xfh" || true
  curl -s -o /dev/null -X FROBNICATE "$G/api/m" || true
  raw 'POST /api/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n'
  raw 'GET /api/x HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'
  raw 'POST /api/x HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'
  # slowloris on a kept-alive connection: one good request, then a head a byte at a time
  (printf 'GET /api/k HTTP/1.1\r\nHost: x\r\n\r\n'; for c in G E T ' ' / a p i; do sleep 1; printf '%s' "$c"; done) \
    | socat -t 15 - TCP:127.0.0.1:8086 >/dev/null 2>&1 &
  local round=($!)
  head -c 60000 /dev/zero | tr '\0' b > "$OUT/body"
  for _ in $(seq 1 30); do curl -s -o /dev/null -X PUT --data-binary @"$OUT/body" "$G/upload" & round+=($!); done
  wait "${round[@]}" 2>/dev/null || true
}

metric() { curl -fs http://127.0.0.1:9196/metrics | awk -v m="$1" 'index($0, m) == 1 {s += $NF} END {printf "%.0f", s}'; }
printf "%6s %10s %9s %9s %11s %12s\n" t_s log_bytes heap_MiB rss_MiB spans_open invalid_hdrs | tee "$OUT/samples"
t0=$(date +%s)
while kill -0 "$wrkpid" 2>/dev/null; do
  attack_round
  t=$(( $(date +%s) - t0 ))
  printf "%6d %10d %9d %9d %11s %12s\n" "$t" "$(stat -c %s "$OUT/gateway.log")" \
    "$(( $(metric 'jvm_memory_used_bytes{area="heap"') / 1048576 ))" \
    "$(ps -o rss= -p "$gw" | awk '{printf "%d", $1/1024}')" "$(metric tracegate_spans_open)" \
    "$(metric tracegate_trace_headers_invalid_total)" | tee -a "$OUT/samples"
done
echo
echo "== normal traffic (wrk -c16 on /api/normal, ${DURATION}s, attacks mixed in)"
grep -E "Requests/sec|Non-2xx|Socket errors|^ +99%" "$OUT/wrk.txt" || true
echo "== log growth: $(head -2 "$OUT/samples" | tail -1 | awk '{print $2}') -> $(tail -1 "$OUT/samples" | awk '{print $2}') bytes"
echo "== heap (MiB) over the run: $(awk 'NR > 2 {print $3}' "$OUT/samples" | sort -n | head -1)..$(awk 'NR > 2 {print $3}' "$OUT/samples" | sort -n | tail -1)"
echo "== reached the upstream and should not have (dot segments, the spoofed host or address): $(grep -cE '/\.\.|\.\.;|%2[eE]|evil\.example|6\.6\.6\.6' "$OUT/upstream.log" || true)"
echo "== upstream requests in all: $(wc -l < "$OUT/upstream.log")"
echo "raw: $OUT"
