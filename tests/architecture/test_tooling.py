"""The feature team's tools on a copy of the repository: the git hooks."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures import BIN, REPO_ROOT, git, run_command


def test_pre_commit_hooks_pass_on_a_fresh_copy(repo_copy: Path, tmp_path: Path) -> None:
    hooks_home = {"PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    result = run_command(BIN / "pre-commit", "run", "--all-files", cwd=repo_copy, **hooks_home)
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
    result = run_command(
        BIN / "pre-commit", "run", "--hook-stage", "commit-msg",
        "--commit-msg-filename", message_file, "conventional-commit",
        cwd=REPO_ROOT, PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
    )  # fmt: skip
    assert (result.returncode == 0) is accepted, result.stdout
