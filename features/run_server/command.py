"""`python main.py serve [--host H] [--port P]`: the command-line side."""

import argparse

from features.run_server import handler
from features.run_server.schemas import RunServerRequest
from shared.cli import Command
from shared.config import get_settings


def _add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def _run(args: argparse.Namespace) -> int:
    handler.handle(RunServerRequest(host=args.host, port=args.port), settings=get_settings())
    return 0


command = Command(
    name="serve",
    help="the production server (WEB_CONCURRENCY workers, TRUSTED_PROXIES)",
    add_arguments=_add_arguments,
    run=_run,
)
