#!/usr/bin/env python3
"""Resident memory of `peitao serve` under sign-ins.

Starts the server on a fresh SQLite database in a temporary folder, registers one account, then
reads VmRSS, VmHWM and Threads from /proc/PID/status:

  fresh       after start (reference data loaded) and one GET /healthz
  register    after the registration (one hash)
  sequential  after N sequential logins (default 20)
  burst k     after each of B bursts of C concurrent logins (default 5 x 200)

and prints them as a Markdown table. Standard library only; Linux only (/proc).

  python3 scripts/bench/login_memory.py --binary target/debug/peitao
  python3 scripts/bench/login_memory.py --binary /tmp/peitao-old --label before

The rate limits are raised through the environment so the bursts are not refused with 429.
"""

import argparse
import concurrent.futures
import http.client
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time

PASSWORD = "a long enough password 1"
EMAIL = "bench@peitao.example"


def status_of(pid):
    """VmRSS and VmHWM in MiB, and the thread count, from /proc/PID/status."""
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    kib = lambda key: int(fields[key].split()[0])  # noqa: E731
    return kib("VmRSS") / 1024, kib("VmHWM") / 1024, int(fields["Threads"])


def request(port, method, path, body=None, timeout=120):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, json.dumps(body) if body is not None else None, headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError as err:
        return f"error: {type(err).__name__}"
    finally:
        connection.close()


def login(port):
    return request(port, "POST", "/api/v1/auth/login", {"email": EMAIL, "password": PASSWORD})


def start(binary, folder):
    env = dict(os.environ)
    env.update(
        {
            "PEITAO__DATABASE__URL": f"sqlite://{folder}/peitao.db?mode=rwc",
            "PEITAO__AUTH__JWT_SECRET": secrets.token_urlsafe(48),
            "PEITAO__AUTH__RATE_LIMIT__PER_IP": "1000000",
            "PEITAO__AUTH__RATE_LIMIT__PER_ACCOUNT": "1000000",
            "PEITAO__SERVER__PORT": "0",
            "PEITAO__LOG__FORMAT": "text",
            "PEITAO__LOG__FILTER": "info",
        }
    )
    env.pop("PEITAO_ENV", None)
    server = subprocess.Popen(
        [binary, "serve"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    for line in server.stdout:
        found = re.search(r"listening on http://[^:\s]+:(\d+)", line)
        if found:
            break
        if time.monotonic() > deadline:
            server.kill()
            sys.exit("the server did not say it was listening within 120 s")
    else:
        sys.exit(f"the server stopped before listening (exit {server.wait()})")
    # Keep reading its log so a full pipe never blocks it; count the "queue is full" warnings.
    warnings = {"queue_full": 0}

    def drain():
        for line in server.stdout:
            if "password hashing queue is full" in line:
                warnings["queue_full"] += 1

    threading.Thread(target=drain, daemon=True).start()
    return server, int(found.group(1)), warnings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default="target/debug/peitao")
    parser.add_argument("--label", default="")
    parser.add_argument("--sequential", type=int, default=20)
    parser.add_argument("--bursts", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)

    rows = []
    with tempfile.TemporaryDirectory(prefix="peitao-bench-") as folder:
        server, port, warnings = start(binary, folder)
        try:
            pid = server.pid

            def record(step, answers=""):
                rss, hwm, threads = status_of(pid)
                rows.append((step, rss, hwm, threads, answers))

            assert request(port, "GET", "/healthz") == 200
            time.sleep(1)
            record("fresh")

            status = request(
                port,
                "POST",
                "/api/v1/auth/register",
                {
                    "email": EMAIL,
                    "password": PASSWORD,
                    "display_name": "Bench",
                    "organization": {
                        "name": "Bench Motors",
                        "kind": "lead",
                        "region_code": "420606",
                        "park_id": None,
                    },
                },
            )
            if status != 201:
                sys.exit(f"registration answered {status}")
            record("after registering")

            started = time.monotonic()
            answers = [login(port) for _ in range(args.sequential)]
            mean = (time.monotonic() - started) / max(args.sequential, 1) * 1000
            record(
                f"after {args.sequential} sequential logins",
                f"{summarise(answers)}, {mean:.0f} ms each",
            )

            with concurrent.futures.ThreadPoolExecutor(args.concurrency) as pool:
                for burst in range(1, args.bursts + 1):
                    started = time.monotonic()
                    answers = list(pool.map(lambda _: login(port), range(args.concurrency)))
                    took = time.monotonic() - started
                    record(
                        f"after burst {burst} ({args.concurrency} concurrent)",
                        f"{summarise(answers)} in {took:.1f} s",
                    )
            time.sleep(2)
            record("2 s later, idle")
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()

    label = f" ({args.label})" if args.label else ""
    print(f"binary: {binary}{label}; nproc {os.cpu_count()}")
    print()
    print("| step | VmRSS MiB | VmHWM MiB | threads | answers |")
    print("| --- | ---: | ---: | ---: | --- |")
    for step, rss, hwm, threads, answers in rows:
        print(f"| {step} | {rss:.0f} | {hwm:.0f} | {threads} | {answers} |")
    print()
    print(f"'password hashing queue is full' warnings: {warnings['queue_full']}")


def summarise(answers):
    counts = {}
    for answer in answers:
        counts[answer] = counts.get(answer, 0) + 1
    return ", ".join(f"{count}× {answer}" for answer, count in sorted(counts.items(), key=str))


if __name__ == "__main__":
    main()
