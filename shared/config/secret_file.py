"""The signing secret generated once into DATA_DIR when none is configured (development)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

MIN_SECRET_BYTES = 32
SECRET_FILE_NAME = "jwt_secret"  # noqa: S105 - a file name, not a secret


def generated_secret(data_dir: Path) -> str:
    """The development secret kept in DATA_DIR: read, or made once (0600) when missing."""
    path = data_dir / SECRET_FILE_NAME
    try:
        return _long_enough(path.read_text(encoding="utf-8").strip(), path)
    except FileNotFoundError:
        pass
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written aside, then linked into place: when several workers start together exactly one
    # secret wins, and nobody ever reads a half-written file.
    candidate = data_dir / f".{SECRET_FILE_NAME}.{os.getpid()}.{secrets.token_hex(4)}"
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(secrets.token_urlsafe(48))
    try:
        os.link(candidate, path)
    except FileExistsError:
        pass
    finally:
        candidate.unlink()
    return _long_enough(path.read_text(encoding="utf-8").strip(), path)


def _long_enough(secret: str, path: Path) -> str:
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(
            f"{path} holds a signing secret shorter than {MIN_SECRET_BYTES} bytes: delete the "
            "file to have a new one generated (every token issued so far stops working), "
            "or set JWT_SECRET"
        )
    return secret
