"""Operator commands: the shape a slice's command.py exports, for main.py's command line."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass


def _no_arguments(_parser: argparse.ArgumentParser) -> None:
    return None


@dataclass(frozen=True, slots=True)
class Command:
    """One subcommand of `python main.py`: `name` on the command line, `help` in its usage.

    `add_arguments` declares its arguments; `run` gets them parsed and returns the exit code.
    A slice exports one as `command` from its command.py, and discovery adds it: a new
    command edits no other file.
    """

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] = _no_arguments
