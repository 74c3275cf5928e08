#!/usr/bin/env bash
# Before/after on the proxy path: OLD_JAR (a build of an earlier commit) against target/tracegate.jar,
# both traced at 100% to the nginx OTLP sink, access log off, proxying to the nginx stub, with the
# image's JVM flags; warmed, then 5 interleaved rounds of wrk. Prints "round old|new req/s p99".
# Usage: OLD_JAR=/tmp/old/target/tracegate.jar bench/before-after.sh   (run bench/run.sh once first
# for nginx and wrk)
set -u
cd "$(dirname "$0")/.."
OLD_JAR=${OLD_JAR:?set OLD_JAR to the jar to compare against}
JVM=(-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=50 -XX:+UseSerialGC -XX:NewRatio=1 -XX:SurvivorRatio=2)
nginx -c $PWD/bench/stub-upstream.conf; nginx -c $PWD/bench/otlp-sink.conf
ENVS=(TRACEGATE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres OTEL_TRACES_SAMPLER=always_on OTEL_BSP_MAX_QUEUE_SIZE=65536 OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2048 OTEL_BSP_SCHEDULE_DELAY=200 TRACEGATE_ACCESS_LOG_ENABLED=false)
env "${ENVS[@]}" TRACEGATE_SERVER_PORT=8091 TRACEGATE_ADMIN_PORT=9291 java "${JVM[@]}" -jar "$OLD_JAR" --config bench/gateway.yaml >/tmp/old.log 2>&1 & o=$!
env "${ENVS[@]}" TRACEGATE_SERVER_PORT=8092 TRACEGATE_ADMIN_PORT=9292 java "${JVM[@]}" -jar target/tracegate.jar --config bench/gateway.yaml >/tmp/new.log 2>&1 & n=$!
until curl -fs http://127.0.0.1:9291/health/ready >/dev/null && curl -fs http://127.0.0.1:9292/health/ready >/dev/null; do sleep 0.2; done
for p in 8091 8092 8091 8092; do wrk -t2 -c64 -d15s http://127.0.0.1:$p/ >/dev/null; done
for r in 1 2 3 4 5; do for p in 8091 8092; do
  wrk -t2 -c64 -d10s --latency http://127.0.0.1:$p/ | awk -v r=$r -v p=$p '/^Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} END {print r, (p==8091?"old":"new"), rps, p99}'
done; done
kill $o $n; wait $o $n 2>/dev/null
kill $(cat /tmp/bench-nginx-upstream.pid) $(cat /tmp/bench-otlp-sink.pid) 2>/dev/null
