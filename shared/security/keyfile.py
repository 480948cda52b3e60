"""The key file (JWT_KEYS_FILE): private signing keys as JWKs, mode 0600, replaced atomically."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import secrets
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import get_default_algorithms

from shared.security.jwk import jwk_thumbprint, public_jwk_of

FILE_VERSION = 1


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """One key as the file keeps it; a retired key keeps its metadata and loses its private
    half, so a retirement destroys the means to sign with it."""

    kid: str
    alg: str
    created_at: datetime
    activates_at: datetime
    retired_at: datetime | None
    private_jwk: Mapping[str, Any] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "kid": self.kid,
            "alg": self.alg,
            "created_at": _time(self.created_at),
            "activates_at": _time(self.activates_at),
            "retired_at": _time(self.retired_at) if self.retired_at else None,
            "private_jwk": dict(self.private_jwk) if self.private_jwk is not None else None,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> KeyRecord:
        retired = data.get("retired_at")
        private = data.get("private_jwk")
        if not isinstance(data["kid"], str) or not isinstance(data["alg"], str):
            raise ValueError("kid and alg must be strings")
        return cls(
            kid=data["kid"],
            alg=data["alg"],
            created_at=_parse_time(data["created_at"]),
            activates_at=_parse_time(data["activates_at"]),
            retired_at=_parse_time(retired) if retired else None,
            private_jwk=private if isinstance(private, dict) else None,
        )


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(value: object) -> datetime:
    if not isinstance(value, str):
        raise ValueError("times are RFC 3339 strings")
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def generate_private_jwk(alg: str) -> dict[str, Any]:
    """A new private key for the algorithm, as a JWK."""
    private_key: Any
    if alg == "ES256":
        private_key = ec.generate_private_key(ec.SECP256R1())
    elif alg == "EdDSA":
        private_key = ed25519.Ed25519PrivateKey.generate()
    elif alg == "RS256":
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        raise ValueError(f"{alg} has no key file: only ES256, EdDSA and RS256 do")
    jwk: dict[str, Any] = get_default_algorithms()[alg].to_jwk(private_key, as_dict=True)
    return jwk


def new_record(alg: str, *, now: datetime, activation: timedelta) -> KeyRecord:
    private = generate_private_jwk(alg)
    return KeyRecord(
        kid=jwk_thumbprint(public_jwk_of(private, alg)),
        alg=alg,
        created_at=now,
        activates_at=now + activation,
        retired_at=None,
        private_jwk=private,
    )


def read_key_file(path: Path) -> list[KeyRecord]:
    """Every key of the file; raises FileNotFoundError, or ValueError when it is malformed."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ValueError(f"{path} is not a key file: expected {{'keys': [...]}}")
    return [KeyRecord.from_json(entry) for entry in data["keys"]]


def _serialized(records: Sequence[KeyRecord]) -> str:
    return json.dumps(
        {"version": FILE_VERSION, "keys": [record.to_json() for record in records]}, indent=2
    )


def _write_aside(path: Path, records: Sequence[KeyRecord]) -> Path:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(_serialized(records))
        handle.flush()
        os.fsync(handle.fileno())
    return candidate


def write_key_file(path: Path, records: Sequence[KeyRecord]) -> None:
    """Replace the file whole: a reader sees the old set or the new one, never half of one."""
    candidate = _write_aside(path, records)
    try:
        os.replace(candidate, path)
    except OSError:
        candidate.unlink(missing_ok=True)
        raise


def create_key_file(path: Path, records: Sequence[KeyRecord]) -> bool:
    """Create the file unless it exists; of workers starting together exactly one wins."""
    candidate = _write_aside(path, records)
    try:
        os.link(candidate, path)
    except FileExistsError:
        return False
    finally:
        candidate.unlink()
    return True


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the file's lock: two operators rotating at once must not lose each other's key."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(path.with_name(f".{path.name}.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
