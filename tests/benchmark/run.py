"""`make bench`: the load benchmark, with a bare FastAPI app as the ceiling in the same run.

Starts the service on a fresh SQLite database with as many uvicorn workers as cores, seeds
users and their sessions straight into the database, drives each workload with wrk, and
prints one table (also written to tests/benchmark/results.md). Settings: BENCH_SECONDS
(default 10) per workload, BENCH_CONNECTIONS (default 50).
"""

from __future__ import annotations

import http.client
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from pydantic import SecretStr
from sqlalchemy import insert

from shared.config import Settings
from shared.db.engine import create_db_engine
from shared.db.models import AuthSession, Role, User, email_key, utcnow
from shared.db.schema import upgrade_to_head
from shared.security.access_tokens import TokenSettings, create_access_token
from shared.security.passwords import hash_password
from shared.security.refresh_tokens import new_refresh_key, new_session_id, refresh_token_for

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RESULTS_FILE = HERE / "results.md"
PASSWORD = "a benchmark passphrase, long enough"
SECRET = secrets.token_urlsafe(48)
BCRYPT_ROUNDS = 12
SEEDED_USERS = 500
TOKENS = 100  # sessions minted for the read workloads, spread over that many users
REFRESH_CHAINS = 400  # more than any run can need: each run spends one chain per connection
CORES = os.cpu_count() or 1
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "50"))
WARMUP_SECONDS = 3
WRK_THREADS = 2


@dataclass
class Outcome:
    """What one wrk run measured."""

    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


@dataclass
class Row:
    key: str
    what: str
    connections: str
    outcome: Outcome
    bound: float | None = None  # bcrypt's: the most hashes per second these cores can make


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    start_seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            pids += [int(pid) for pid in (task / "children").read_text().split()]
        # multiprocessing's resource tracker is a child too, but serves nothing.
        return [pid for pid in pids if b"resource_tracker" not in _cmdline(pid)]

    def rss_mb(self) -> list[float]:
        return [_status_kb(pid, "VmRSS") / 1024 for pid in self.workers()]

    def cpu_seconds(self) -> float:
        total = 0
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, *, timeout: float = 60) -> None:
        """Until work queued by the last run (hashes still on the threads) has drained."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = self.cpu_seconds()
            time.sleep(0.5)
            if self.cpu_seconds() - before < 0.05:
                return
        raise RuntimeError("the server stayed busy after the load stopped")


def _cmdline(pid: int) -> bytes:
    return Path(f"/proc/{pid}/cmdline").read_bytes()


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _answers(port: int, path: str) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
    try:
        connection.request("GET", path)
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


@contextmanager
def serve(
    app: str, *, probe: str, env: Mapping[str, str], log: Path | None = None
) -> Iterator[Server]:
    """uvicorn with one worker per core, timed from process start to its first answer."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(CORES),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    started = time.perf_counter()
    # The service's own access log stays on, as in production; it goes to a file.
    output = open(log or os.devnull, "wb")  # noqa: SIM115 - closed when the server stops
    process = subprocess.Popen(
        command, cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
    )
    try:
        while not _answers(port, probe):
            if process.poll() is not None:
                raise RuntimeError(f"{app} exited with {process.returncode}")
            if time.perf_counter() - started > 30:
                raise RuntimeError(f"{app} did not answer within 30 s")
            time.sleep(0.005)
        server = Server(process, port, time.perf_counter() - started)
        while len(server.workers()) < CORES:  # the first answer came before all had started
            time.sleep(0.05)
        yield server
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        output.close()


def wrk_process(
    script: str,
    url: str,
    *,
    connections: int,
    seconds: float,
    threads: int = WRK_THREADS,
    env: Mapping[str, str] | None = None,
) -> subprocess.Popen[str]:
    """Starts wrk with a workload script plus the shared reporting code."""
    source = (HERE / "wrk" / script).read_text() + "\n" + (HERE / "wrk" / "report.lua").read_text()
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as combined:
        combined.write(source)
    threads = min(threads, connections)
    return subprocess.Popen(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "60s",
            "-s",
            combined.name,
            url,
        ],
        env={**os.environ, "BENCH_THREADS": str(threads), **(env or {})},
        stdout=subprocess.PIPE,
        text=True,
    )


def outcome_of(process: subprocess.Popen[str]) -> Outcome:
    stdout, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed:\n{stdout}")
    line = next(line for line in stdout.splitlines() if line.startswith("BENCH "))
    found = json.loads(line.removeprefix("BENCH "))
    return Outcome(
        requests=found["requests"],
        seconds=found["duration_us"] / 1e6,
        p50_ms=found["p50_us"] / 1000,
        p99_ms=found["p99_us"] / 1000,
        errors=found["status_errors"] + found["socket_errors"],
    )


def run_wrk(
    script: str,
    url: str,
    *,
    connections: int,
    seconds: float,
    env: Mapping[str, str],
) -> Outcome:
    return outcome_of(wrk_process(script, url, connections=connections, seconds=seconds, env=env))


# --- the data --------------------------------------------------------------------------------


@dataclass
class Seeded:
    emails: Path
    tokens: Path  # "user_id access_token" a line
    refresh_tokens: Path


def seed(settings: Settings, workdir: Path) -> Seeded:
    """Users with one real bcrypt hash at the configured cost, and live sessions for some."""
    upgrade_to_head(settings.database_url)
    engine = create_db_engine(settings)
    hashed = hash_password(PASSWORD, rounds=BCRYPT_ROUNDS)
    now = utcnow()
    emails = [f"user{i}@bench.example.com" for i in range(SEEDED_USERS)]
    token_settings = TokenSettings(
        secret=SECRET,
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        algorithm=settings.jwt_algorithm,
        access_ttl=timedelta(hours=1),
    )
    with engine.begin() as connection:
        connection.execute(
            insert(User),
            [
                {
                    "email": email,
                    "email_key": email_key(email),
                    "full_name": f"Bench User {i}",
                    "hashed_password": hashed,
                    "role": Role.USER.value,
                    "is_active": True,
                    "created_at": now,
                    "updated_at": now,
                    "version": 1,
                }
                for i, email in enumerate(emails)
            ],
        )
        sessions = [
            {
                "id": new_session_id(),
                "user_id": 1 + i % SEEDED_USERS,
                "refresh_key": new_refresh_key(),
                "generation": 0,
                "created_at": now,
                "expires_at": now + timedelta(days=1),
            }
            for i in range(TOKENS + REFRESH_CHAINS)
        ]
        connection.execute(insert(AuthSession), sessions)
    engine.dispose()
    paths = Seeded(workdir / "emails", workdir / "tokens", workdir / "refresh-tokens")
    paths.emails.write_text("\n".join(emails) + "\n")
    paths.tokens.write_text(
        "".join(
            f"{row['user_id']} "
            + create_access_token(
                user_id=cast(int, row["user_id"]),
                session_id=cast(str, row["id"]),
                now=now,
                settings=token_settings,
            )
            + "\n"
            for row in sessions[:TOKENS]
        )
    )
    paths.refresh_tokens.write_text(
        "".join(
            refresh_token_for(
                session_id=cast(str, row["id"]),
                generation=0,
                refresh_key=cast(bytes, row["refresh_key"]),
                secret=SECRET,
            )
            + "\n"
            for row in sessions[TOKENS:]
        )
    )
    return paths


def time_one_hash() -> float:
    """Seconds for one bcrypt hash at the configured cost: the median of five."""
    times = []
    for _ in range(5):
        started = time.perf_counter()
        hash_password(PASSWORD, rounds=BCRYPT_ROUNDS)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# --- the workloads ---------------------------------------------------------------------------


def measure(
    server: Server, script: str, *, warm: int, env: Mapping[str, str], label: str
) -> Outcome:
    """A short warm-up at `warm` connections, the drain it leaves, then the measured run."""
    run_wrk(
        script,
        server.url,
        connections=warm,
        seconds=WARMUP_SECONDS,
        env={**env, "BENCH_RUN": f"{label}-warm"},
    )
    server.wait_idle()
    result = run_wrk(
        script,
        server.url,
        connections=CONNECTIONS,
        seconds=SECONDS,
        env={**env, "BENCH_RUN": label},
    )
    server.wait_idle()
    return result


def service_env(workdir: Path, seeded: Seeded, *, rate_limits: bool) -> dict[str, str]:
    return {
        "APP_ENV": "production",
        "DATABASE_URL": f"sqlite:///{workdir / 'app.db'}",
        "DATA_DIR": str(workdir),
        "JWT_SECRET": SECRET,
        "BCRYPT_ROUNDS": str(BCRYPT_ROUNDS),
        "RATE_LIMIT_ENABLED": "true" if rate_limits else "false",
        # Chains present each token once; 0 (strict) makes any double-spend show as an error.
        "REFRESH_REUSE_GRACE_SECONDS": "0",
        "BENCH_PASSWORD": PASSWORD,
        "BENCH_EMAILS": str(seeded.emails),
        "BENCH_TOKENS": str(seeded.tokens),
    }


def reads_during_login_storm(server: Server, env: Mapping[str, str]) -> list[Row]:
    """M: one reader at one connection while CONNECTIONS clients log in, two wrks at once."""
    run_wrk("read_me.lua", server.url, connections=1, seconds=WARMUP_SECONDS, env=env)
    storm = wrk_process("login.lua", server.url, connections=CONNECTIONS, seconds=SECONDS, env=env)
    reader = wrk_process(
        "read_me.lua", server.url, connections=1, seconds=SECONDS, threads=1, env=env
    )
    read, logins = outcome_of(reader), outcome_of(storm)
    server.wait_idle()
    return [
        Row("M read", "GET /api/users/me during the login storm", "1", read),
        Row("M storm", "POST /api/auth/login alongside it", str(CONNECTIONS), logins),
    ]


def refresh_chains(server: Server, tokens: Path, env: Mapping[str, str]) -> Outcome:
    """F: the warm-up's surviving chains carry on into the measured run, and the measured
    run's into `tokens` with the suffix .rest, for a later run."""
    warmed = tokens.with_suffix(".warmed")
    run_wrk(
        "refresh.lua",
        server.url,
        connections=CONNECTIONS,
        seconds=WARMUP_SECONDS,
        env={**env, "BENCH_TOKENS": str(tokens), "BENCH_TOKENS_OUT": str(warmed)},
    )
    server.wait_idle()
    result = run_wrk(
        "refresh.lua",
        server.url,
        connections=CONNECTIONS,
        seconds=SECONDS,
        env={
            **env,
            "BENCH_TOKENS": str(warmed),
            "BENCH_TOKENS_OUT": str(tokens.with_suffix(".rest")),
        },
    )
    server.wait_idle()
    return result


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    ceiling: Outcome | None = None
    hash_seconds: float = 0.0
    starts: dict[str, float] = field(default_factory=dict)
    rss: list[float] = field(default_factory=list)
    ceiling_rss: list[float] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    load_before: str = ""
    load_after: str = ""


def routes_on_branch() -> set[str]:
    """The routes the slices declare, read here rather than from /openapi.json: building that
    document in a worker would grow the RSS being measured."""
    from fastapi.routing import APIRoute

    import features
    from shared.discovery import discover_slices

    return {
        f"{method} {route.path}"
        for router in discover_slices(features)
        for route in router.routes
        if isinstance(route, APIRoute)
        for method in route.methods or ()
    }


def wanted(key: str) -> bool:
    """BENCH_ONLY=R1,F runs just those workloads (while working on one path)."""
    only = os.environ.get("BENCH_ONLY")
    return not only or key in only.split(",")


def run_service(workdir: Path, seeded: Seeded, report: Report) -> None:
    env = service_env(workdir, seeded, rate_limits=False)
    bound = CORES / report.hash_seconds
    routes = routes_on_branch()
    workloads = [
        ("R1", "GET /api/users/me", "read_me.lua", CONNECTIONS, None),
        ("R2", "GET /api/users/{user_id:int}", "read_user.lua", CONNECTIONS, None),
        ("L", "POST /api/auth/login", "login.lua", CORES, bound),
        ("C", "POST /api/users", "create_user.lua", CORES, bound),
    ]
    with serve("main:app", probe="/health", env=env, log=workdir / "service.log") as server:
        report.starts["service"] = server.start_seconds
        for key, route, script, warm, workload_bound in workloads:
            if not wanted(key):
                continue
            if route not in routes:
                report.missing.append(f"{key} ({route})")
                continue
            outcome = measure(server, script, warm=warm, env=env, label=key.lower())
            report.rows.append(Row(key, route, str(CONNECTIONS), outcome, workload_bound))
        if wanted("M"):
            if {"GET /api/users/me", "POST /api/auth/login"} <= routes:
                report.rows.extend(reads_during_login_storm(server, env))
            else:
                report.missing.append("M (GET /api/users/me and POST /api/auth/login)")
        if wanted("F"):
            if "POST /api/auth/refresh" in routes:
                outcome = refresh_chains(server, seeded.refresh_tokens, env)
                report.rows.append(
                    Row("F", "POST /api/auth/refresh chains", str(CONNECTIONS), outcome)
                )
            else:
                report.missing.append("F (POST /api/auth/refresh)")
        report.rss = server.rss_mb()


def run_with_rate_limits(workdir: Path, seeded: Seeded, report: Report) -> None:
    """F again with rate limiting on, its limit set out of reach: the cost of counting."""
    if not wanted("F") or "POST /api/auth/refresh" not in routes_on_branch():
        return
    env = {
        **service_env(workdir, seeded, rate_limits=True),
        "RATE_LIMIT_REFRESH": "100000000/minute",
    }
    with serve("main:app", probe="/health", env=env, log=workdir / "limits.log") as server:
        report.starts["service, rate limits on"] = server.start_seconds
        outcome = refresh_chains(server, seeded.refresh_tokens.with_suffix(".rest"), env)
        report.rows.append(
            Row("F limits on", "the same, rate limiting on", str(CONNECTIONS), outcome)
        )


def run_with_metrics(workdir: Path, seeded: Seeded, report: Report) -> None:
    """R1 again with METRICS_TOKEN set, so every request is counted: the cost of metrics."""
    if not wanted("R1") or "GET /api/users/me" not in routes_on_branch():
        return
    env = {
        **service_env(workdir, seeded, rate_limits=False),
        "METRICS_TOKEN": secrets.token_urlsafe(24),
        "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"),
    }
    with serve("main:app", probe="/health", env=env, log=workdir / "metrics.log") as server:
        report.starts["service, metrics on"] = server.start_seconds
        outcome = measure(server, "read_me.lua", warm=CONNECTIONS, env=env, label="r1-metrics")
        report.rows.append(Row("R1 metrics on", "the same, metrics on", str(CONNECTIONS), outcome))


def run_ceiling(report: Report) -> None:
    with serve("tests.benchmark.ceiling:app", probe="/item", env={}) as server:
        report.starts["bare FastAPI (ceiling)"] = server.start_seconds
        report.ceiling = measure(server, "ceiling.lua", warm=CONNECTIONS, env={}, label="ceiling")
        report.ceiling_rss = server.rss_mb()


# --- the report ------------------------------------------------------------------------------


TARGETS = """\
Targets: R1 and R2 >= 40% of the ceiling; R1 p99 <= 25 ms; L and C >= 90% of the bcrypt
bound; M read p99 <= 50 ms; RSS per worker <= 80 MB; start to first answer <= 1.5 s."""


def machine() -> str:
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory_gb = _status_kb_meminfo() / 1024 / 1024
    return (
        f"{model}, {CORES} cores, {memory_gb:.0f} GiB; Linux {platform.release()}; "
        f"Python {platform.python_version()}"
    )


def _status_kb_meminfo() -> int:
    line = next(
        line
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return int(line.split()[1])


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def git_commit() -> str:
    found = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    )
    return found.stdout.strip() or "unknown"


def render(report: Report) -> str:
    assert report.ceiling is not None
    ceiling = report.ceiling.rate
    bound = CORES / report.hash_seconds
    lines = [
        f"# Benchmark results ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {git_commit()})",
        "",
        f"Machine: {machine()}. Command: `make bench` ({SECONDS} s per workload after a "
        f"{WARMUP_SECONDS} s warm-up; uvicorn, {CORES} workers, uvloop + httptools, uvicorn's "
        "access log off, the service's own on (to a file); SQLite; "
        f"BCRYPT_ROUNDS={BCRYPT_ROUNDS}; wrk on the same machine). "
        f"Load average before: {report.load_before}, after: {report.load_after}.",
        "",
        "| workload | what | conns | req/s | p50 ms | p99 ms | errors | vs ceiling "
        "| vs bcrypt bound |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        _row(
            "ceiling",
            "bare FastAPI, GET returning a pydantic model",
            str(CONNECTIONS),
            report.ceiling,
            ceiling,
            None,
        ),
    ]
    lines += [
        _row(row.key, row.what, row.connections, row.outcome, ceiling, row.bound)
        for row in report.rows
    ]
    rss = ", ".join(f"{mb:.0f}" for mb in report.rss)
    ceiling_rss = ", ".join(f"{mb:.0f}" for mb in report.ceiling_rss)
    starts = "; ".join(f"{name} {seconds:.2f} s" for name, seconds in report.starts.items())
    lines += [
        "",
        f"bcrypt at cost {BCRYPT_ROUNDS}: {report.hash_seconds * 1000:.0f} ms a hash, so the "
        f"bound is {CORES} cores / {report.hash_seconds:.3f} s = {bound:.1f} hashes/s.",
        f"RSS per worker after the run: {rss} MB (the bare FastAPI app's: {ceiling_rss} MB).",
        f"Process start to first answered request: {starts}.",
        "",
        TARGETS,
        "",
    ]
    if report.missing:
        lines += ["Not measured (route not on this branch yet): " + ", ".join(report.missing), ""]
    return "\n".join(lines)


def _row(
    key: str, what: str, conns: str, outcome: Outcome, ceiling: float, bound: float | None
) -> str:
    vs_bound = f"{outcome.rate / bound:.0%}" if bound else ""
    return (
        f"| {key} | {what} | {conns} | {outcome.rate:,.0f} | {outcome.p50_ms:.1f} "
        f"| {outcome.p99_ms:.1f} | {outcome.errors} | {outcome.rate / ceiling:.0%} | {vs_bound} |"
    )


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install -y wrk (make bench does it)", file=sys.stderr)
        return 1
    report = Report(load_before=load_average())
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        workdir = Path(tmp)
        settings = Settings(
            _env_file=None,
            database_url=f"sqlite:///{workdir / 'app.db'}",
            data_dir=workdir,
            jwt_secret=SecretStr(SECRET),
        )
        report.hash_seconds = time_one_hash()
        seeded = seed(settings, workdir)
        run_ceiling(report)
        run_service(workdir, seeded, report)
        run_with_rate_limits(workdir, seeded, report)
        run_with_metrics(workdir, seeded, report)
    report.load_after = load_average()
    text = render(report).rstrip("\n") + "\n"
    RESULTS_FILE.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
