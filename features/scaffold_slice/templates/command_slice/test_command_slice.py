"""`python main.py command-slice`."""

import argparse

import pytest

from features.scaffold_slice.templates.command_slice import command, handler
from features.scaffold_slice.templates.command_slice.schemas import CommandSliceRequest
from shared.config import Settings


def test_command_slice_does_what_the_team_defined(settings: Settings) -> None:
    # Fails on purpose until the team decides what this command is for: replace it with the
    # behaviour an operator relies on (what changed, what was printed, the exit code).
    handler.handle(CommandSliceRequest(), settings=settings)
    pytest.fail("command_slice: define this command's behaviour and test it (CONTRIBUTING.md)")


def test_dry_run_changes_nothing(settings: Settings) -> None:
    assert handler.handle(CommandSliceRequest(dry_run=True), settings=settings).changed == 0


def test_the_command_parses_its_arguments() -> None:
    parser = argparse.ArgumentParser()
    command.command.add_arguments(parser)
    assert parser.parse_args(["--dry-run"]).dry_run is True
