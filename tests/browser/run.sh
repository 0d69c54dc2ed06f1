#!/usr/bin/env bash
# The web console's end-to-end tests in headless Chromium: starts `peitao serve --demo` on a free
# port over a fresh SQLite database, drives each role's journey with Playwright (playwright-core,
# which downloads no browser: Debian's chromium is used), saves a screenshot of each main page in
# target/browser/, and stops the server.
#
#   tests/browser/run.sh                      # builds the debug binary first
#   PEITAO_BIN=target/release/peitao tests/browser/run.sh
#   CHROMIUM=/path/to/chromium tests/browser/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"

bin="${PEITAO_BIN:-}"
if [ -z "$bin" ]; then
    (cd "$root" && cargo build --bin peitao)
    bin="$root/target/debug/peitao"
fi
case "$bin" in /*) ;; *) bin="$root/$bin" ;; esac
chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [ -z "$chromium" ]; then
    echo "FATAL: no chromium found; install Debian's package (apt-get install -y chromium) or set CHROMIUM" >&2
    exit 1
fi

if [ ! -d "$here/node_modules/playwright-core" ]; then
    (cd "$here" && npm ci --no-audit --no-fund)
fi

work="$(mktemp -d)"
port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
# Every journey signs in from 127.0.0.1, some thirty times a minute: more than the per-IP limit
# allows (the limit itself is tested in tests/api/auth.rs).
PEITAO__DATABASE__URL="sqlite://$work/peitao.db?mode=rwc" PEITAO__SERVER__PORT="$port" \
    PEITAO__AUTH__RATE_LIMIT__PER_IP=1000 \
    PEITAO__LOG__FILTER=warn "$bin" serve --demo >"$work/server.log" 2>&1 &
server=$!
cleanup() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    mkdir -p "$root/target/browser"
    cp "$work/server.log" "$root/target/browser/server.log" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

base="http://127.0.0.1:$port"
for _ in $(seq 1 240); do
    if curl -sf "$base/readyz" >/dev/null 2>&1; then break; fi
    if ! kill -0 "$server" 2>/dev/null; then
        echo "FATAL: the server stopped; its log:" >&2
        cat "$work/server.log" >&2
        exit 1
    fi
    sleep 0.5
done
curl -sf "$base/readyz" >/dev/null

mkdir -p "$root/target/browser"
cd "$here"
BASE_URL="$base" CHROMIUM="$chromium" SCREENSHOTS="$root/target/browser" \
    node --test --test-concurrency=1 journeys.test.mjs
