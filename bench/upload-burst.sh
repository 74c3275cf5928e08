#!/usr/bin/env bash
# What many large uploads at once cost a retrying proxy route: N concurrent bodies of SIZE bytes
# (sized, or chunked with MODE=chunked) against server.maxBufferedBytes (32 MiB), each held by the
# gateway until a slow upstream (?delay=500) answers. Prints the answers by status, the live heap
# during the burst (a class histogram, after a full collection) and resident memory before, at its
# peak and after. OLD_JAR=<jar> runs another build the same way first, for a before/after.
#
#   bench/upload-burst.sh [N] [SIZE]          (defaults 100 and 1048576)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}; SIZE=${2:-1048576}
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
head -c "$SIZE" /dev/urandom > "$work/body.bin"
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
FLAGS=${FLAGS:--Xms256m -Xmx256m -XX:+UseSerialGC -XX:NewRatio=1 -XX:SurvivorRatio=2}

burst() { # JAR LABEL
  local up gw admin; up=$(port); gw=$(port); admin=$(port)
  cat > "$work/gw.yaml" <<YAML
server: { host: 127.0.0.1, port: $gw, maxBodyBytes: $((SIZE * 2)) }
admin: { port: $admin }
telemetry: { exporter: none }
accessLog: { enabled: false }
upstreams:
  up: { urls: [http://127.0.0.1:$up], timeout: 10s }
routes:
  - { name: up, path: /up, methods: [PUT], proxy: { upstream: up, retries: 1 } }
YAML
  java -jar "$1" demo-service echo --port "$up" > "$work/up.log" 2>&1 & local upid=$!
  java $FLAGS -jar "$1" --config "$work/gw.yaml" > "$work/gw.log" 2>&1 & local gwpid=$!
  for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$admin/health/ready" > /dev/null 2>&1 && break; sleep 0.5; done
  local rss0 peak=0 live r hdr=""
  rss0=$(awk '/VmRSS/{print $2}' /proc/$gwpid/status)
  [ "${MODE:-sized}" = chunked ] && hdr="-H Transfer-Encoding:chunked"
  for _ in $(seq 1 "$N"); do
    curl -s -o /dev/null -w '%{http_code}\n' -X PUT $hdr --data-binary @"$work/body.bin" "http://127.0.0.1:$gw/up?delay=500" &
  done > "$work/codes" 2>&1
  sleep "${AT:-0.8}"
  live=$(jcmd $gwpid GC.class_histogram | awk '/^Total/{print int($3/1024)}')
  for _ in $(seq 1 20); do r=$(awk '/VmRSS/{print $2}' /proc/$gwpid/status); [ "$r" -gt "$peak" ] && peak=$r; sleep 0.1; done
  while [ "$(wc -l < "$work/codes")" -lt "$N" ]; do sleep 0.2; done
  echo "$2: answers $(sort "$work/codes" | uniq -c | awk '{printf "%s x %s  ", $1, $2}')"
  echo "$2: live heap in the burst ${live} KiB; RSS before ${rss0} KiB, peak ${peak} KiB, after $(awk '/VmRSS/{print $2}' /proc/$gwpid/status) KiB"
  kill $gwpid $upid; wait $gwpid $upid 2>/dev/null || true
}

[ -n "${OLD_JAR:-}" ] && burst "$OLD_JAR" old
burst target/tracegate.jar new
