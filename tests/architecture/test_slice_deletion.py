"""Deleting a slice is safe: without it, every other test still loads and the architecture holds.

Each slice's own tests mount only that slice and slices never import each other (both
checked in the main run), so what a deletion could break is a test or kernel module that
reaches for the slice: collecting the whole suite in a tree without it finds that.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import features
from shared.discovery import slice_names
from tests.fixtures import BIN, copy_of_repository, subprocess_env

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("TEST_DATABASE_URL")),
    reason="what a deletion breaks does not depend on the database: the SQLite pass checks it",
)


def run(*command: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.mark.parametrize("deleted", slice_names(features))
def test_the_suite_loads_and_the_architecture_holds_without_it(
    tmp_path: Path, deleted: str
) -> None:
    copy = copy_of_repository(tmp_path / "repo", leave_out=(f"features/{deleted}",))
    (copy / ".venv").symlink_to(BIN.parent)
    assert not (copy / "features" / deleted).exists()

    collected = run(BIN / "pytest", "-q", "-n", "0", "--collect-only", cwd=copy)
    assert collected.returncode == 0, collected.stdout[-4000:] + collected.stderr[-2000:]
    assert f"features/{deleted}/" not in collected.stdout
    # The architecture checks, import contracts included; the probe of one slice's imports
    # runs a whole pytest of its own and is the main run's to make.
    architecture = run(
        BIN / "pytest", "-q", "-n", "0", "tests/architecture/test_architecture.py",
        "-k", "not one_slices_tests_import_no_other_slice",
        cwd=copy,
    )  # fmt: skip
    assert architecture.returncode == 0, architecture.stdout[-4000:]
