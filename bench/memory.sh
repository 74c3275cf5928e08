#!/usr/bin/env bash
# Where a gateway's resident memory goes under load: one tracegate, traced at 100 % to the nginx
# OTLP sink, proxying to the nginx stub, with the image's JVM flags plus native memory tracking;
# warmed, then ROUNDS rounds of wrk at CONNS connections with the RSS read mid-round, then, under the
# same load, NMT's summary, the heap's generations (jstat) and a histogram of the live heap. Prints
# req/s, p99 and RSS per round, the RSS split into heap and the rest, and the classes that take the
# most live heap per request in flight.
# Usage: bench/memory.sh [ROUNDS] [SECONDS]   env CONNS (default 5000), JAR (default
#        target/tracegate.jar), ENVS="K=V ..." and FLAGS="-XX:..." for a variant
#   e.g. FLAGS="-XX:MaxRAMPercentage=25 -XX:InitialRAMPercentage=25" bench/memory.sh 3 8
#        IMAGE_FLAGS (in place of the image's flags, e.g. another collector:
#        IMAGE_FLAGS="-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:+UseG1GC"), DUMP=1 (a heap dump
#        next to the histogram, for a look at who holds what)
# (run bench/run.sh once first: it installs wrk and nginx)
set -u
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; SECS=${2:-8}; CONNS=${CONNS:-5000}; JAR=${JAR:-target/tracegate.jar}
ulimit -n "$(ulimit -Hn)"
read -r -a JVM <<< "${IMAGE_FLAGS:--XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=50 -XX:+UseSerialGC -XX:NewRatio=1 -XX:SurvivorRatio=2}"
OUT=$(mktemp -d /tmp/tracegate-memory.XXXXXX)
nginx -c "$PWD/bench/stub-upstream.conf" 2>/dev/null; nginx -c "$PWD/bench/otlp-sink.conf" 2>/dev/null
BASE=(TRACEGATE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres OTEL_TRACES_SAMPLER=always_on
  OTEL_BSP_MAX_QUEUE_SIZE=65536 OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2048 OTEL_BSP_SCHEDULE_DELAY=200 TRACEGATE_ACCESS_LOG_ENABLED=false)
# shellcheck disable=SC2086 # ENV=V words, JVM flags
env "${BASE[@]}" ${ENVS:-} TRACEGATE_SERVER_PORT=8160 TRACEGATE_ADMIN_PORT=9460 \
  java "${JVM[@]}" -XX:NativeMemoryTracking=summary ${FLAGS:-} -jar "$JAR" --config bench/gateway.yaml > "$OUT/gateway.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null; wait 2>/dev/null
  kill "$(cat /tmp/bench-nginx-upstream.pid)" "$(cat /tmp/bench-otlp-sink.pid)" 2>/dev/null
}
trap cleanup EXIT
until curl -fs http://127.0.0.1:9460/health/ready >/dev/null; do sleep 0.2; done
rss() { awk '/^VmRSS/ {printf "%d", $2 / 1024}' "/proc/$pid/status"; }
load() { wrk -t2 -c"$CONNS" -d"$1s" --timeout 5s --latency http://127.0.0.1:8160/; }
echo "warming up (JIT, then $CONNS connections) ..."
wrk -t2 -c64 -d15s http://127.0.0.1:8160/ >/dev/null
load 15 >/dev/null
gcutil() { echo "$(date +%s%N) $(jstat -gcutil "$pid" | tail -1)"; } # YGC YGCT FGC FGCT .. GCT: $8 $9 $10 $11 $14
gc0=$(gcutil)
for r in $(seq 1 "$ROUNDS"); do
  load "$SECS" > "$OUT/wrk-$r" & w=$!
  sleep $((SECS * 2 / 3)); mid=$(rss); wait $w
  awk -v r="$r" -v m="$mid" '/^Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} END {print "round", r, rps, "req/s, p99", p99 ", RSS", m, "MiB"}' "$OUT/wrk-$r"
done
echo "$gc0 $(gcutil)" | awk '{n = NF / 2; t = ($(n + 1) - $1) / 1e9
  printf "during the rounds (%.1f s): %d young collections, %.2f s; %d full, %.2f s; GC %.1f %% of wall time\n",
    t, $(n + 8) - $8, $(n + 9) - $9, $(n + 10) - $10, $(n + 11) - $11, 100 * ($(n + 14) - $14) / t}'
load 12 > /dev/null & w=$!
sleep 6
jcmd "$pid" VM.native_memory summary > "$OUT/nmt"
jstat -gc "$pid" > "$OUT/gc-before"
inflight=$(curl -fs http://127.0.0.1:9460/metrics | awk '/^tracegate_requests_in_flight/ {s += $2} END {printf "%d", s}')
jmap -histo:live "$pid" > "$OUT/histo"
[ -n "${DUMP:-}" ] && jcmd "$pid" GC.heap_dump "$OUT/heap.hprof" >/dev/null
jstat -gc "$pid" > "$OUT/gc-after"
wait $w
awk '/^-.*Java Heap/ {gsub(/.*committed=|KB\)/, ""); heap = $0} /^Total:/ {gsub(/.*committed=|KB/, ""); total = $0}
  END {printf "NMT committed: %d MiB, of which heap %d MiB, the rest %d MiB\n", total / 1024, heap / 1024, (total - heap) / 1024}' "$OUT/nmt"
awk 'NR == 2 {printf "heap committed %d MiB (young %d, old %d), old used %d MiB\n", ($1 + $2 + $5 + $7) / 1024, ($1 + $2 + $5) / 1024, $7 / 1024, $8 / 1024}' "$OUT/gc-before"
# the histogram walks the heap at a safepoint after filling what each thread's TLAB had left with
# int[] arrays: under load those fillers are megabytes (2.2 MB of int[] in a heap dump taken right
# after a histogram that counted 9.0), so int[] is shown apart
awk '/^Total/ {t = $3} $4 == "[I" {i = $3} END {printf "live heap: %.1f MB, %.1f MB of it int[] (TLAB fillers included)\n", t / 1e6, i / 1e6}' "$OUT/histo"
echo "requests in flight at the histogram: ${inflight:-?}; the classes with the most live heap, in bytes per request in flight (what does not grow with load included):"
awk -v n="${inflight:-0}" 'NR > 3 && $1 != "Total" && n > 0 {printf "  %6.0f B  %8d  %s\n", $3 / n, $2, $4}' "$OUT/histo" | head -15
awk '/^-/ && match($0, /committed=[0-9]+KB/) {kb = substr($0, RSTART + 10, RLENGTH - 12); name = $0
  sub(/^- +/, "", name); sub(/ \(.*/, "", name); if (kb + 0 > 4096) printf "  NMT %-22s %6.1f MiB\n", name, kb / 1024}' "$OUT/nmt"
echo "raw results: $OUT"
