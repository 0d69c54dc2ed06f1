#!/usr/bin/env python3
"""Times the statistics routes on a large PostgreSQL database (issue 11: each within 1 second
with 1M deals).

Seed first, e.g. `peitao seed synthetic --suppliers 130000` (about 7.7 deals per supplier), then:

    scripts/bench/stats_load.py postgres://postgres@127.0.0.1:5432/peitao_synth_130k

The script gives every lead enterprise a bill of materials when none exists (one line per category
it has needs in, about a quarter sourced in its own county, the rest in Shenzhen), starts the
release server on the database, creates a platform administrator, and times each route
sequentially (a warm-up, then --runs requests), printing the median, p90 and slowest, with the
machine's load average. Needs psql and curl.
"""

import argparse
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

BASELINES = """
INSERT INTO boms (organization_id, uploaded_by, name, uploaded_at)
SELECT id, NULL, 'synthetic baseline', now() FROM organizations
WHERE kind = 'lead' AND NOT EXISTS (SELECT 1 FROM boms);
INSERT INTO bom_lines (bom_id, line_no, category_code, description, annual_value_fen,
                       current_supplier_region, in_province)
SELECT b.id,
       1 + ROW_NUMBER() OVER (PARTITION BY b.id ORDER BY n.category_code),
       n.category_code, 'synthetic line',
       (abs(hashtext(n.category_code || b.id::text)) % 100000 + 1000) * 10000,
       CASE WHEN abs(hashtext(b.id::text || n.category_code)) % 4 = 0 THEN o.region_code ELSE '440306' END,
       abs(hashtext(b.id::text || n.category_code)) % 4 = 0
FROM boms b
JOIN organizations o ON o.id = b.organization_id
JOIN (SELECT DISTINCT organization_id, category_code FROM needs) n ON n.organization_id = b.organization_id
WHERE NOT EXISTS (SELECT 1 FROM bom_lines);
"""

COUNTS = "SELECT (SELECT count(*) FROM deals), (SELECT count(*) FROM organizations WHERE kind = 'lead'), (SELECT count(*) FROM bom_lines), (SELECT count(*) FROM needs)"


def psql(url, sql):
    return subprocess.run(["psql", url, "-At", "-c", sql], check=True, capture_output=True, text=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(base, path, token=None, body=None, accept=None):
    req = urllib.request.Request(base + path, method="POST" if body is not None else "GET")
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if accept:
        req.add_header("Accept", accept)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, data=data, timeout=120) as response:
        return response.status, response.read()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("database_url")
    parser.add_argument("--binary", default=str(ROOT / "target/release/peitao"))
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--from-date", default="2025-01-01")
    parser.add_argument("--to-date", default="2026-12-31")
    args = parser.parse_args()

    psql(args.database_url, BASELINES)
    # A settled database, as autovacuum leaves it: planner statistics and visibility maps current
    # (a bulk seed leaves both stale, and the server's migrations may have just filled a table).
    psql(args.database_url, "VACUUM ANALYZE")
    deals, leads, lines, needs = psql(args.database_url, COUNTS).split("|")
    print(f"database: {deals} deals, {needs} needs, {leads} lead enterprises, {lines} bill-of-materials lines")

    env = dict(os.environ)
    env.update({
        "PEITAO__DATABASE__URL": args.database_url,
        "PEITAO__REFERENCE__LOAD_ON_START": "false",
        "PEITAO__LOG__FILTER": "warn",
        "PEITAO__AUTH__JWT_SECRET": secrets.token_hex(32),
    })
    email = f"bench-{secrets.token_hex(4)}@peitao.example"
    password = secrets.token_urlsafe(18)
    subprocess.run([args.binary, "user", "create", "--role", "platform_admin", "--email", email, "--password-stdin"],
                   input=password + "\n", text=True, env=env, check=True, capture_output=True)
    port = free_port()
    env["PEITAO__SERVER__PORT"] = str(port)
    log = tempfile.NamedTemporaryFile(prefix="stats-bench-", suffix=".log", delete=False)
    server = subprocess.Popen([args.binary, "serve"], env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        started = time.time()
        while True:
            try:
                if request(base, "/readyz")[0] == 200:
                    break
            except Exception:
                pass
            if server.poll() is not None or time.time() - started > 600:
                sys.exit(f"the server did not start; see {log.name}")
            time.sleep(0.5)
        print(f"server ready in {time.time() - started:.1f} s")
        _, body = request(base, "/api/v1/auth/login", body={"email": email, "password": password})
        token = json.loads(body)["access_token"]
        _, body = request(base, "/api/v1/chains", token)
        chain = json.loads(body)["items"][0]["id"]
        period = f"from={args.from_date}&to={args.to_date}"
        routes = [
            f"/api/v1/stats/supporting-rate?{period}",
            f"/api/v1/stats/supporting-rate?{period}&group_by=lead",
            f"/api/v1/stats/supporting-rate?{period}&group_by=month",
            f"/api/v1/stats/supporting-rate?{period}&group_by=chain",
            f"/api/v1/stats/supporting-rate?{period}&group_by=prefecture&format=csv",
            f"/api/v1/stats/funnel?{period}",
            f"/api/v1/stats/overview?{period}",
            f"/api/v1/stats/overview?{period}&format=xlsx",
            "/api/v1/stats/gaps",
            f"/api/v1/chains/{chain}/graph",
        ]
        print(f"load average before: {open('/proc/loadavg').read().split()[:3]}")
        print(f"| route | median | p90 | slowest | bytes |")
        print(f"| --- | ---: | ---: | ---: | ---: |")
        for route in routes:
            request(base, route, token)
            times = []
            size = 0
            for _ in range(args.runs):
                begin = time.perf_counter()
                status, body = request(base, route, token)
                times.append(time.perf_counter() - begin)
                size = len(body)
                assert status == 200, (route, status)
            times.sort()
            p90 = times[min(len(times) - 1, int(round(0.9 * (len(times) - 1))))]
            print(f"| `{route}` | {statistics.median(times) * 1000:.0f} ms | {p90 * 1000:.0f} ms | {times[-1] * 1000:.0f} ms | {size} |", flush=True)
        print(f"load average after: {open('/proc/loadavg').read().split()[:3]}")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
