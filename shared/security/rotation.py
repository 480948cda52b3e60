"""Key rotation: open the key store at start-up, add a key, retire keys; the operator's verbs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from shared.security.keyfile import (
    KeyRecord,
    create_key_file,
    locked,
    new_record,
    read_key_file,
    write_key_file,
)
from shared.security.keys import (
    ASYMMETRIC_ALGORITHMS,
    KeySet,
    KeyState,
    KeyStore,
    key_set_from_file,
    symmetric_key_set,
)


class KeyFileError(Exception):
    """The key file is missing, malformed, or the operation makes no sense for it."""


def open_key_store(
    *,
    algorithm: str,
    path: Path,
    secret: str,
    access_ttl: timedelta,
    generate: bool,
    now: datetime,
) -> KeyStore:
    """The worker's key store: the secret's one key for HS*, else the key file's keys.

    `generate` (development and test) writes a first key when the file is missing;
    otherwise a missing file is a KeyFileError, so production never signs with a key nobody
    will find again.
    """
    if algorithm not in ASYMMETRIC_ALGORITHMS:
        return KeyStore.static(
            symmetric_key_set(secret, algorithm=algorithm, access_ttl=access_ttl)
        )
    if not path.exists():
        if not generate:
            raise KeyFileError(
                f"JWT_KEYS_FILE {path} does not exist: JWT_ALGORITHM={algorithm} needs a key "
                "file. Create one with `python main.py rotate-keys` (its first key signs at once)."
            )
        create_key_file(path, [new_record(algorithm, now=now, activation=timedelta(0))])
    try:
        return KeyStore.from_file(path, access_ttl=access_ttl)
    except (ValueError, KeyError) as exc:
        raise KeyFileError(f"JWT_KEYS_FILE {path} is not a valid key file: {exc}") from None


def _states(
    records: list[KeyRecord], *, path: Path, now: datetime, access_ttl: timedelta
) -> dict[str, KeyState]:
    if not records:
        return {}
    keys = key_set_from_file(path, access_ttl=access_ttl)
    return {key.kid: state for key, state in keys.states(now)}


def _drop_expired(
    records: list[KeyRecord], states: dict[str, KeyState], now: datetime
) -> list[KeyRecord]:
    # A previous key past its lifetime verifies nothing any more: its private half goes too.
    return [
        replace(record, retired_at=now, private_jwk=None)
        if states.get(record.kid) == "retired" and record.retired_at is None
        else record
        for record in records
    ]


def rotate(
    *, path: Path, algorithm: str, now: datetime, activation: timedelta, access_ttl: timedelta
) -> KeyRecord:
    """Add a new key: published at once, signing after `activation`. The first key signs now."""
    if algorithm not in ASYMMETRIC_ALGORITHMS:
        raise KeyFileError(
            f"JWT_ALGORITHM={algorithm} signs with JWT_SECRET and has no key file to rotate; "
            "set JWT_ALGORITHM to ES256, EdDSA or RS256 to publish keys and rotate them."
        )
    with locked(path):
        records = read_key_file(path) if path.exists() else []
        states = _states(records, path=path, now=now, access_ttl=access_ttl)
        records = _drop_expired(records, states, now)
        live = [record for record in records if record.retired_at is None]
        record = new_record(algorithm, now=now, activation=activation if live else timedelta(0))
        write_key_file(path, [*records, record])
    return record


def retire(*, path: Path, kid: str | None, now: datetime, access_ttl: timedelta) -> list[str]:
    """Retire one key, or with no kid every previous key; returns the kids retired.

    The active key cannot be retired (rotate first, then retire it once the new one signs).
    """
    with locked(path):
        try:
            records = read_key_file(path)
        except FileNotFoundError:
            raise KeyFileError(f"JWT_KEYS_FILE {path} does not exist") from None
        states = _states(records, path=path, now=now, access_ttl=access_ttl)
        if kid is None:
            chosen = {key for key, state in states.items() if state == "previous"}
        elif kid not in states:
            raise KeyFileError(f"No key {kid!r} in {path}")
        elif states[kid] == "active":
            raise KeyFileError(
                f"{kid} is the key that signs: rotate first, and retire it once its successor signs"
            )
        else:
            chosen = {kid}
        records = _drop_expired(records, states, now)
        write_key_file(
            path,
            [
                replace(record, retired_at=record.retired_at or now, private_jwk=None)
                if record.kid in chosen
                else record
                for record in records
            ],
        )
    return sorted(chosen)


def listed(*, path: Path, algorithm: str, secret: str, access_ttl: timedelta) -> KeySet:
    """The key set as the service sees it now, for `list-keys`."""
    if algorithm not in ASYMMETRIC_ALGORITHMS:
        return symmetric_key_set(secret, algorithm=algorithm, access_ttl=access_ttl)
    try:
        return key_set_from_file(path, access_ttl=access_ttl)
    except FileNotFoundError:
        raise KeyFileError(f"JWT_KEYS_FILE {path} does not exist") from None
