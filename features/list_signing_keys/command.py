"""`python main.py list-keys`: the command-line side of listing the signing keys."""

import argparse

from features.list_signing_keys import handler
from features.list_signing_keys.schemas import ListKeysRequest
from shared.cli import Command
from shared.config import get_settings
from shared.security.rotation import KeyFileError


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def _run(args: argparse.Namespace) -> int:
    try:
        done = handler.handle(ListKeysRequest(), settings=get_settings())
    except KeyFileError as exc:
        raise SystemExit(str(exc)) from None
    print(done.model_dump_json(indent=2) if args.json else done.table)
    return 0


command = Command(
    name="list-keys",
    help="list the signing keys with their RFC 7638 thumbprints and states",
    add_arguments=_add_arguments,
    run=_run,
)
