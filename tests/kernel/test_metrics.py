"""The metrics room: the figures of dead workers are cleared, outcomes counted by problem code."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.errors import InvalidCredentialsError
from shared.observability import metrics

# Beyond Linux's largest pid (4194304): no process can have it.
DEAD_PID = 4_194_400


def test_files_of_dead_workers_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = [tmp_path / f"counter_{DEAD_PID}.db", tmp_path / f"histogram_{DEAD_PID}.db"]
    alive = tmp_path / f"counter_{os.getpid()}.db"
    unrelated = tmp_path / "notes.txt"
    for path in [*dead, alive, unrelated]:
        path.write_bytes(b"x")
    metrics.remove_files_of_dead_processes(tmp_path)
    assert not any(path.exists() for path in dead)
    assert alive.exists()
    assert unrelated.exists()


def test_outcome_is_success_or_the_problem_code() -> None:
    seen: list[str] = []
    with metrics.outcome_counted(seen.append):
        pass
    with pytest.raises(InvalidCredentialsError), metrics.outcome_counted(seen.append):
        raise InvalidCredentialsError()
    with (
        pytest.raises(InvalidCredentialsError),
        metrics.outcome_counted(seen.append, renamed={"invalid_credentials": "renamed"}),
    ):
        raise InvalidCredentialsError()
    assert seen == ["success", "invalid_credentials", "renamed"]


def test_enabled_in_a_fresh_process_every_family_is_exposed(tmp_path: Path) -> None:
    # A fresh interpreter: this one may have turned metrics on already, for another directory.
    script = (
        "import sys; from pathlib import Path; from shared.observability import metrics as m;"
        "m.enable(default_directory=Path(sys.argv[1]));"
        "m.count_login('success'); m.count_refresh('reuse_detected');"
        "m.count_rate_limited('login'); m.record_password_hash(0.2);"
        "m.count_email('verify_email', 'sent'); m.set_mail_queue_depth(3);"
        "m.record_request('GET', '/api/users/{user_id}', 200, 0.01);"
        "sys.stdout.write(m.exposition().decode())"
    )
    env = {k: v for k, v in os.environ.items() if k != metrics.DIRECTORY_VARIABLE}
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "m")],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    text = done.stdout
    for line in [
        'auth_logins_total{outcome="success"} 1.0',
        'auth_refreshes_total{outcome="reuse_detected"} 1.0',
        'auth_rate_limited_total{limit="login"} 1.0',
        "auth_password_hash_seconds_count 1.0",
        'auth_emails_total{kind="verify_email",outcome="sent"} 1.0',
        "auth_mail_queue_depth 3.0",
        'http_requests_total{method="GET",route="/api/users/{user_id}",status="200"} 1.0',
    ]:
        assert line in text, line
    assert oct((tmp_path / "m").stat().st_mode & 0o777) == "0o700"
