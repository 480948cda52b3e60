"""`python main.py command-slice [--dry-run]`: the command-line side of command slice."""

import argparse

from features.scaffold_slice.templates.command_slice import handler
from features.scaffold_slice.templates.command_slice.schemas import CommandSliceRequest
from shared.cli import Command
from shared.config import get_settings


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--dry-run", action="store_true", help="say what would change, change nothing"
    )


def _run(args: argparse.Namespace) -> int:
    done = handler.handle(CommandSliceRequest(dry_run=args.dry_run), settings=get_settings())
    print(f"changed {done.changed}")
    return 0


command = Command(
    name="command-slice",
    help="command slice: say in one line what it does for the operator",
    add_arguments=_add_arguments,
    run=_run,
)
