#!/usr/bin/env bash
# HTTP load on the matching route next to a plain signed-in route, in one run.
#
# Starts the release server on a database seeded with `peitao seed synthetic` (PostgreSQL or
# SQLite), signs in as lead1 (who owns need 1, published), then runs wrk against
#   GET /api/v1/needs/{id}/matches?limit=20
#   GET /api/v1/me
# with the same bearer token, and prints requests/s and p99 latency of both and their ratios.
#
#   scripts/bench/matching_load.sh postgres://postgres@127.0.0.1:5432/peitao_synth_100k
#
# Environment: BIN (default target/release/peitao), PORT (18437), NEED (1), THREADS (2),
# CONNECTIONS (64), DURATION (20s), WORKERS (0: one per core), EMAIL, PASSWORD.
# Needs wrk (apt-get install -y wrk), curl and python3.
set -euo pipefail

DATABASE_URL=${1:?usage: matching_load.sh DATABASE_URL}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/target/release/peitao}
PORT=${PORT:-18437}
NEED=${NEED:-1}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-64}
DURATION=${DURATION:-20s}
WORKERS=${WORKERS:-0}
EMAIL=${EMAIL:-lead1@synthetic.peitao.example}
PASSWORD=${PASSWORD:-peitao-synthetic-2026}
BASE="http://127.0.0.1:$PORT"

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no server binary at $BIN: cargo build --release" >&2; exit 1; }

if ss -ltn "sport = :$PORT" | grep -q LISTEN; then
    echo "port $PORT is taken: set PORT" >&2
    exit 1
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
started=$(date +%s.%N)
PEITAO__DATABASE__URL="$DATABASE_URL" \
PEITAO__REFERENCE__LOAD_ON_START=false \
PEITAO__AUTH__JWT_SECRET=matching-load-benchmark-secret-0123456789abcdef \
PEITAO__SERVER__PORT="$PORT" \
PEITAO__SERVER__WORKERS="$WORKERS" \
PEITAO__LOG__FILTER=warn \
    "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 1200); do
    if curl -fsS "$BASE/healthz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/server.log" >&2; exit 1; fi
    sleep 0.1
done
curl -fsS "$BASE/healthz" >/dev/null
ready=$(date +%s.%N)
printf 'server ready (index built) in %.1f s; RSS %s MiB\n' "$(echo "$ready - $started" | bc)" \
    "$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$SERVER_PID/status)"

TOKEN=$(curl -fsS -X POST "$BASE/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')

MATCHES="$BASE/api/v1/needs/$NEED/matches?limit=20"
ME="$BASE/api/v1/me"
count=$(curl -fsS "$MATCHES" -H "Authorization: Bearer $TOKEN" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); m=d.get("matches", d.get("items", d)); print(len(m) if isinstance(m, list) else "?")')
echo "need $NEED: $count matches in one answer"
curl -fsS "$ME" -H "Authorization: Bearer $TOKEN" >/dev/null

cat >"$WORK/auth.lua" <<LUA
wrk.headers["Authorization"] = "Bearer $TOKEN"
local statuses = {}
response = function(status, headers, body)
    statuses[status] = (statuses[status] or 0) + 1
end
LUA

run() {
    local label=$1 url=$2
    echo "load during $label: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$WORK/auth.lua" "$url" \
        >"$WORK/$label.txt"
    cat "$WORK/$label.txt" >&2
}
run matches "$MATCHES"
run me "$ME"

python3 - "$WORK/matches.txt" "$WORK/me.txt" <<'PY'
import re, sys

def parse(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    return rps, float(p99.group(1)) * scale, int(non2xx.group(1)) if non2xx else 0

m_rps, m_p99, m_bad = parse(sys.argv[1])
e_rps, e_p99, e_bad = parse(sys.argv[2])
print()
print("| route | requests/s | p99 | non-2xx |")
print("| --- | ---: | ---: | ---: |")
print(f"| GET /api/v1/needs/{{id}}/matches?limit=20 | {m_rps:,.0f} | {m_p99:.2f} ms | {m_bad} |")
print(f"| GET /api/v1/me | {e_rps:,.0f} | {e_p99:.2f} ms | {e_bad} |")
print()
print(f"matches / me requests/s: {100 * m_rps / e_rps:.0f} % (target >= 50 %, aim 90 %)")
print(f"matches p99 / me p99: {m_p99 / e_p99:.2f}x (target <= 1.5x)")
PY
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'server RSS after the runs: %s MiB\n' "$(awk '/VmRSS/ {printf "%.0f", $2/1024}' /proc/$SERVER_PID/status)"
