"""`python main.py retire-key [KID]`: the command-line side of retiring signing keys."""

import argparse

from features.retire_signing_key import handler
from features.retire_signing_key.schemas import RetireKeyRequest
from shared.cli import Command
from shared.config import get_settings
from shared.security.rotation import KeyFileError


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("kid", nargs="?", default=None, help="default: every previous key")


def _run(args: argparse.Namespace) -> int:
    try:
        done = handler.handle(RetireKeyRequest(kid=args.kid), settings=get_settings())
    except KeyFileError as exc:
        raise SystemExit(str(exc)) from None
    print(done.message)
    return 0


command = Command(
    name="retire-key",
    help="retire a signing key (default: every previous one); its tokens get 401 from then on",
    add_arguments=_add_arguments,
    run=_run,
)
