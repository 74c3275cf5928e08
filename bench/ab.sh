#!/usr/bin/env bash
# A/B between gateway variants, each run as TWO processes started in alternating order (a1 b1 a2 b2),
# because on this machine the first JVM started is measurably slower for its whole life (a twin of
# identical configurations gives 0.87-0.90 for the first): pooling the two processes of each variant
# cancels that position. Traced at 100 % to the nginx OTLP sink, proxying to the nginx stub, the
# image's JVM flags; warmed, then interleaved wrk rounds. Prints each round and, per round, the
# pooled ratio A/B (sum of A's two processes over B's), then its median and spread.
# Usage: bench/ab.sh ROUNDS SECS "A-NAME|JAR|ENV=V ENV=V[|CONFIG[|JVM-FLAGS]]" "B-NAME|JAR|ENV=V[|CONFIG]"
#   e.g. bench/ab.sh 5 8 "on|target/tracegate.jar|" "off|target/tracegate.jar|TRACEGATE_TELEMETRY_RECENT_TRACES=0"
#        bench/ab.sh 5 8 "guarded|target/tracegate.jar||bench/guarded.yaml" "plain|target/tracegate.jar|"
#        bench/ab.sh 3 8 "survivors4|target/tracegate.jar|||-XX:SurvivorRatio=4" "image|target/tracegate.jar|"
#   (CONFIG defaults to bench/gateway.yaml; JVM-FLAGS are added to the image's; env CONNS=5000 for
#   another connection count than 64; env PACE_MS=N for a paced load below saturation, as in sweep.sh)
# (run bench/run.sh once first: it installs wrk and nginx)
set -u
export PACE_MS
cd "$(dirname "$0")/.."
ROUNDS=$1; SECS=$2; A=$3; B=$4; CONNS=${CONNS:-64}
ulimit -n "$(ulimit -Hn)"
JVM=(-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=50 -XX:+UseSerialGC -XX:NewRatio=1 -XX:SurvivorRatio=2)
OUT=$(mktemp -d /tmp/tracegate-ab.XXXXXX)
nginx -c "$PWD/bench/stub-upstream.conf" 2>/dev/null; nginx -c "$PWD/bench/otlp-sink.conf" 2>/dev/null
BASE=(TRACEGATE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres OTEL_TRACES_SAMPLER=always_on
  OTEL_BSP_MAX_QUEUE_SIZE=65536 OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2048 OTEL_BSP_SCHEDULE_DELAY=200 TRACEGATE_ACCESS_LOG_ENABLED=false)
names=(); ports=(); pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null
  kill "$(cat /tmp/bench-nginx-upstream.pid)" "$(cat /tmp/bench-otlp-sink.pid)" 2>/dev/null
}
trap cleanup EXIT
i=0
for spec in "$A" "$B" "$A" "$B"; do
  IFS='|' read -r name jar envs config flags <<< "$spec"
  port=$((8100 + i)); admin=$((9300 + i))
  # shellcheck disable=SC2086 # ENV=V words, JVM flags
  env "${BASE[@]}" $envs TRACEGATE_SERVER_PORT=$port TRACEGATE_ADMIN_PORT=$admin \
    java "${JVM[@]}" $flags -jar "$jar" --config "${config:-bench/gateway.yaml}" > "$OUT/$name-$i.log" 2>&1 &
  pids+=($!); names+=("$name"); ports+=($port); i=$((i + 1))
  until curl -fs "http://127.0.0.1:$admin/health/ready" >/dev/null; do sleep 0.2; done
done
echo "warming up (JIT) ..."
for _ in 1 2; do for p in "${ports[@]}"; do wrk -t2 -c64 -d15s "http://127.0.0.1:$p/" >/dev/null; done; done
for r in $(seq 1 "$ROUNDS"); do
  for k in "${!ports[@]}"; do
    # shellcheck disable=SC2086 # no script unless paced
    wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 5s --latency ${PACE_MS:+-s bench/paced.lua} "http://127.0.0.1:${ports[$k]}/" \
      | awk -v r="$r" -v n="${names[$k]}" -v k="$k" '/^Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} END {print r, n, k, rps, p99}'
  done
done | tee "$OUT/results"
a=${names[0]}; b=${names[1]}
median() { # LABEL, per-round ratios A/B on stdin -> "A/B LABEL: median (rounds: low..high)"
  sort -g | awk -v l="$a/$b $1" '{v[NR] = $1} END {m = int((NR + 1) / 2);
    printf "%s: %.2f   (rounds: %.2f..%.2f)\n", l, v[m], v[1], v[NR]}'
}
awk -v a="$a" -v b="$b" '$2 == a {x[$1] += $4} $2 == b {y[$1] += $4} END {for (r in x) print x[r] / y[r]}' "$OUT/results" \
  | median "pooled req/s"
# p99 per round: the mean of a variant's two processes, A's over B's
awk -v a="$a" -v b="$b" 'function ms(s) {if (s ~ /us$/) return s / 1000; if (s ~ /ms$/) return s + 0; return s * 1000}
    $2 == a {x[$1] += ms($5)} $2 == b {y[$1] += ms($5)} END {for (r in x) print x[r] / y[r]}' "$OUT/results" \
  | median p99
echo "raw results: $OUT"
