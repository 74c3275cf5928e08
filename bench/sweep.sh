#!/usr/bin/env bash
# Proxying at 64, 1,000 and 5,000 connections, side by side in one run: the nginx reverse proxy,
# Vert.x's stock reverse proxy (bench/peers/vertx-http-proxy, built here: vertx-http-proxy on the
# same Vert.x, transport and pool size as tracegate, nothing added), tracegate untraced, and
# tracegate traced at 100 % exporting OTLP to the nginx sink. Every JVM runs with the image's flags
# for a 512 MiB container, as TWO processes started in alternating order and pooled (on this machine
# the first JVM started is slower for its whole life). Rounds interleave the targets (reversed on
# even rounds); each ratio is taken within a round and reported as the median with its spread.
# Per connection count: req/s, p50, p99, socket errors, RSS, spans dropped.
# Usage: bench/sweep.sh [ROUNDS] [SECONDS]   (defaults 3 rounds of 8 s; env CONNS="64 1000 5000";
#        WARM seconds of warm-up per process at 64 connections, default 15)
# With env PACE_MS=N each connection pauses N ms after every answer (bench/paced.lua) in the measured
# rounds: a load below saturation, the same for every target, so that latency is latency and not
# throughput in disguise (at saturation wrk's mean latency is connections / req/s, Little's law).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECS=${2:-8}
read -r -a CONNS <<< "${CONNS:-64 1000 5000}"
JAR=${JAR:-target/tracegate.jar}
OUT=$(mktemp -d /tmp/tracegate-sweep.XXXXXX)
source bench/targets.sh   # JVM, PEER, launch
ulimit -n "$(ulimit -Hn)"   # 5,000 connections: a socket each in wrk, the proxy and its upstream side

need() { command -v "$1" >/dev/null 2>&1; }
if ! need wrk || ! need nginx; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi
[ -f "$JAR" ] || mvn -B -q package -DskipTests
[ -f "$PEER" ] || mvn -B -q -f bench/peers/vertx-http-proxy/pom.xml package

pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  for f in /tmp/bench-nginx-upstream.pid /tmp/bench-nginx-proxy.pid /tmp/bench-otlp-sink.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
}
trap cleanup EXIT
cleanup
sleep 0.5
nginx -c "$PWD/bench/stub-upstream.conf"
nginx -c "$PWD/bench/proxy-peer.conf"
nginx -c "$PWD/bench/otlp-sink.conf"

declare -A PORT ADMIN PID
ready() { until curl -fs "$1" >/dev/null 2>&1; do sleep 0.1; done; }
start() { # NAME KIND (vertx|untraced|traced), as process NAME
  local name=$1 kind=$2 n=${#pids[@]}
  local port=$((8200 + n)) admin=$((9400 + n))
  launch "$kind" "$JAR" "$port" "$admin" "$OUT/$name.log"
  pids+=($!); PID[$name]=$!; PORT[$name]=$port; ADMIN[$name]=$admin
  if [ "$kind" = vertx ]; then until grep -q "vertx-http-proxy on" "$OUT/$name.log"; do sleep 0.1; done
  else ready "http://127.0.0.1:$admin/health/ready"; fi
}
# alternating start order: vertx1 untraced1 traced1 traced2 untraced2 vertx2
start vertx1 vertx; start untraced1 untraced; start traced1 traced
start traced2 traced; start untraced2 untraced; start vertx2 vertx
PORT[nginx]=9002
procs=(vertx1 vertx2 untraced1 untraced2 traced1 traced2)
targets=(nginx vertx1 untraced1 traced1 vertx2 untraced2 traced2)

wrk_run() { # PORT CONNS SECONDS [WRK-ARGS] -> "rps p50 p99 socket_errors"
  wrk -t2 -c"$2" -d"${3}s" --timeout 5s --latency "${@:4}" "http://127.0.0.1:$1/" | awk '
    /^Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2}
    /Socket errors/ {gsub(",", ""); err = $4 + $6 + $8 + $10}
    /Non-2xx/ {bad=$NF}
    END {printf "%.0f %s %s %d%s\n", rps, p50, p99, err + 0, (bad ? " NON-2XX:" bad : "")}'
}
spans() { # ADMIN -> "exported dropped"
  curl -fs "http://127.0.0.1:$1/metrics" | awk '/^tracegate_spans_exported_total/ {e = $2}
    /^tracegate_spans_dropped_total/ {d += $2} END {printf "%d %d\n", e, d}'
}

echo "warming up (JIT) ..."
for t in "${targets[@]}"; do [ "$t" = nginx ] || wrk_run "${PORT[$t]}" 64 "${WARM:-15}" >/dev/null; done
for t in "${targets[@]}"; do [ "$t" = nginx ] || wrk_run "${PORT[$t]}" 1000 8 >/dev/null; done
read -r e0a d0a <<< "$(spans "${ADMIN[traced1]}")"; read -r e0b d0b <<< "$(spans "${ADMIN[traced2]}")"

PACED=(); [ -z "${PACE_MS:-}" ] || PACED=(-s bench/paced.lua)
export PACE_MS
reversed=(); for ((i=${#targets[@]}-1; i>=0; i--)); do reversed+=("${targets[$i]}"); done
for c in "${CONNS[@]}"; do
  for r in $(seq 1 "$ROUNDS"); do
    if (( r % 2 == 0 )); then order=("${reversed[@]}"); else order=("${targets[@]}"); fi
    for t in "${order[@]}"; do
      res=$(wrk_run "${PORT[$t]}" "$c" "$SECS" "${PACED[@]}")
      rss=-
      [ "$t" = nginx ] || rss=$(ps -o rss= -p "${PID[$t]}" | awk '{printf "%d", $1 / 1024}')
      echo "$c $r ${t%[12]} $t $res $rss" >> "$OUT/results"
      printf "c=%-5d round %d  %-10s %s  rss %s MiB\n" "$c" "$r" "$t" "$res" "$rss"
    done
  done
done
read -r e1a d1a <<< "$(spans "${ADMIN[traced1]}")"; read -r e1b d1b <<< "$(spans "${ADMIN[traced2]}")"

# per connection count and round: a variant's req/s is the sum over its two processes (nginx: its
# one run doubled, so that every variant counts two runs), its p99 the mean of theirs
python3 - "$OUT/results" <<'PY'
import sys, statistics
from collections import defaultdict
def ms(s):
    if s.endswith("us"): return float(s[:-2]) / 1000
    if s.endswith("ms"): return float(s[:-2])
    if s.endswith("s"): return float(s[:-1]) * 1000
    return float(s)
rps = defaultdict(float); p99 = defaultdict(list); p50 = defaultdict(list); err = defaultdict(int)
rss = defaultdict(int); conns = []
for line in open(sys.argv[1]):
    f = line.split()
    c, r, v = int(f[0]), int(f[1]), f[2]
    if c not in conns: conns.append(c)
    k = (c, r, v)
    rps[k] += float(f[4]) * (2 if v == "nginx" else 1)
    p50[k].append(ms(f[5])); p99[k].append(ms(f[6])); err[(c, v)] += int(f[7])
    if f[-1] != "-": rss[(c, v)] = max(rss[(c, v)], int(f[-1]))
variants = ["nginx", "vertx", "untraced", "traced"]
def med(xs):
    xs = sorted(xs); return xs[(len(xs) - 1) // 2], xs[0], xs[-1]
def ratio(c, a, b, what):
    vals = []
    for (cc, r, v) in list(rps):
        if cc == c and v == a and (c, r, b) in rps:
            if what == "rps": vals.append(rps[(c, r, a)] / rps[(c, r, b)])
            else: vals.append(statistics.mean(p99[(c, r, a)]) / statistics.mean(p99[(c, r, b)]))
    m, lo, hi = med(vals)
    return f"{m:.2f} ({lo:.2f}..{hi:.2f})"
for c in conns:
    print(f"\n== {c} connections (wrk -t2, median over rounds; req/s summed over a variant's two processes)")
    print(f"{'variant':10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'sock err':>9} {'max RSS MiB':>12}")
    for v in variants:
        rounds = [k for k in rps if k[0] == c and k[2] == v]
        if not rounds: continue
        m, lo, hi = med([rps[k] for k in rounds])
        print(f"{v:10} {m:9.0f} {med([statistics.mean(p50[k]) for k in rounds])[0]:8.2f} "
              f"{med([statistics.mean(p99[k]) for k in rounds])[0]:8.2f} {err[(c, v)]:9d} "
              f"{rss.get((c, v), 0) or '-':>12}   ({lo:.0f}..{hi:.0f})")
    print(f"untraced/vertx   req/s {ratio(c, 'untraced', 'vertx', 'rps')}")
    print(f"traced/untraced  req/s {ratio(c, 'traced', 'untraced', 'rps')}")
    print(f"untraced/nginx   req/s {ratio(c, 'untraced', 'nginx', 'rps')}")
    print(f"traced/nginx     p99   {ratio(c, 'traced', 'nginx', 'p99')}")
PY
echo
echo "spans exported by the traced gateways during the rounds: $(( e1a - e0a + e1b - e0b )), dropped: $(( d1a - d0a + d1b - d0b ))"
echo "raw results: $OUT"
