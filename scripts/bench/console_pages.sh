#!/usr/bin/env bash
# How long the web console's main pages take to render, for each demo role, on the large demo.
#
# Seeds `peitao seed demo --scale large` into a fresh SQLite database (or uses DATABASE_URL as it
# is, already seeded), starts the server, signs in through the console's own form as each role,
# asks each main page RUNS times in turn (after one warm-up request) and prints the median, p90
# and maximum of curl's total time per page, with the load average before and after.
#
#   scripts/bench/console_pages.sh                         # SQLite in a temporary folder
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/peitao_console scripts/bench/console_pages.sh
#
# Environment: BIN (default target/release/peitao), PORT (18439), RUNS (20), DATABASE_URL.
# Needs curl and python3.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${BIN:-$ROOT/target/release/peitao}
PORT=${PORT:-18439}
RUNS=${RUNS:-20}
BASE="http://127.0.0.1:$PORT"
PASSWORD=peitao-demo-2026

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

export PEITAO__LOG__FILTER=warn
if [ -z "${DATABASE_URL:-}" ]; then
    DATABASE_URL="sqlite://$WORK/peitao.db?mode=rwc"
    seeded=$(date +%s.%N)
    PEITAO__DATABASE__URL="$DATABASE_URL" "$BIN" seed demo --scale large >"$WORK/seed.log" 2>&1
    printf 'seeded the large demo in %.1f s\n' "$(echo "$(date +%s.%N) - $seeded" | bc)"
fi

echo "machine: $(nproc) cores; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
PEITAO__DATABASE__URL="$DATABASE_URL" \
PEITAO__AUTH__JWT_SECRET=console-pages-benchmark-secret-0123456789abcdef \
PEITAO__SERVER__PORT="$PORT" \
    "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 1200); do
    if curl -fsS "$BASE/readyz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then cat "$WORK/server.log" >&2; exit 1; fi
    sleep 0.1
done
curl -fsS "$BASE/readyz" >/dev/null

# Signs in through the console's form; the session cookie ends up in the jar $1.
sign_in() {
    local jar=$1 email=$2 csrf
    csrf=$(curl -fsS -c "$jar" "$BASE/login" | sed -n 's/.*name="csrf" value="\([0-9a-f]*\)".*/\1/p' | head -1)
    curl -fsS -b "$jar" -c "$jar" -o /dev/null -X POST "$BASE/login" \
        --data-urlencode "email=$email" --data-urlencode "password=$PASSWORD" \
        --data-urlencode "csrf=$csrf"
    grep -q peitao_session "$jar" || { echo "sign-in of $email failed" >&2; exit 1; }
}

# Times RUNS requests of a page; prints median, p90, max in ms and the page's size.
time_page() {
    local jar=$1 role=$2 path=$3 status
    status=$(curl -sS -b "$jar" -o "$WORK/page.html" -w '%{http_code}' "$BASE$path")
    [ "$status" = 200 ] || { echo "$role $path answered $status" >&2; exit 1; }
    for _ in $(seq 1 "$RUNS"); do
        curl -sS -b "$jar" -o /dev/null -w '%{time_total}\n' "$BASE$path"
    done | python3 -c '
import statistics, sys
role, path, size = sys.argv[1:4]
times = sorted(float(line) * 1000 for line in sys.stdin)
p90 = times[min(len(times) - 1, int(round(0.9 * len(times))) - 1)]
print(f"| {role} | `{path}` | {statistics.median(times):.0f} | {p90:.0f} | {times[-1]:.0f} | {int(size) // 1024} |")
' "$role" "$path" "$(stat -c %s "$WORK/page.html")"
}

declare -A EMAIL=(
    [park_admin]=park.xiangyang@peitao.demo
    [lead]=lead1@peitao.demo
    [sme]=sme1@peitao.demo
    [platform_admin]=admin@peitao.demo
)
for role in park_admin lead sme platform_admin; do
    sign_in "$WORK/$role.jar" "${EMAIL[$role]}"
done
first_need=$(curl -fsS -b "$WORK/lead.jar" "$BASE/lead/needs" |
    sed -n 's/.*href="\/lead\/needs\/\([0-9][0-9]*\)".*/\1/p' | head -1)
first_bom=$(curl -fsS -b "$WORK/lead.jar" "$BASE/lead/boms" |
    sed -n 's/.*href="\/lead\/boms\/\([0-9][0-9]*\)".*/\1/p' | head -1)

echo
echo "| role | page | median ms | p90 ms | max ms | KiB |"
echo "| --- | --- | ---: | ---: | ---: | ---: |"
for path in /park /park/chains /organizations; do time_page "$WORK/park_admin.jar" park_admin "$path"; done
for path in /lead/needs "/lead/needs/$first_need" /deals /lead/boms "/lead/boms/$first_bom" /park; do
    time_page "$WORK/lead.jar" lead "$path"
done
for path in /sme/matches /sme/needs /sme/quotes /deals /sme/profile; do time_page "$WORK/sme.jar" sme "$path"; done
for path in /park /park/chains "/organizations?show=all" /admin/users /admin/imports; do
    time_page "$WORK/platform_admin.jar" platform_admin "$path"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg); runs per page: $RUNS; $(date -u '+%Y-%m-%d %H:%M UTC')"
