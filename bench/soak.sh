#!/usr/bin/env bash
# Minutes of mixed load (fast proxying, slow upstreams and timeouts, upstream 5xx, SQL, fan-out),
# then a report of resident memory, open sockets and started-vs-ended spans over time.
# Usage: bench/soak.sh [SECONDS] [INTERVAL]     (defaults 300 and 15; env PG_URL)
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-300}
INTERVAL=${2:-15}
PG_URL=${PG_URL:-postgresql://postgres@127.0.0.1:5432/tracegate_bench}
JAR=target/tracegate.jar
OUT=$(mktemp -d /tmp/tracegate-soak.XXXXXX)
JVM=(-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=50 -XX:+UseSerialGC -XX:NewRatio=1 -XX:SurvivorRatio=2)

command -v wrk >/dev/null && command -v nginx >/dev/null && command -v pgbench >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light postgresql-client >/dev/null; }
[ -f "$JAR" ] || mvn -B -q package -DskipTests

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in /tmp/bench-nginx-upstream.pid /tmp/bench-otlp-sink.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true; done
}
trap cleanup EXIT
nginx -c "$PWD/bench/stub-upstream.conf"
nginx -c "$PWD/bench/otlp-sink.conf"
db=${PG_URL##*/}; base=${PG_URL%/*}
psql "$base/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 || psql "$base/postgres" -qc "CREATE DATABASE $db"
psql "$PG_URL" -qtAc "SELECT to_regclass('pgbench_accounts')" | grep -q pgbench_accounts || pgbench -q -i -s 1 "$PG_URL" >/dev/null 2>&1

java -jar "$JAR" demo-service shipping --port 9102 > "$OUT/shipping.log" 2>&1 & pids+=($!)
TRACEGATE_DATABASE_URL="$PG_URL" java "${JVM[@]}" -jar "$JAR" --config bench/soak.yaml > "$OUT/gateway.log" 2>&1 &
gw=$!; pids+=($gw)
until curl -fs http://127.0.0.1:9193/health/ready >/dev/null 2>&1; do sleep 0.1; done

cat > "$OUT/mixed.lua" <<'LUA'
local paths = {"/fast/x", "/fast/y", "/ship/quote/10115?delay=20", "/slow/quote/1?delay=300",
               "/ship/quote/1?fail=503", "/fanout/", "/sql/"}
math.randomseed(os.time())
request = function()
  local p = paths[math.random(#paths)]
  if p == "/sql/" or p == "/fanout/" then p = p .. math.random(1, 100000) end
  return wrk.format("GET", p)
end
LUA
wrk -t2 -c32 -d"${DURATION}s" -s "$OUT/mixed.lua" http://127.0.0.1:8083 > "$OUT/wrk.txt" 2>&1 & pids+=($!)
wrkpid=$!

metric() { curl -fs http://127.0.0.1:9193/metrics | awk -v m="$1" '$1 == m {print $2 + 0}'; }
printf "%6s %9s %8s %12s %12s %8s %9s\n" t_s rss_MiB sockets spans_started spans_open dropped in_flight | tee "$OUT/samples"
t=0
sample() {
  local rss sockets
  rss=$(ps -o rss= -p "$gw" | awk '{printf "%d", $1/1024}')
  sockets=$(ls /proc/"$gw"/fd 2>/dev/null | wc -l)
  printf "%6d %9d %8d %12.0f %12.0f %8.0f %9.0f\n" "$t" "$rss" "$sockets" "$(metric tracegate_spans_started_total)" \
    "$(metric tracegate_spans_open)" "$(curl -fs http://127.0.0.1:9193/metrics | awk '/^tracegate_spans_dropped_total/ {s += $2} END {print s + 0}')" \
    "$(metric tracegate_requests_in_flight)" | tee -a "$OUT/samples"
}
while kill -0 "$wrkpid" 2>/dev/null; do
  sample
  sleep "$INTERVAL"; t=$((t + INTERVAL))
done
sleep 3; t=$((t + 3)); sample
echo
grep -E "Requests/sec|requests in|Non-2xx" "$OUT/wrk.txt" || true
awk 'NR > 1 {rows[NR] = $0; rss[NR] = $2} END {
  warm = 0; for (i = 2; i <= NR; i++) if (rows[i] ~ /^ *[0-9]/ && warm == 0 && (i - 2) * 1 >= 4) warm = i;
  if (warm == 0) warm = 2;
  split(rows[NR], last, " ");
  printf "resident memory: %d MiB after warm-up (sample %d), %d MiB at the end: growth %.1f%%\n", rss[warm], warm - 1, last[2], (last[2] - rss[warm]) * 100 / rss[warm];
  printf "spans: %d started, %d still open after the load stopped (started == ended when 0)\n", last[4], last[5];
}' "$OUT/samples"
echo "raw: $OUT"
