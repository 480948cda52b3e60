"""`python main.py new-slice verb_noun [--command]`: the command-line side."""

import argparse
import sys
from pathlib import Path

from features.scaffold_slice import handler
from features.scaffold_slice.schemas import ScaffoldSliceRequest
from shared.cli import Command

# features/, where the new slice goes: this slice's own parent folder.
FEATURES_DIR = Path(__file__).resolve().parents[1]


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", help="the use case in snake_case, verb first: archive_user")
    parser.add_argument(
        "--command",
        action="store_true",
        help="an operator command (command.py) instead of an HTTP route (endpoint.py)",
    )


def _run(args: argparse.Namespace) -> int:
    request = ScaffoldSliceRequest(name=args.name, kind="command" if args.command else "http")
    try:
        done = handler.handle(request, features_dir=FEATURES_DIR)
    except handler.SliceNameError as exc:
        print(f"new-slice: {exc}", file=sys.stderr)
        return 2
    for path in done.written:
        print(f"wrote {path.relative_to(FEATURES_DIR.parent)}")
    print(f"next: make the first test in features/{args.name}/test_{args.name}.py real")
    return 0


command = Command(
    name="new-slice",
    help="write features/<verb_noun>/ with a route (or --command), schemas, handler and tests",
    add_arguments=_add_arguments,
    run=_run,
)
