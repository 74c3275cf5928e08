# Sourced by bench/sweep.sh and bench/per-request.sh: how each kind of target is started, with
# the image's JVM flags for a 512 MiB container.
# launch KIND JAR PORT ADMIN LOG: starts in the background (the caller takes $!) one of
#   vertx     Vert.x's stock reverse proxy (bench/peers/vertx-http-proxy) in front of the stub
#   untraced  tracegate with tracing off
#   traced    tracegate at 100 % sampling, exporting OTLP/HTTP to the nginx sink
#   recorded  tracegate at 100 % sampling keeping and sending nothing (no exporter, no recent-trace
#             buffer): the SDK's spans, their attributes and the trace headers, the floor of tracing
#             through the SDK
# shellcheck shell=bash
JVM=(-XX:MaxRAM=512m -XX:MaxRAMPercentage=75 -XX:InitialRAMPercentage=50 -XX:+UseSerialGC -XX:NewRatio=1 -XX:SurvivorRatio=2)
PEER=bench/peers/vertx-http-proxy/target/vertx-http-proxy-peer.jar
COMMON=(TRACEGATE_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/postgres TRACEGATE_ACCESS_LOG_ENABLED=false)
UNTRACED=(OTEL_TRACES_SAMPLER=always_off OTEL_TRACES_EXPORTER=none)
TRACED=(OTEL_TRACES_SAMPLER=always_on OTEL_BSP_MAX_QUEUE_SIZE=65536 OTEL_BSP_MAX_EXPORT_BATCH_SIZE=2048
  OTEL_BSP_SCHEDULE_DELAY=200)
RECORD_ONLY=(OTEL_TRACES_SAMPLER=always_on OTEL_TRACES_EXPORTER=none TRACEGATE_TELEMETRY_RECENT_TRACES=0)
launch() {
  local kind=$1 jar=$2 port=$3 admin=$4 log=$5 tracing
  case $kind in
    vertx) java "${JVM[@]}" -jar "$PEER" "$port" 127.0.0.1 9001 > "$log" 2>&1 & return ;;
    untraced) tracing=("${UNTRACED[@]}") ;;
    traced) tracing=("${TRACED[@]}") ;;
    recorded) tracing=("${RECORD_ONLY[@]}") ;;
    *) echo "launch: no such kind of target: $kind" >&2; return 2 ;;
  esac
  env "${COMMON[@]}" "${tracing[@]}" TRACEGATE_SERVER_PORT="$port" TRACEGATE_ADMIN_PORT="$admin" \
    java "${JVM[@]}" -jar "$jar" --config bench/gateway.yaml > "$log" 2>&1 &
}
