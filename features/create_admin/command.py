"""`python main.py create-admin EMAIL [--full-name NAME]`: the command-line side."""

import argparse
import getpass
import os
import sys

from pydantic import SecretStr

from features.create_admin import handler
from features.create_admin.schemas import CreateAdminRequest
from shared.cli import Command
from shared.config import get_settings
from shared.db.schema import UnmigratedDatabaseError


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("email")
    parser.add_argument("--full-name", default=None)


def _read_password(*, required: bool) -> str | None:
    # Never from the command line: it would stand in the shell history and the process list.
    from_env = os.environ.get("ADMIN_PASSWORD")
    if from_env:
        return from_env
    if not required or not sys.stdin.isatty():
        return None
    first = getpass.getpass("Password for the admin: ")
    if first != getpass.getpass("Repeat it: "):
        raise SystemExit("The two passwords differ.")
    return first


def _run(args: argparse.Namespace) -> int:
    settings = get_settings()
    try:
        exists = handler.user_exists(args.email, settings=settings)
        password = _read_password(required=not exists)
        done = handler.handle(
            CreateAdminRequest(
                email=args.email,
                password=None if password is None else SecretStr(password),
                full_name=args.full_name,
            ),
            settings=settings,
        )
    except (handler.AdminRefusedError, UnmigratedDatabaseError) as exc:
        # The operator needs the message (it says what to do), not a traceback.
        raise SystemExit(str(exc)) from None
    print(done.message)
    return 0


command = Command(
    name="create-admin",
    help="create an admin, or promote an existing user (password: ADMIN_PASSWORD or prompt)",
    add_arguments=_add_arguments,
    run=_run,
)
