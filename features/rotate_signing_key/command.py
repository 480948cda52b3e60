"""`python main.py rotate-keys`: the command-line side of a key rotation."""

import argparse

from features.rotate_signing_key import handler
from features.rotate_signing_key.schemas import RotateKeysRequest
from shared.cli import Command
from shared.config import get_settings
from shared.security.rotation import KeyFileError


def _run(_args: argparse.Namespace) -> int:
    try:
        done = handler.handle(RotateKeysRequest(), settings=get_settings())
    except KeyFileError as exc:
        raise SystemExit(str(exc)) from None
    print(done.message)
    return 0


command = Command(
    name="rotate-keys",
    help="publish a new signing key (JWT_KEYS_FILE); it signs after JWT_KEY_ACTIVATION_SECONDS",
    run=_run,
)
