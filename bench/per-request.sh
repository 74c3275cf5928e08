#!/usr/bin/env bash
# What one request costs, in CPU and in allocation, for Vert.x's stock proxy, tracegate untraced and
# tracegate traced at 100 % (to the nginx OTLP sink), each a process with the image's JVM flags
# proxying to the nginx stub. Throughput at saturation moves with whatever else the machine runs;
# CPU time per request does much less, and it says where tracing's cost goes: per thread group of
# the JVM (event loops, the exporter's threads, the collector, the JIT), the stub and the sink,
# from /proc; bytes allocated per request from the young generation's turnover (jstat:
# young collections x eden plus eden's change, which is what allocation-failure collections of
# the serial collector consume). Rounds interleave the targets (reversed on even rounds); medians
# with their spread.
# Usage: bench/per-request.sh [ROUNDS] [SECONDS]   env CONNS (default 64), JAR, and OLD_JAR to add
#        that build's untraced and traced gateways (an A/B of a change, in the same rounds);
#        RECORDED=1 adds tracegate recording every span but keeping and exporting none (the SDK's
#        recording alone); WARM seconds of load per target before the rounds (default 15: the
#        exporter's code, called ~40 times a second, takes minutes to be compiled)
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}; SECS=${2:-8}; CONNS=${CONNS:-64}
JAR=${JAR:-target/tracegate.jar}
source bench/targets.sh   # JVM, PEER, launch
OUT=$(mktemp -d /tmp/tracegate-per-request.XXXXXX)
ulimit -n "$(ulimit -Hn)"
command -v wrk >/dev/null && command -v nginx >/dev/null ||
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null; }
[ -f "$JAR" ] || mvn -B -q package -DskipTests
[ -f "$PEER" ] || mvn -B -q -f bench/peers/vertx-http-proxy/pom.xml package

pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  for f in /tmp/bench-nginx-upstream.pid /tmp/bench-otlp-sink.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
  done
}
trap cleanup EXIT
cleanup; sleep 0.5
nginx -c "$PWD/bench/stub-upstream.conf"; nginx -c "$PWD/bench/otlp-sink.conf"

declare -A PORT PID
start() { # NAME KIND JAR
  local name=$1 kind=$2 jar=$3 n=${#pids[@]}
  local port=$((8300 + n)) admin=$((9500 + n))
  launch "$kind" "$jar" "$port" "$admin" "$OUT/$name.log"
  pids+=($!); PID[$name]=$!; PORT[$name]=$port
  until curl -fs "http://127.0.0.1:$port/" >/dev/null 2>&1; do sleep 0.1; done
}
targets=(vertx untraced traced)
start vertx vertx "$PEER"; start untraced untraced "$JAR"; start traced traced "$JAR"
if [ -n "${OLD_JAR:-}" ]; then
  start untraced-old untraced "$OLD_JAR"; start traced-old traced "$OLD_JAR"
  targets+=(untraced-old traced-old)
fi
if [ -n "${RECORDED:-}" ]; then start recorded recorded "$JAR"; targets+=(recorded); fi

# CPU ticks per thread group of a JVM: "group user sys" (thread names without their numbers)
jvm_cpu() {
  for t in /proc/"$1"/task/*; do
    n=$(tr ' ' _ < "$t/comm" | sed -E 's/[-#_]?[0-9]+$//')
    read -r -a s <<< "$(sed 's/.*) //' "$t/stat")"
    echo "$n ${s[11]} ${s[12]}"
  done | awk '{ g = "other" }
    $1 ~ /^vert\.x-eventloo/ { g = "loops" }
    $1 ~ /^(okhttp|OkHttp|Okio|tracegate-span)/ { g = "export" }
    $1 ~ /^VM_Thread/ { g = "gc" }
    $1 ~ /^C[12]_Compiler/ { g = "jit" }
    { u[g] += $2; s[g] += $3 } END { for (k in u) print k, u[k] + s[k] }'
}
# CPU ticks of the nginx stub and sink (their masters and workers)
others_cpu() {
  for p in $(pgrep -x nginx); do
    read -r -a s <<< "$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null)" || continue
    m=$p; [ "${s[1]}" != 1 ] && m=${s[1]}
    name=$(tr '\0' ' ' < "/proc/$m/cmdline" | grep -o 'stub-upstream\|otlp-sink' | head -1)
    echo "${name:-nginx-other} $((s[11] + s[12]))"
  done | awk '{ c[$1] += $2 } END { for (k in c) print k, c[k] }'
}
# allocated bytes so far, as far as the young generation tells: YGC x EC + EU, in KB
young_kb() { jstat -gc "$1" | awk 'NR == 2 { printf "%.0f %d %.3f\n", $13 * $5 + $6, $13, $14 }'; }

hz=$(getconf CLK_TCK)
echo "warming up (JIT) ..."
for t in "${targets[@]}"; do wrk -t2 -c"$CONNS" -d"${WARM:-15}s" "http://127.0.0.1:${PORT[$t]}/" >/dev/null; done
reversed=(); for ((i=${#targets[@]}-1; i>=0; i--)); do reversed+=("${targets[$i]}"); done
for r in $(seq 1 "$ROUNDS"); do
  if (( r % 2 == 0 )); then order=("${reversed[@]}"); else order=("${targets[@]}"); fi
  for t in "${order[@]}"; do
    p=${PID[$t]}
    jvm_cpu "$p" > "$OUT/j0"; others_cpu > "$OUT/o0"; read -r a0 y0 g0 <<< "$(young_kb "$p")"
    wrk -t2 -c"$CONNS" -d"${SECS}s" --timeout 5s "http://127.0.0.1:${PORT[$t]}/" > "$OUT/wrk"
    jvm_cpu "$p" > "$OUT/j1"; others_cpu > "$OUT/o1"; read -r a1 y1 g1 <<< "$(young_kb "$p")"
    reqs=$(awk '/requests in/ {print $1}' "$OUT/wrk")
    rps=$(awk '/^Requests\/sec/ {printf "%.0f", $2}' "$OUT/wrk")
    line="$r $t $rps"
    for g in loops export gc jit other; do
      d=$(join <(sort "$OUT/j0") <(sort "$OUT/j1") | awk -v g="$g" '$1 == g {print $3 - $2}')
      line+=" $(awk -v d="${d:-0}" -v n="$reqs" -v hz="$hz" 'BEGIN {printf "%.2f", d * 1e6 / hz / n}')"
    done
    for g in stub-upstream otlp-sink; do
      d=$(join <(sort "$OUT/o0") <(sort "$OUT/o1") | awk -v g="$g" '$1 == g {print $3 - $2}')
      line+=" $(awk -v d="${d:-0}" -v n="$reqs" -v hz="$hz" 'BEGIN {printf "%.2f", d * 1e6 / hz / n}')"
    done
    line+=" $(awk -v a="$((a1 - a0))" -v n="$reqs" 'BEGIN {printf "%.0f", a * 1024 / n}')"
    line+=" $(awk -v y="$((y1 - y0))" -v g0="$g0" -v g1="$g1" -v s="$SECS" 'BEGIN {printf "%.1f %.1f", y / s, 100 * (g1 - g0) / s}')"
    echo "$line" >> "$OUT/results"
    echo "round $line"
  done
done

python3 - "$OUT/results" "${targets[@]}" <<'PY'
import sys, statistics
from collections import defaultdict
cols = ["req/s", "loops", "export", "gc", "jit", "other", "stub", "sink", "B alloc", "YGC/s", "GC %"]
rows = defaultdict(list)
for line in open(sys.argv[1]):
    f = line.split()
    rows[f[1]].append([float(x) for x in f[2:]])
def med(xs):
    xs = sorted(xs); return xs[(len(xs) - 1) // 2], xs[0], xs[-1]
def jvm(x):  # the JVM's CPU per request without the JIT's, which is warm-up, not requests
    return x[1] + x[2] + x[3] + x[5]
print("\nper request, median over rounds: req/s; CPU us of the JVM's event loops, exporter threads,")
print("collector, JIT and other threads, then of the nginx stub and sink; bytes allocated; young")
print("collections per second and their share of wall time; JVM us: all but the JIT")
print(f"{'target':13}" + "".join(f"{c:>9}" for c in cols) + f"{'JVM us':>9}")
for t in sys.argv[2:]:
    r = rows[t]
    cells = [med([x[i] for x in r])[0] for i in range(len(cols))]
    total = med([jvm(x) for x in r])
    print(f"{t:13}" + "".join(f"{c:9.0f}" if i in (0, 8) else f"{c:9.2f}" for i, c in enumerate(cells))
          + f"{total[0]:9.2f}  ({total[1]:.2f}..{total[2]:.2f})")
def ratio(a, b, i, label, inverse=False):
    vals = [(x[i] if i >= 0 else jvm(x)) / (y[i] if i >= 0 else jvm(y)) for x, y in zip(rows[a], rows[b])]
    m, lo, hi = med(vals)
    print(f"{a}/{b} {label}: {m:.2f} ({lo:.2f}..{hi:.2f})")
print()
ratio("traced", "untraced", 0, "req/s")
ratio("traced", "untraced", -1, "JVM CPU per request")
ratio("traced", "untraced", 8, "bytes allocated per request")
ratio("untraced", "vertx", -1, "JVM CPU per request")
if "recorded" in rows:
    ratio("recorded", "untraced", 0, "req/s")
    ratio("recorded", "untraced", -1, "JVM CPU per request")
    ratio("traced", "recorded", -1, "JVM CPU per request")
if "traced-old" in rows:
    ratio("traced", "traced-old", -1, "JVM CPU per request")
    ratio("traced", "traced-old", 8, "bytes allocated per request")
    ratio("untraced", "untraced-old", -1, "JVM CPU per request")
PY
echo "raw results: $OUT"
