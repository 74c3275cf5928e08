#!/usr/bin/env bash
# tracegate side by side with its peers, in one run on this machine:
#   the nginx stub upstream directly, the nginx reverse proxy, tracegate with 100% sampling exporting
#   OTLP to a local sink, the same without its recent-trace buffer and linkage audit, the same with
#   the access log on (JSON lines to a file), tracegate with
#   tracing off, a bus route answered over the local event bus (bench/bus.yaml), tracegate's SQL
#   route, and pgbench on the same statement. Interleaved rounds; prints requests/s, p50 and p99 per target, the ratios, spans
#   dropped, start-up time to ready and resident memory under load.
# Usage: bench/run.sh [ROUNDS] [SECONDS]     (defaults 3 rounds of 10 s; env PG_URL, CONNECTIONS,
#        TARGETS to measure a subset, e.g. TARGETS="traced logged")
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECS=${2:-10}
CONN=${CONNECTIONS:-64}
PG_URL=${PG_URL:-postgresql://postgres@127.0.0.1:5432/tracegate_bench}
JAR=target/tracegate.jar
OUT=$(mktemp -d /tmp/tracegate-bench.XXXXXX)
# The container's default flags, as in a 512 MiB container (Dockerfile JAVA_TOOL_OPTIONS); the
# class-data sharing archive is added below.
JVM=(-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=50 -XX:+UseSerialGC -XX:NewRatio=1 -XX:SurvivorRatio=2)

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx || ! need pgbench; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light postgresql-client >/dev/null
fi
[ -f "$JAR" ] || mvn -B -q package -DskipTests

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in /tmp/bench-nginx-upstream.pid /tmp/bench-nginx-proxy.pid /tmp/bench-otlp-sink.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
}
trap cleanup EXIT
cleanup  # an earlier run's nginx peers, should it have been killed before its own cleanup
sleep 0.5

nginx -c "$PWD/bench/stub-upstream.conf"
nginx -c "$PWD/bench/proxy-peer.conf"
nginx -c "$PWD/bench/otlp-sink.conf"

# pgbench's tables in their own database
db=${PG_URL##*/}
base=${PG_URL%/*}
psql "$base/postgres" -qtAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 \
  || psql "$base/postgres" -qc "CREATE DATABASE $db"
psql "$PG_URL" -qtAc "SELECT to_regclass('pgbench_accounts')" | grep -q pgbench_accounts \
  || pgbench -q -i -s 1 "$PG_URL" >/dev/null 2>&1

# The image's class-data sharing archive, made the same way as in the Dockerfile: one training start.
CDS="$OUT/tracegate.jsa"
TRACEGATE_SERVER_PORT=8089 TRACEGATE_ADMIN_PORT=9199 TRACEGATE_DATABASE_URL="$PG_URL" OTEL_BSP_EXPORT_TIMEOUT=500 \
  java -XX:ArchiveClassesAtExit="$CDS" -jar "$JAR" --config bench/gateway.yaml > "$OUT/training.log" 2>&1 &
train=$!
until curl -fs http://127.0.0.1:9199/health/ready >/dev/null 2>&1; do sleep 0.1; done
curl -s -o /dev/null http://127.0.0.1:8089/training
kill -TERM "$train"; wait "$train" || true
JVM+=(-XX:SharedArchiveFile="$CDS")

start_gateway() { # NAME PORT ADMIN_PORT [ENV...]
  local name=$1 port=$2 admin=$3; shift 3
  local t0; t0=$(date +%s%N)
  env TRACEGATE_SERVER_PORT="$port" TRACEGATE_ADMIN_PORT="$admin" TRACEGATE_DATABASE_URL="$PG_URL" "$@" \
    java "${JVM[@]}" -jar "$JAR" --config bench/gateway.yaml > "$OUT/$name.log" 2>&1 &
  pids+=($!)
  eval "${name}_pid=$!"
  until curl -fs "http://127.0.0.1:$admin/health/ready" >/dev/null 2>&1; do sleep 0.02; done
  echo "$name ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms (process start to /health/ready 200)"
}
TRACED=(OTEL_TRACES_SAMPLER=always_on OTEL_BSP_MAX_QUEUE_SIZE=65536 OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2048
  OTEL_BSP_SCHEDULE_DELAY=200)
start_gateway traced 8081 9191 "${TRACED[@]}" TRACEGATE_ACCESS_LOG_ENABLED=false
start_gateway logged 8083 9193 "${TRACED[@]}" TRACEGATE_ACCESS_LOG_OUTPUT="$OUT/access.log"
# traced, without the recent-trace buffer and the linkage audit over it
start_gateway noaudit 8085 9195 "${TRACED[@]}" TRACEGATE_ACCESS_LOG_ENABLED=false TRACEGATE_TELEMETRY_RECENT_TRACES=0
start_bus() { # the demo command, so that its in-process event-bus consumers answer bench/bus.yaml's route
  local t0; t0=$(date +%s%N)
  env TRACEGATE_DATABASE_URL="$PG_URL" "${TRACED[@]}" java "${JVM[@]}" -jar "$JAR" demo --config bench/bus.yaml \
    > "$OUT/bus.log" 2>&1 &
  pids+=($!)
  until curl -fs "http://127.0.0.1:9194/health/ready" >/dev/null 2>&1; do sleep 0.02; done
  echo "bus ready in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
}
start_bus
start_gateway untraced 8082 9192 OTEL_TRACES_SAMPLER=always_off OTEL_TRACES_EXPORTER=none TRACEGATE_ACCESS_LOG_ENABLED=false

dropped() { curl -fs "http://127.0.0.1:$1/metrics" | awk '/^tracegate_spans_dropped_total/ {s += $2} END {print s + 0}'; }
exported() { curl -fs "http://127.0.0.1:$1/metrics" | awk '/^tracegate_spans_exported_total/ {print $2 + 0}'; }

declare -A URL=(
  [stub]=http://127.0.0.1:9001/
  [nginx]=http://127.0.0.1:9002/
  [traced]=http://127.0.0.1:8081/
  [logged]=http://127.0.0.1:8083/
  [noaudit]=http://127.0.0.1:8085/
  [bus]=http://127.0.0.1:8084/bus/1
  [untraced]=http://127.0.0.1:8082/
  [sql]=http://127.0.0.1:8081
)
read -r -a targets <<< "${TARGETS:-stub nginx traced noaudit logged bus untraced sql pgbench}"

measure() { # TARGET SECONDS -> "rps p50 p99"
  local t=$1 s=$2
  if [ "$t" = pgbench ]; then
    pgbench -n -S -M prepared -c 16 -j 2 -T "$s" "$PG_URL" 2>/dev/null \
      | awk '/^tps/ {tps=$3} /latency average/ {lat=$4} END {printf "%.0f %s -\n", tps, lat "ms(avg)"}'
  elif [ "$t" = sql ]; then
    wrk -t2 -c"$CONN" -d"${s}s" --latency -s bench/random-aid.lua "${URL[$t]}" | parse_wrk
  else
    wrk -t2 -c"$CONN" -d"${s}s" --latency "${URL[$t]}" | parse_wrk
  fi
}
parse_wrk() {
  awk '/^Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
       /Non-2xx/ {bad=$NF} END {printf "%.0f %s %s%s\n", rps, p50, p99, (bad ? " NON-2XX:" bad : "")}'
}

echo "warming up (JIT) ..."
for t in "${targets[@]}" "${targets[@]}"; do
  case $t in stub|nginx|pgbench) ;; *) measure "$t" 15 >/dev/null ;; esac
done
d0=$(dropped 9191); e0=$(exported 9191)

# even rounds run the targets in reverse order, so that no target always follows the same one
reversed=(); for ((i=${#targets[@]}-1; i>=0; i--)); do reversed+=("${targets[$i]}"); done
for r in $(seq 1 "$ROUNDS"); do
  if (( r % 2 == 0 )); then order=("${reversed[@]}"); else order=("${targets[@]}"); fi
  for t in "${order[@]}"; do
    res=$(measure "$t" "$SECS")
    echo "$r $t $res" >> "$OUT/results"
    printf "round %d  %-9s %s\n" "$r" "$t" "$res"
    if [ "$t" = traced ]; then
      ps -o rss= -p "$traced_pid" | awk '{printf "%d\n", $1/1024}' >> "$OUT/rss"
    fi
  done
done
d1=$(dropped 9191); e1=$(exported 9191)

echo
echo "== median of $ROUNDS rounds, wrk -t2 -c$CONN, ${SECS}s each (pgbench: -S -M prepared -c16 -j2)"
printf "%-9s %10s %10s %10s %s\n" target req/s p50 p99 "spread (min..max req/s)"
for t in "${targets[@]}"; do
  awk -v t="$t" '$2 == t {print $3, $4, $5}' "$OUT/results" | sort -n | awk -v t="$t" '
    {rps[NR]=$1; p50[NR]=$2; p99[NR]=$3}
    END {m=int((NR+1)/2); printf "%-9s %10d %10s %10s %d..%d\n", t, rps[m], p50[m], p99[m], rps[1], rps[NR]}'
done | tee "$OUT/summary"
# Each ratio is taken within a round (its targets measured minutes apart at most, so under the same
# background load), then the median over rounds is reported with the spread: steadier than a ratio
# of medians on a shared machine.
ratio() { # A B [COLUMN] -> median of per-round A/B (req/s, or column 5 = p99), and min..max
  awk -v a="$1" -v b="$2" -v c="${3:-3}" '
    function val(s) { # wrk latencies carry units: 850.00us, 1.23ms, 1.01s
      if (s ~ /us$/) return s / 1000; if (s ~ /ms$/) return s + 0; if (s ~ /s$/) return s * 1000; return s + 0 }
    $2 == a {x[$1] = val($c)} $2 == b {y[$1] = val($c)}
    END {for (r in x) if (y[r] > 0) print x[r] / y[r]}' "$OUT/results" | sort -g | awk '
    {v[NR] = $1} END {if (NR == 0) {printf "n/a (not measured)"; exit}
      m = int((NR + 1) / 2); printf "%.2f   (rounds: %.2f..%.2f)", v[m], v[1], v[NR]}'
}
echo
echo "traced/nginx     $(ratio traced nginx)"
echo "untraced/nginx   $(ratio untraced nginx)"
echo "traced/untraced  $(ratio traced untraced)"
echo "logged/traced    $(ratio logged traced)   (access log on / off, req/s)"
echo "traced/noaudit   $(ratio traced noaudit)   (recent-trace buffer and linkage audit on / off, req/s)"
echo "traced/noaudit p99 $(ratio traced noaudit 5)"
echo "linkage audit of the traced gateway: $(curl -fs http://127.0.0.1:9191/metrics | awk '/^tracegate_linkage_traces_total/ {printf "%s %d  ", $1, $2} /^tracegate_linkage_violations_total/ {v += $2} END {printf "violations %d", v}')"
echo "bus/traced       $(ratio bus traced)   (local event-bus request/reply vs proxy route, req/s)"
echo "logged/traced p99 $(ratio logged traced 5)   (p99 latency)"
echo "access records written: $(curl -fs http://127.0.0.1:9193/metrics | awk '/^tracegate_access_log_written_total/ {print $2 + 0}'), dropped: $(curl -fs http://127.0.0.1:9193/metrics | awk '/^tracegate_access_log_dropped_total/ {s += $2} END {print s + 0}')"
echo "sql/pgbench      $(ratio sql pgbench)"
echo "spans exported during the rounds: $(awk -v a="$e0" -v b="$e1" 'BEGIN {print b - a}'), dropped: $(awk -v a="$d0" -v b="$d1" 'BEGIN {print b - a}')"
if [ -s "$OUT/rss" ]; then
  echo "resident memory of the traced gateway under load: $(sort -n "$OUT/rss" | tail -1) MiB (max over rounds)"
else
  echo "resident memory of the traced gateway under load: n/a (not measured)"
fi
echo "raw results: $OUT"
