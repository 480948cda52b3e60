"""The feature team's tools on a copy of the repository: the slice scaffold and the git hooks."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import main
from features.scaffold_slice import command as scaffold_command
from tests.architecture.test_architecture import SLICE_FILES, layout_problems, subprocess_env
from tests.fixtures import FEATURES_DIR, REPO_ROOT, copy_of_repository

BIN = Path(sys.executable).parent


def run(*command: str | Path, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**subprocess_env(), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def git(*args: str, cwd: Path) -> str:
    result = run("git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args, cwd=cwd)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """What a fresh clone would hold (tracked and new, not ignored, files) in a new git repo,
    sharing this checkout's .venv and mypy cache."""
    copy = copy_of_repository(tmp_path / "repo")
    (copy / ".venv").symlink_to(BIN.parent)
    if (REPO_ROOT / ".mypy_cache").is_dir():
        shutil.copytree(REPO_ROOT / ".mypy_cache", copy / ".mypy_cache")
    git("init", "-q", cwd=copy)
    git("add", "-A", cwd=copy)
    git("commit", "-q", "--no-verify", "-m", "chore: copy", cwd=copy)
    return copy


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("class", "Python keyword"),
        ("match", "Python keyword"),
        ("conftest", "reserved"),
        ("test_things", "reserved"),
        ("archive", "not a verb_noun"),
        ("Archive_User", "not a verb_noun"),
        ("archive-user", "not a verb_noun"),
        ("archive_user_", "not a verb_noun"),
        ("create_user", "already exists"),
    ],
)
def test_new_slice_refuses_a_bad_name_with_a_message_and_nonzero_exit(
    name: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = sorted(path.name for path in FEATURES_DIR.iterdir())
    assert main.cli(["new-slice", name]) != 0
    assert why in capsys.readouterr().err
    assert sorted(path.name for path in FEATURES_DIR.iterdir()) == before


def test_new_slice_writes_a_complete_slice_and_lists_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    features_dir = tmp_path / "features"
    features_dir.mkdir()
    monkeypatch.setattr(scaffold_command, "FEATURES_DIR", features_dir)
    assert main.cli(["new-slice", "archive_user"]) == 0
    folder = features_dir / "archive_user"
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [*SLICE_FILES, "endpoint.py", "test_archive_user.py"]
    )
    assert layout_problems(folder) == []
    assert "wrote features/archive_user/endpoint.py" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("kind", "name", "entry", "passing"),
    [
        ([], "archive_user", "endpoint.py", 3),
        (["--command"], "purge_archives", "command.py", 2),
    ],
)
def test_scaffolded_slice_runs_alone_passes_the_checks_and_touches_nothing_else(
    repo_copy: Path, kind: list[str], name: str, entry: str, passing: int
) -> None:
    result = run(sys.executable, "main.py", "new-slice", name, *kind, cwd=repo_copy)
    assert result.returncode == 0, result.stderr
    assert git("status", "--porcelain", cwd=repo_copy) == f"?? features/{name}/\n"
    assert (repo_copy / "features" / name / entry).is_file()

    slice_tests = run(sys.executable, "-m", "pytest", "-q", f"features/{name}", cwd=repo_copy)
    # The first test fails by design until the team defines the slice's behaviour.
    assert slice_tests.returncode == 1, slice_tests.stdout
    assert f"1 failed, {passing} passed" in slice_tests.stdout
    first = f"features/{name}/test_{name}.py::test_{name}_does_what_the_team_defined"
    assert first.rpartition("::")[2] in slice_tests.stdout
    rest = run(
        sys.executable, "-m", "pytest", "-q", f"features/{name}", "--deselect", first,
        cwd=repo_copy,
    )  # fmt: skip
    assert rest.returncode == 0, rest.stdout
    assert f"{passing} passed, 1 deselected" in rest.stdout

    for check in (
        [BIN / "ruff", "check", f"features/{name}"],
        [BIN / "ruff", "format", "--check", f"features/{name}"],
        [BIN / "mypy", f"features/{name}"],
        [BIN / "lint-imports"],
    ):
        outcome = run(*check, cwd=repo_copy)
        assert outcome.returncode == 0, f"{check}: {outcome.stdout}{outcome.stderr}"
    listed = run(sys.executable, "main.py", "--help", cwd=repo_copy)
    assert (name.replace("_", "-") in listed.stdout) is (entry == "command.py")
    assert git("status", "--porcelain", cwd=repo_copy) == f"?? features/{name}/\n"


def test_pre_commit_hooks_pass_on_a_fresh_copy(repo_copy: Path, tmp_path: Path) -> None:
    hooks_home = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    result = run(BIN / "pre-commit", "run", "--all-files", cwd=repo_copy, **hooks_home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert git("status", "--porcelain", cwd=repo_copy) == ""


@pytest.mark.parametrize(
    ("message", "accepted"),
    [
        ("feat(login): lock an account after repeated failures\n", True),
        ("fix: keep the request id on 413\n", True),
        ("added login\n", False),
        ("feature(login): typo in type\n", False),
    ],
)
def test_commit_message_hook_wants_conventional_commits(
    message: str, accepted: bool, tmp_path: Path
) -> None:
    message_file = tmp_path / "COMMIT_EDITMSG"
    message_file.write_text(message)
    result = run(
        BIN / "pre-commit", "run", "--hook-stage", "commit-msg",
        "--commit-msg-filename", message_file, "conventional-commit",
        cwd=REPO_ROOT, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
    )  # fmt: skip
    assert (result.returncode == 0) is accepted, result.stdout
