#!/usr/bin/env python3
"""Fuzz Peitao's HTTP API against its own OpenAPI document with schemathesis.

Starts `peitao serve` on a free port over a fresh database, registers two lead enterprises and two
SMEs through the real API, creates a platform administrator with `peitao user create`, then runs
schemathesis with every check (`--checks all`) against `/api/v1/openapi.json`. The four tenants are
object-level-authorisation peers: an object one of them reads is replayed as the others. The server
is stopped at the end and the database removed; the exit status is non-zero on any failure.

Usage: run.py PEITAO_BINARY DATABASE [options] [-- extra schemathesis options]

DATABASE is `sqlite` (a file in a temporary folder), a `sqlite:` URL, or the URL of a PostgreSQL
server (`postgres://postgres@127.0.0.1:5432/postgres`), on which a uniquely named database is
created for the run and dropped afterwards.

Run it with the Python of a virtual environment that has `requirements.txt` installed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
DEFAULT_REPORTS = HERE.parent.parent / "target" / "fuzz"
LISTENING = re.compile(r"listening on (http://[^\s]+)")
# Peitao's log lines carry ANSI colours when the log format is text; the address is read without them.
ANSI = re.compile(r"\x1b\[[0-9;]*m")
PASSWORD = "fuzz-password-0123456789"
# The county every tenant registers in: Fancheng district, Xiangyang (Hubei), from the reference data.
COUNTY = "420606"

# The tenants, in the order schemathesis tries them: the first one every operation starts with, the
# next ones when an operation refuses it (401/403), the administrator last.
TENANTS = [
    ("lead-a", "lead", "Fuzz Lead A"),
    ("lead-b", "lead", "Fuzz Lead B"),
    ("sme-a", "sme", "Fuzz SME A"),
    ("sme-b", "sme", "Fuzz SME B"),
]
ADMIN = "admin"


def log(message: str) -> None:
    print(f"==> fuzz: {message}", flush=True)


@dataclass
class Database:
    """The database of one run: its URL, and how to get rid of it."""

    url: str
    folder: Path | None = None
    postgres_server: str | None = None
    postgres_name: str | None = None

    @classmethod
    def fresh(cls, spec: str, work: Path) -> Database:
        if spec == "sqlite":
            return cls(url=f"sqlite://{work / 'peitao.db'}?mode=rwc")
        if spec.startswith("sqlite:"):
            return cls(url=spec)
        if spec.startswith(("postgres://", "postgresql://")):
            name = f"peitao_fuzz_{secrets.token_hex(6)}"
            psql(spec, f"CREATE DATABASE {name}")
            return cls(url=with_database(spec, name), postgres_server=spec, postgres_name=name)
        raise SystemExit(f"unknown database {spec!r}: use sqlite, a sqlite: URL or a postgres:// URL")

    def drop(self) -> None:
        if self.postgres_server and self.postgres_name:
            psql(self.postgres_server, f"DROP DATABASE IF EXISTS {self.postgres_name} WITH (FORCE)")
            log(f"dropped database {self.postgres_name}")


def psql(server: str, statement: str) -> None:
    subprocess.run(
        ["psql", "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", server, "-c", statement],
        check=True,
    )


def with_database(server: str, name: str) -> str:
    """`server` (a PostgreSQL URL) pointing at database `name` instead."""
    parts = urlsplit(server)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


class Server:
    """`peitao serve` as a child process, its log in a file."""

    def __init__(self, binary: Path, env: dict[str, str], log_path: Path) -> None:
        self.log_path = log_path
        self.log_file = log_path.open("wb")
        self.process = subprocess.Popen(
            [str(binary), "serve"], env=env, stdout=self.log_file, stderr=subprocess.STDOUT
        )
        self.base_url = self._wait_for_address(timeout=120)

    def _wait_for_address(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = ANSI.sub("", self.log_path.read_text(errors="replace"))
            found = LISTENING.search(text)
            if found:
                return found.group(1).rstrip("/")
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        self.stop()
        print(self.log_path.read_text(errors="replace"), file=sys.stderr)
        raise SystemExit("the server did not say where it listens")

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> int | None:
        """Stops the server as an operator would (SIGTERM); its exit status, None if it had to be killed."""
        status: int | None = self.process.poll()
        if status is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                status = self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log_file.close()
        return status


def call(base_url: str, method: str, path: str, body: object | None = None, token: str | None = None) -> dict:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base_url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        raise SystemExit(f"{method} {path} answered {err.code}: {err.read().decode(errors='replace')}") from None


def register_tenants(base_url: str, run_id: str) -> dict[str, dict]:
    """Registers each tenant through the API; its access token and organisation by name."""
    tenants = {}
    for name, kind, organization in TENANTS:
        answer = call(
            base_url,
            "POST",
            "/api/v1/auth/register",
            {
                "email": f"{name}.{run_id}@fuzz.example",
                "password": PASSWORD,
                "display_name": organization,
                "organization": {"name": organization, "kind": kind, "region_code": COUNTY, "park_id": None},
            },
        )
        tenants[name] = {"token": answer["access_token"], "organization_id": answer["organization"]["id"]}
        log(f"registered {name}: {kind} organisation {answer['organization']['id']}")
    return tenants


def create_admin(binary: Path, env: dict[str, str], base_url: str, run_id: str) -> str:
    """A platform administrator made with the CLI, as an operator would; its access token."""
    email = f"admin.{run_id}@fuzz.example"
    subprocess.run(
        [str(binary), "user", "create", "--role", "platform_admin", "--email", email, "--password-stdin"],
        env=env,
        input=PASSWORD + "\n",
        text=True,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    token = call(base_url, "POST", "/api/v1/auth/login", {"email": email, "password": PASSWORD})["access_token"]
    log("created the platform administrator")
    return token


def write_auth_file(path: Path, tokens: dict[str, str]) -> None:
    """A Web Fuzzing Commons auth document: one entry per identity, a fixed bearer header each."""
    document = {
        "schemaVersion": "0.2.0",
        "auth": [
            {"name": name, "fixedHeaders": [{"name": "Authorization", "value": f"Bearer {token}"}]}
            for name, token in tokens.items()
        ],
    }
    path.write_text(json.dumps(document, indent=2))


def server_env(database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PEITAO")}
    env.update(
        {
            "PEITAO__DATABASE__URL": database_url,
            "PEITAO__SERVER__HOST": "127.0.0.1",
            "PEITAO__SERVER__PORT": "0",
            "PEITAO__SERVER__SHUTDOWN_TIMEOUT_SECS": "5",
            "PEITAO__AUTH__JWT_SECRET": secrets.token_urlsafe(48),
            "PEITAO__AUTH__REQUIRE_JWT_SECRET": "true",
            # The tokens are minted before the run and must outlive it, however slow the machine.
            "PEITAO__AUTH__ACCESS_TOKEN_TTL_SECS": "7200",
            "PEITAO__REFERENCE__LOAD_ON_START": "true",
            # Warnings and errors only, plus the line that says where the server listens.
            "PEITAO__LOG__FILTER": "warn,peitao_api::startup=info",
        }
    )
    return env


def server_problems(log_path: Path) -> list[str]:
    """Log lines that say the server itself went wrong, whatever the answers looked like."""
    lines = ANSI.sub("", log_path.read_text(errors="replace")).splitlines()
    return [line for line in lines if "panicked at" in line or " ERROR " in line]


# Accounts made only to be disabled: `POST /users/{id}/disable` must never reach the identities the
# run signs in with.
DISPOSABLE_USERS = 5


def world(base_url: str, admin_token: str, run_id: str) -> dict:
    """What exists on the server, for the hook that makes schema-valid requests refer to it."""
    roots = [item["code"] for item in call(base_url, "GET", "/api/v1/categories?limit=100")["items"]]
    codes = list(roots)
    for root in roots:
        children = call(base_url, "GET", f"/api/v1/categories?parent={root}&limit=100")["items"]
        codes.extend(child["code"] for child in children)
    disposable = [
        call(
            base_url,
            "POST",
            "/api/v1/users",
            {"email": f"disposable-{n}.{run_id}@fuzz.example", "display_name": "Disposable", "role": "platform_admin"},
            token=admin_token,
        )["user"]["id"]
        for n in range(DISPOSABLE_USERS)
    ]
    return {"categories": codes, "disposable_users": disposable}


def run_schemathesis(
    args: argparse.Namespace,
    extra: list[str],
    base_url: str,
    work: Path,
    report_dir: Path,
    tenants: dict[str, dict],
    world_now: dict,
) -> int:
    """schemathesis over the whole document, its report printed as it goes; its exit status."""
    command = [
        sys.executable, "-m", "schemathesis.cli",
        "--config-file", str(HERE / "schemathesis.toml"),
        "run", f"{base_url}/api/v1/openapi.json",
        # Every check runs: schemathesis enables them all by default. `--checks all` is not passed
        # because an option on the command line outranks the per-operation exceptions in
        # schemathesis.toml.
        "--seed", str(args.seed),
        "--max-examples", str(args.max_examples),
        "--workers", args.workers,
        # Every failure of an operation, not only its first, so one run lists all there is to fix;
        # it also makes a failing run take as long as a passing one.
        "--continue-on-failure",
        "--report", "junit,ndjson",
        "--report-dir", str(report_dir),
        "--no-color",
        *extra,
    ]  # fmt: skip
    env = dict(os.environ)
    env.update(
        {
            "PEITAO_FUZZ_AUTH_FILE": str(work / "auth.json"),
            "SCHEMATHESIS_HOOKS": str(HERE / "hooks.py"),
            "PEITAO_FUZZ_PEERS": json.dumps({name: tenant["token"] for name, tenant in tenants.items()}),
            "PEITAO_FUZZ_WORLD": json.dumps(world_now),
        }
    )
    log(f"schemathesis {' '.join(command[3:])}")
    started = time.monotonic()
    # Run from the scratch folder: whatever schemathesis leaves behind goes with it.
    status = subprocess.run(command, env=env, cwd=work).returncode
    log(f"schemathesis finished in {time.monotonic() - started:.0f} s with status {status}")
    log(f"reports in {report_dir}")
    return status


def server_survived(server: Server) -> bool:
    """Whether the server still answers, stops cleanly when asked, and never panicked."""
    survived = True
    if not server.alive():
        log("FAILED: the server died during the run")
        survived = False
    else:
        try:
            urllib.request.urlopen(server.base_url + "/healthz", timeout=10).close()
        except OSError as err:
            log(f"FAILED: the server no longer answers /healthz after the run: {err}")
            survived = False
    stopped = server.stop()
    if survived and stopped != 0:
        log(f"FAILED: the server did not stop cleanly on SIGTERM (exit status {stopped})")
        survived = False
    problems = server_problems(server.log_path)
    if problems:
        log(f"the server logged {len(problems)} error line(s); the first ones:")
        for line in problems[:20]:
            print(f"    {line[:400]}")
        if any("panicked at" in line for line in problems):
            log("FAILED: the server panicked")
            survived = False
    return survived


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", type=Path, help="the peitao binary (the release build in CI)")
    parser.add_argument("database", help="sqlite, a sqlite: URL, or a PostgreSQL server URL")
    parser.add_argument("--max-examples", type=int, default=100, help="generated test cases per operation")
    parser.add_argument("--seed", type=int, default=20261127, help="schemathesis's random seed")
    parser.add_argument("--workers", default="1", help="concurrent schemathesis workers (1: same order every run)")
    parser.add_argument(
        "--report-dir", type=Path, help="where to keep the reports and the server's log (target/fuzz)"
    )
    argv = sys.argv[1:]
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: len(argv) - len(extra) - (1 if extra else 0)])

    binary = args.binary.resolve()
    if not binary.is_file():
        raise SystemExit(f"no peitao binary at {binary}")
    work = Path(tempfile.mkdtemp(prefix="peitao-fuzz-"))
    report_dir = (args.report_dir or DEFAULT_REPORTS).resolve()
    report_dir.mkdir(parents=True, exist_ok=True)
    run_id = secrets.token_hex(4)
    database = Database.fresh(args.database, work)
    server = None
    try:
        env = server_env(database.url)
        server = Server(binary, env, work / "server.log")
        log(f"server at {server.base_url} on {database.url.split('?')[0].split('@')[-1]}")
        tenants = register_tenants(server.base_url, run_id)
        tokens = {name: tenant["token"] for name, tenant in tenants.items()}
        tokens[ADMIN] = create_admin(binary, env, server.base_url, run_id)
        write_auth_file(work / "auth.json", tokens)
        world_now = world(server.base_url, tokens[ADMIN], run_id)
        status = run_schemathesis(args, extra, server.base_url, work, report_dir, tenants, world_now)
        if not server_survived(server):
            status = status or 1
        return status
    finally:
        if server is not None:
            server.stop()
        database.drop()
        if (work / "server.log").exists():
            shutil.copy(work / "server.log", report_dir / "server.log")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
