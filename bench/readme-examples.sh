#!/usr/bin/env bash
# Tries README.md and docs/ as a newcomer would, on Linux without Docker: every `java -jar
# target/tracegate.jar` command that exits (check, --version, each command's --help) and every curl
# line against the demo, exactly as printed, plus every relative link and #anchor of README.md,
# BENCHMARKS.md, docs/ and deploy/.
# Prints one line per example and exits 1 if any failed. Needs target/tracegate.jar (mvn package)
# and curl. The demo runs on the README's ports 8080 and 9090; when either is taken, on free ones,
# and the curl lines are rewritten to them (the script says so). PostgreSQL: TRACEGATE_DATABASE_URL
# when set, else the demo's embedded one.
#
#   bench/readme-examples.sh
set -uo pipefail
cd "$(dirname "$0")/.."
JAR=target/tracegate.jar
[ -f "$JAR" ] || { echo "readme-examples: $JAR is missing (mvn -B package -DskipTests)" >&2; exit 2; }
command -v curl >/dev/null || { echo "readme-examples: curl is missing" >&2; exit 2; }
work=$(mktemp -d)
demo_pid=
cleanup() {
  [ -n "$demo_pid" ] && kill "$demo_pid" 2>/dev/null && wait "$demo_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
failed=0
ok() { printf 'ok    %s\n' "$1"; }
bad() { printf 'FAIL  %s\n      %s\n' "$1" "$2"; failed=1; }

# 1. links and anchors: every relative link of the Markdown files resolves to a file and a heading
python3 - README.md BENCHMARKS.md $(find docs deploy -name '*.md' 2>/dev/null) <<'EOF' || failed=1
import os, re, sys
def anchors(path):
    out, seen = set(), {}
    for line in open(path, encoding="utf-8"):
        m = re.match(r"^(#{1,6})\s+(.*?)\s*$", line)
        if not m:
            continue
        a = re.sub(r"[^\w\- ]", "", m.group(2).lower().replace("`", "")).replace(" ", "-")
        n = seen.get(a, 0)
        seen[a] = n + 1
        out.add(a if n == 0 else f"{a}-{n}")
    return out
bad = 0
for md in sys.argv[1:]:
    text = open(md, encoding="utf-8").read()
    text = re.sub(r"```.*?```", "", text, flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"^[a-z]+://", target) or target.startswith("mailto:"):
            continue
        path, _, anchor = target.partition("#")
        file = os.path.normpath(os.path.join(os.path.dirname(md), path)) if path else md
        if not os.path.exists(file):
            print(f"FAIL  link {md} -> {target}\n      no such file {file}"); bad = 1
        elif anchor and file.endswith(".md") and anchor not in anchors(file):
            print(f"FAIL  link {md} -> {target}\n      no heading #{anchor} in {file}"); bad = 1
        else:
            print(f"ok    link {md} -> {target}")
sys.exit(bad)
EOF

# 2. the commands that exit, exactly as printed; check's printed line must be what it prints
DOCS=(README.md docs/*.md)
grep -ho '`java -jar target/tracegate.jar [^`]*`' "${DOCS[@]}" | tr -d '`' | sort -u |
  grep -v -e '\[' -e 'NAME' -e '|' -e '…' -e ' demo$' -e ' demo ' > "$work/commands"
while read -r cmd; do
  out=$(bash -c "$cmd" 2>&1); rc=$?
  if [ $rc -ne 0 ]; then bad "$cmd" "exit $rc: $out"; continue; fi
  case "$cmd" in
    *" check "*) grep -qF -- "\`$out\`" "${DOCS[@]}" && ok "$cmd" || bad "$cmd" "prints '$out', which the docs do not show" ;;
    *) ok "$cmd" ;;
  esac
done < "$work/commands"
for sub in "" check demo demo-service; do
  cmd="java -jar $JAR $sub --help"
  bash -c "$cmd" > /dev/null 2>&1 && ok "$cmd" || bad "$cmd" "exit $?"
done

# 3. the demo, as the README's first command starts it, and every curl line against it
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
gw=8080; admin=9090
if ! port_free 8080 || ! port_free 9090; then
  gw=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  admin=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  echo "note  8080 or 9090 is taken here: the demo runs on $gw and $admin, and the curl lines are rewritten to them"
fi
TRACEGATE_SERVER_PORT=$gw TRACEGATE_ADMIN_PORT=$admin java -jar "$JAR" demo > "$work/demo.out" 2>&1 &
demo_pid=$!
for _ in $(seq 1 120); do
  grep -q '^Every response carries X-Trace-Id' "$work/demo.out" && break
  kill -0 "$demo_pid" 2>/dev/null || break
  sleep 0.5
done
if ! grep -q '^Every response carries X-Trace-Id' "$work/demo.out"; then
  bad "java -jar $JAR demo" "did not print its banner: $(tail -5 "$work/demo.out")"
  exit 1
fi
ok "java -jar $JAR demo (banner printed)"
trace=$(curl -s -o /dev/null -D - "http://127.0.0.1:$gw/api/orders/1" | tr -d '\r' | awk -F': ' 'tolower($1)=="x-trace-id"{print $2}')
sleep 1 # the trace views show ended spans, exported in batches
grep -ho '`curl [^`]*`' "${DOCS[@]}" | tr -d '`' > "$work/curls"
awk '/^```sh/{on=1; next} /^```/{on=0} on && /^curl /' "${DOCS[@]}" >> "$work/curls"
sort -u "$work/curls" | grep 'http' | grep -v -e docker -e 'localhost:8080/api/price' -e 'localhost:8080/api/summary' |
while read -r line; do
  cmd=${line%%#*}
  cmd=${cmd//<traceId>/$trace}; cmd=${cmd//<trace_id>/$trace}
  cmd=${cmd//127.0.0.1:8080/127.0.0.1:$gw}; cmd=${cmd//127.0.0.1:9090/127.0.0.1:$admin}
  out=$(bash -c "$cmd" 2>&1); rc=$?
  if [ $rc -ne 0 ] || [ -z "$out" ] || grep -q '"error":"not_found"' <<<"$out"; then
    bad "$line" "exit $rc: ${out:0:200}"
  else
    ok "$line"
  fi
done > "$work/curl.results"
cat "$work/curl.results"
grep -q '^FAIL' "$work/curl.results" && failed=1
# the docker compose lines, on the demo that runs here (the same routes, on 127.0.0.1)
for path in /api/summary/1 /api/price/ESP-1; do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$gw$path")
  [ "$code" = 200 ] && ok "curl -i http://localhost:8080$path (on the local demo)" || bad "curl -i http://localhost:8080$path" "HTTP $code"
done

[ $failed -eq 0 ] && echo "readme-examples: every example works as printed" || echo "readme-examples: some examples failed"
exit $failed
