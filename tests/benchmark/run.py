"""`make bench`: the load benchmark, with a bare FastAPI app as the ceiling in the same run.

One pass a database, SQLite and then PostgreSQL (skipped, with the reason, when none
answers at BENCH_PG_URL). Each pass seeds users and their sessions straight into a fresh
database, starts the ceiling and then the service with ONE worker each, the service as
production starts it (`python main.py serve`, APP_ENV=production), drives each workload with
wrk, and makes one table; both go to tests/benchmark/results.md, with the issue's targets
checked. Settings: BENCH_SECONDS (default 10) per workload, BENCH_CONNECTIONS (default 50),
BENCH_ONLY=R1,I (those workloads), BENCH_DATABASES=sqlite,postgresql (those passes),
BENCH_PROFILE=R1 (py-spy records that workload's worker into tests/benchmark/profiles/).
"""

from __future__ import annotations

import base64
import contextlib
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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import cast

from pydantic import SecretStr
from sqlalchemy import insert

from shared.config import Settings
from shared.db.engine import create_db_engine
from shared.db.models import AuthSession, Role, User, email_key, utcnow
from shared.db.schema import upgrade_to_head
from shared.http.paths import USER_PATH
from shared.security.access_tokens import TokenSettings, create_access_token
from shared.security.passwords import hash_password
from shared.security.refresh_tokens import new_refresh_key, new_session_id, refresh_token_for
from shared.security.rotation import open_key_store

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
WORKERS = 1  # the figures are per worker: scale-out is more workers, not a faster one
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
        """The serving processes: uvicorn's children, or with one worker the server itself."""
        pids = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            # A thread may end between the listing and the read.
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):
                pids += [int(pid) for pid in (task / "children").read_text().split()]
        # multiprocessing's resource tracker is a child too, but serves nothing.
        children = [pid for pid in pids if b"resource_tracker" not in _cmdline(pid)]
        return children or [self.process.pid]

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


# uvicorn as `python main.py serve` runs it (features/run_server): one worker, uvloop and
# httptools, no access log, no Server header, X-Forwarded-* ignored. The ceiling gets the same.
UVICORN_OPTIONS = [
    "--workers",
    str(WORKERS),
    "--no-access-log",
    "--no-server-header",
    "--no-proxy-headers",
    "--log-level",
    "warning",
]


def service_command(port: int) -> list[str]:
    """The production start command (WEB_CONCURRENCY sets its workers)."""
    return [sys.executable, "main.py", "serve", "--host", "127.0.0.1", "--port", str(port)]


def ceiling_command(port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "tests.benchmark.ceiling:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *UVICORN_OPTIONS,
    ]


@contextmanager
def serve(
    command: Callable[[int], list[str]],
    *,
    probe: str,
    env: Mapping[str, str],
    log: Path | None = None,
) -> Iterator[Server]:
    """The server `command(port)` starts, timed from process start to its first answer."""
    port = _free_port()
    started = time.perf_counter()
    # The service's own access log stays on, as in production; it goes to a file.
    output = open(log or os.devnull, "wb")  # noqa: SIM115 - closed when the server stops
    process = subprocess.Popen(
        command(port), cwd=ROOT, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
    )
    try:
        while not _answers(port, probe):
            if process.poll() is not None:
                raise RuntimeError(f"{command(port)} exited with {process.returncode}")
            if time.perf_counter() - started > 30:
                raise RuntimeError(f"{command(port)} did not answer within 30 s")
            time.sleep(0.005)
        yield Server(process, port, time.perf_counter() - started)
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
    es256_tokens: Path  # the same sessions' tokens, signed by the ES256 key file's key
    es256_keys: Path


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
    paths = Seeded(
        workdir / "emails",
        workdir / "tokens",
        workdir / "refresh-tokens",
        workdir / "tokens-es256",
        workdir / "jwt-keys-es256.json",
    )
    paths.emails.write_text("\n".join(emails) + "\n")
    es256_settings = replace(
        token_settings,
        algorithm="ES256",
        keys=open_key_store(
            algorithm="ES256",
            path=paths.es256_keys,
            secret=SECRET,
            access_ttl=token_settings.access_ttl,
            generate=True,
            now=now,
        ),
    )
    for path, signer in ((paths.tokens, token_settings), (paths.es256_tokens, es256_settings)):
        path.write_text(
            "".join(
                f"{row['user_id']} "
                + create_access_token(
                    user_id=cast(int, row["user_id"]),
                    session_id=cast(str, row["id"]),
                    now=now,
                    settings=signer,
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


INTROSPECTION_CLIENT = ("bench", "introspection-secret-0123456789")
PROFILES = HERE / "profiles"


def measure(
    server: Server, script: str, *, warm: int, env: Mapping[str, str], label: str
) -> Outcome:
    """A short warm-up at `warm` connections, the drain it leaves, then the measured run
    (recorded by py-spy when BENCH_PROFILE names it)."""
    run_wrk(
        script,
        server.url,
        connections=warm,
        seconds=WARMUP_SECONDS,
        env={**env, "BENCH_RUN": f"{label}-warm"},
    )
    server.wait_idle()
    with profiled(server, label):
        result = run_wrk(
            script,
            server.url,
            connections=CONNECTIONS,
            seconds=SECONDS,
            env={**env, "BENCH_RUN": label},
        )
    server.wait_idle()
    return result


@contextmanager
def profiled(server: Server, label: str) -> Iterator[None]:
    """py-spy on the worker for the run, when BENCH_PROFILE names this workload ("r1",
    "pg-r1"...): the raw stacks and a summary of the hottest functions by own time."""
    wanted_labels = {
        name.strip().lower() for name in os.environ.get("BENCH_PROFILE", "").split(",")
    }
    if label.lower() not in wanted_labels and label.lower().split("-", 1)[-1] not in wanted_labels:
        yield
        return
    PROFILES.mkdir(exist_ok=True)
    raw = PROFILES / f"{label}.txt"
    spy = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "py-spy"),
            "record",
            "--pid",
            str(server.workers()[0]),
            "--duration",
            str(SECONDS),
            "--rate",
            "250",
            "--format",
            "raw",
            "--nonblocking",
            "--output",
            str(raw),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.wait()
    (PROFILES / f"{label}.summary.txt").write_text(profile_summary(raw))


def profile_summary(raw: Path, *, top: int = 30) -> str:
    """Own time by function, and by package, from py-spy's collapsed stacks."""
    own: dict[str, int] = {}
    packages: dict[str, int] = {}
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        leaf = stack.rsplit(";", 1)[-1]
        own[leaf] = own.get(leaf, 0) + int(count)
        where = leaf.rpartition("(")[2].split(":")[0]
        package = "/".join(where.split("/")[:2])
        packages[package] = packages.get(package, 0) + int(count)
        total += int(count)

    def lines(counts: dict[str, int]) -> list[str]:
        ranked = sorted(counts.items(), key=lambda item: -item[1])[:top]
        return [f"{count / total:6.1%}  {name}" for name, count in ranked]

    return "\n".join(
        [
            f"{total} samples",
            "",
            "By package (own time):",
            *lines(packages),
            "",
            "By function (own time):",
            *lines(own),
            "",
        ]
    )


def service_env(
    workdir: Path, seeded: Seeded, database_url: str, **overrides: str
) -> dict[str, str]:
    """Production settings: rate limiting on (its limits out of reach, so what is measured is
    the cost of counting), no mail sent, introspection open to one client."""
    out_of_reach = "1000000000/minute"
    return {
        "APP_ENV": "production",
        "WEB_CONCURRENCY": str(WORKERS),
        "DATABASE_URL": database_url,
        "DATA_DIR": str(workdir),
        "JWT_SECRET": SECRET,
        "BCRYPT_ROUNDS": str(BCRYPT_ROUNDS),
        "RATE_LIMIT_ENABLED": "true",
        **{
            f"RATE_LIMIT_{name}": out_of_reach
            for name in (
                "LOGIN",
                "LOGIN_IP",
                "LOGIN_FAILURES",
                "REGISTER",
                "REFRESH",
                "LOGOUT",
            )
        },
        # Production asks for a mail server; sign-ups queue their mail, which stays queued.
        "SMTP_HOST": "127.0.0.1",
        "MAIL_SENDER_ENABLED": "false",
        "INTROSPECTION_CLIENTS": ":".join(INTROSPECTION_CLIENT),
        # Chains present each token once; 0 (strict) makes any double-spend show as an error.
        "REFRESH_REUSE_GRACE_SECONDS": "0",
        "BENCH_PASSWORD": PASSWORD,
        "BENCH_EMAILS": str(seeded.emails),
        "BENCH_TOKENS": str(seeded.tokens),
        "BENCH_BASIC": base64.b64encode(":".join(INTROSPECTION_CLIENT).encode()).decode(),
        **overrides,
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
    """F: the warm-up's surviving chains carry on into the measured run."""
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


def introspection_answers_active(server: Server, tokens: Path) -> bool:
    """The workload's premise: the service says the seeded tokens are live."""
    token = tokens.read_text().split("\n", 1)[0].split(" ", 1)[1]
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        basic = base64.b64encode(":".join(INTROSPECTION_CLIENT).encode()).decode()
        connection.request(
            "POST",
            "/api/auth/introspect",
            body=f"token={token}",
            headers={
                "Authorization": f"Basic {basic}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
        )
        answer = connection.getresponse()
        return answer.status == 200 and json.loads(answer.read()).get("active") is True
    finally:
        connection.close()


@dataclass
class Pass:
    """One database's table."""

    database: str
    rows: list[Row] = field(default_factory=list)
    ceiling: Outcome | None = None
    starts: dict[str, float] = field(default_factory=dict)
    rss: list[float] = field(default_factory=list)
    ceiling_rss: list[float] = field(default_factory=list)
    skipped: str | None = None

    def row(self, key: str) -> Row | None:
        return next((row for row in self.rows if row.key == key), None)


@dataclass
class Report:
    passes: list[Pass] = field(default_factory=list)
    hash_seconds: float = 0.0
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


def run_pass(database: str, database_url: str, workdir: Path, report: Report) -> Pass:
    """The ceiling, then the service (HS256) through every workload, then R1 on ES256."""
    result = Pass(database)
    settings = Settings(
        _env_file=None, database_url=database_url, data_dir=workdir, jwt_secret=SecretStr(SECRET)
    )
    seeded = seed(settings, workdir)
    prefix = "" if database == "SQLite" else "pg-"
    with serve(ceiling_command, probe="/item", env={}) as server:
        result.starts["bare FastAPI (ceiling)"] = server.start_seconds
        result.ceiling = measure(
            server, "ceiling.lua", warm=CONNECTIONS, env={}, label=f"{prefix}ceiling"
        )
        result.ceiling_rss = server.rss_mb()

    bound = CORES / report.hash_seconds
    routes = routes_on_branch()
    workloads = [
        ("R1", "GET /api/users/me", "read_me.lua", CONNECTIONS, None),
        ("R2", f"GET {USER_PATH}", "read_user.lua", CONNECTIONS, None),
        ("I", "POST /api/auth/introspect", "introspect.lua", CONNECTIONS, None),
        ("L", "POST /api/auth/login", "login.lua", CORES, bound),
        ("C", "POST /api/users", "create_user.lua", CORES, bound),
    ]
    env = service_env(workdir, seeded, database_url)
    with serve(service_command, probe="/health", env=env, log=workdir / "service.log") as server:
        result.starts["service"] = server.start_seconds
        for key, route, script, warm, workload_bound in workloads:
            if not wanted(key):
                continue
            if route not in routes:
                report.missing.append(f"{key} ({route})")
                continue
            if key == "I" and not introspection_answers_active(server, seeded.tokens):
                raise RuntimeError("introspection does not call the seeded tokens active")
            outcome = measure(server, script, warm=warm, env=env, label=prefix + key.lower())
            result.rows.append(Row(key, route, str(CONNECTIONS), outcome, workload_bound))
        if wanted("M") and {"GET /api/users/me", "POST /api/auth/login"} <= routes:
            result.rows.extend(reads_during_login_storm(server, env))
        if wanted("F") and "POST /api/auth/refresh" in routes:
            outcome = refresh_chains(server, seeded.refresh_tokens, env)
            result.rows.append(Row("F", "POST /api/auth/refresh chains", str(CONNECTIONS), outcome))
        result.rss = server.rss_mb()

    if wanted("R1 ES256"):
        es256 = service_env(
            workdir,
            seeded,
            database_url,
            JWT_ALGORITHM="ES256",
            JWT_KEYS_FILE=str(seeded.es256_keys),
            BENCH_TOKENS=str(seeded.es256_tokens),
        )
        with serve(
            service_command, probe="/health", env=es256, log=workdir / "es256.log"
        ) as server:
            result.starts["service, ES256"] = server.start_seconds
            outcome = measure(
                server, "read_me.lua", warm=CONNECTIONS, env=es256, label=f"{prefix}r1-es256"
            )
            result.rows.append(
                Row("R1 ES256", "GET /api/users/me, ES256 tokens", str(CONNECTIONS), outcome)
            )
    if database == "SQLite" and wanted("R1 metrics on"):
        # The same R1 with METRICS_TOKEN set, every request counted: the cost of metrics.
        metered = service_env(
            workdir,
            seeded,
            database_url,
            METRICS_TOKEN=secrets.token_urlsafe(24),
            PROMETHEUS_MULTIPROC_DIR=str(workdir / "metrics"),
        )
        metered_log = workdir / "metrics.log"
        with serve(service_command, probe="/health", env=metered, log=metered_log) as server:
            result.starts["service, metrics on"] = server.start_seconds
            outcome = measure(
                server, "read_me.lua", warm=CONNECTIONS, env=metered, label="r1-metrics"
            )
            result.rows.append(
                Row("R1 metrics on", "the same, metrics on", str(CONNECTIONS), outcome)
            )
    return result


# --- PostgreSQL ------------------------------------------------------------------------------

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


class PostgresUnavailableError(Exception):
    """Nothing answers at BENCH_PG_URL: the PostgreSQL pass is skipped, with this reason."""


@contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh database on BENCH_PG_URL's server, dropped afterwards."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    server = make_url(PG_URL)
    admin = create_engine(server, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    name = f"bench_{secrets.token_hex(4)}"
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    except OperationalError as exc:
        admin.dispose()
        raise OSError(
            f"PostgreSQL does not answer at {server.render_as_string()}: {exc.orig}"
        ) from None
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def databases_wanted() -> list[str]:
    names = os.environ.get("BENCH_DATABASES", "sqlite,postgresql")
    return [name.strip().lower() for name in names.split(",") if name.strip()]


# --- the report ------------------------------------------------------------------------------


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


@dataclass
class Target:
    what: str
    measured: str
    met: bool | None  # None: not measured in this run


def targets(result: Pass, hash_seconds: float) -> list[Target]:
    """Issue 17's targets for one database, measured against this pass's ceiling."""
    sqlite = result.database == "SQLite"
    assert result.ceiling is not None
    ceiling = result.ceiling.rate
    bound = CORES / hash_seconds
    r1 = result.row("R1")

    def target(
        what: str,
        key: str,
        value: Callable[[Outcome], float],
        unit: str,
        least: float,
        *,
        at_most: bool = False,
    ) -> Target:
        row = result.row(key)
        if row is None:
            return Target(what, "not run", None)
        found = value(row.outcome)
        shown = f"{found:.0%}" if unit == "%" else f"{found:.1f} {unit}"
        return Target(what, shown, found <= least if at_most else found >= least)

    r1_rate = r1.outcome.rate if r1 else float("nan")
    r1_share = 0.40 if sqlite else 0.30
    p99_bound = 25.0 if sqlite else 40.0
    introspection_share = 0.30 if sqlite else 0.25
    worst_rss = max(result.rss, default=0.0)
    return [
        target(
            f"R1 >= {r1_share:.0%} of the ceiling", "R1", lambda o: o.rate / ceiling, "%", r1_share
        ),
        target(
            f"R1 p99 <= {p99_bound:.0f} ms", "R1", lambda o: o.p99_ms, "ms", p99_bound, at_most=True
        ),
        target(
            f"I >= {introspection_share:.0%} of the ceiling",
            "I",
            lambda o: o.rate / ceiling,
            "%",
            introspection_share,
        ),
        target("R1 ES256 >= 90% of R1 HS256", "R1 ES256", lambda o: o.rate / r1_rate, "%", 0.9),
        target(
            "reads' p99 during the login storm <= 50 ms",
            "M read",
            lambda o: o.p99_ms,
            "ms",
            50.0,
            at_most=True,
        ),
        target("L >= 90% of the bcrypt bound", "L", lambda o: o.rate / bound, "%", 0.9),
        target("C >= 90% of the bcrypt bound", "C", lambda o: o.rate / bound, "%", 0.9),
        Target(
            "RSS per worker after the run <= 80 MB",
            f"{worst_rss:.0f} MB",
            worst_rss <= 80 if result.rss else None,
        ),
    ]


def render(report: Report) -> str:
    bound = CORES / report.hash_seconds
    lines = [
        f"# Benchmark results ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, commit {git_commit()})",
        "",
        f"Machine: {machine()}. Command: `make bench` ({SECONDS} s per workload after a "
        f"{WARMUP_SECONDS} s warm-up; wrk with {CONNECTIONS} connections on the same machine). "
        f"Every server runs {WORKERS} uvicorn worker with uvloop + httptools: the service as "
        "production starts it (`python main.py serve`, APP_ENV=production, rate limiting on "
        "with its limits out of reach, its own JSON access log on, to a file), the ceiling (a "
        "bare FastAPI route returning a pydantic model) with the same uvicorn options, measured "
        f"again in each database's pass. BCRYPT_ROUNDS={BCRYPT_ROUNDS}. "
        f"Load average before: {report.load_before}, after: {report.load_after}.",
        "",
    ]
    for result in report.passes:
        lines += [f"## {result.database}", ""]
        if result.skipped or result.ceiling is None:
            lines += [f"Skipped: {result.skipped}", ""]
            continue
        ceiling = result.ceiling.rate
        lines += [
            "| workload | what | conns | req/s | p50 ms | p99 ms | errors | vs ceiling "
            "| vs bcrypt bound |",
            "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
            _row("ceiling", "bare FastAPI route", str(CONNECTIONS), result.ceiling, ceiling, None),
            *(
                _row(row.key, row.what, row.connections, row.outcome, ceiling, row.bound)
                for row in result.rows
            ),
            "",
            "RSS per worker after the run: "
            + ", ".join(f"{mb:.0f}" for mb in result.rss)
            + " MB (the ceiling's: "
            + ", ".join(f"{mb:.0f}" for mb in result.ceiling_rss)
            + " MB). Process start to first answer: "
            + "; ".join(f"{name} {seconds:.2f} s" for name, seconds in result.starts.items())
            + ".",
            "",
            "| target | measured | met |",
            "| --- | ---: | --- |",
            *(
                f"| {target.what} | {target.measured} | "
                f"{'n/a' if target.met is None else 'yes' if target.met else 'NO'} |"
                for target in targets(result, report.hash_seconds)
            ),
            "",
        ]
    lines += [
        f"bcrypt at cost {BCRYPT_ROUNDS}: {report.hash_seconds * 1000:.0f} ms a hash; one worker "
        f"hashes on up to {CORES} threads (one per core), so the bound is {CORES} / "
        f"{report.hash_seconds:.3f} s = {bound:.1f} hashes/s.",
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
    report.hash_seconds = time_one_hash()
    for database in databases_wanted():
        with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
            workdir = Path(tmp)
            if database == "sqlite":
                report.passes.append(
                    run_pass("SQLite", f"sqlite:///{workdir / 'app.db'}", workdir, report)
                )
                continue
            with contextlib.ExitStack() as stack:
                try:
                    url = stack.enter_context(postgres_database())
                except PostgresUnavailableError as exc:
                    report.passes.append(Pass("PostgreSQL", skipped=str(exc)))
                    continue
                report.passes.append(run_pass("PostgreSQL", url, workdir, report))
    report.load_after = load_average()
    text = render(report).rstrip("\n") + "\n"
    RESULTS_FILE.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
