"""Signing keys as the service sees them: their lifecycle, the published set, live re-reading."""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from jwt import PyJWK

from shared.security.jwk import b64url, derive_key, jwk_thumbprint, public_jwk_of
from shared.security.keyfile import KeyRecord, read_key_file

logger = logging.getLogger(__name__)

ASYMMETRIC_ALGORITHMS = frozenset({"ES256", "EdDSA", "RS256"})
SYMMETRIC_ALGORITHMS = frozenset({"HS256", "HS384", "HS512"})

KeyState = Literal["pending", "active", "previous", "retired"]


@dataclass(frozen=True, slots=True, eq=False)
class SigningKey:
    """One key: `signing` signs (a private key or a secret), `verifying` checks signatures."""

    kid: str
    alg: str
    created_at: datetime
    activates_at: datetime
    retired_at: datetime | None
    signing: Any
    verifying: Any
    public_jwk: dict[str, Any] | None  # None for a symmetric key: never published


def _key_from_record(record: KeyRecord) -> SigningKey:
    signing = verifying = public = None
    if record.private_jwk is not None:
        signing = PyJWK(dict(record.private_jwk), algorithm=record.alg).key
        verifying = signing.public_key()
        public = {
            **public_jwk_of(record.private_jwk, record.alg),
            "kid": record.kid,
            "alg": record.alg,
            "use": "sig",
        }
    return SigningKey(
        kid=record.kid,
        alg=record.alg,
        created_at=record.created_at,
        activates_at=record.activates_at,
        retired_at=record.retired_at,
        signing=signing,
        verifying=verifying,
        public_jwk=public,
    )


@dataclass(frozen=True, slots=True, eq=False)
class KeySet:
    """The keys as of one reading of the key file: which signs, which verify, which are shown.

    A previous key verifies until it is retired, or until an access token's lifetime has
    passed since its successor began to sign: no token it signed can still be live then.
    """

    keys: tuple[SigningKey, ...]  # oldest activation first
    access_ttl: timedelta

    def states(self, now: datetime) -> list[tuple[SigningKey, KeyState]]:
        active = self._active(now)
        states: list[tuple[SigningKey, KeyState]] = []
        for index, key in enumerate(self.keys):
            state: KeyState
            if key.retired_at is not None or key.signing is None:
                state = "retired"
            elif key is active:
                state = "active"
            elif key.activates_at > now:
                state = "pending"
            elif self._successor_signing_since(index, now) + self.access_ttl > now:
                state = "previous"
            else:
                state = "retired"
            states.append((key, state))
        return states

    def _active(self, now: datetime) -> SigningKey | None:
        live = [key for key in self.keys if key.retired_at is None and key.signing is not None]
        started = [key for key in live if key.activates_at <= now]
        # With nothing activated yet (a first key generated with a delay), the oldest signs.
        return started[-1] if started else (live[0] if live else None)

    def _successor_signing_since(self, index: int, now: datetime) -> datetime:
        later = [key.activates_at for key in self.keys[index + 1 :] if key.retired_at is None]
        return min(later) if later else now

    def signing_key(self, now: datetime) -> SigningKey:
        key = self._active(now)
        if key is None:
            raise RuntimeError("The key file holds no live signing key: run `rotate-keys`.")
        return key

    def verifying_key(self, kid: str, now: datetime) -> SigningKey | None:
        """The key with this kid if it may verify now: active, pending or previous."""
        for key, state in self.states(now):
            if key.kid == kid:
                return None if state == "retired" else key
        return None

    def published(self, now: datetime) -> list[dict[str, Any]]:
        """The JWKS `keys`: every public key that verifies live tokens; never a secret."""
        return [
            key.public_jwk
            for key, state in self.states(now)
            if state != "retired" and key.public_jwk is not None
        ]


def symmetric_key_set(secret: str, *, algorithm: str, access_ttl: timedelta) -> KeySet:
    """The one HS key: the secret signs; its kid is a thumbprint of a key derived from it, so
    the header tells nothing about the secret itself."""
    kid = jwk_thumbprint({"kty": "oct", "k": b64url(derive_key(secret, label=b"jwt-kid"))})
    epoch = datetime.fromtimestamp(0).astimezone()
    key = SigningKey(
        kid=kid,
        alg=algorithm,
        created_at=epoch,
        activates_at=epoch,
        retired_at=None,
        signing=secret,
        verifying=secret,
        public_jwk=None,
    )
    return KeySet(keys=(key,), access_ttl=access_ttl)


def key_set_from_file(path: Path, *, access_ttl: timedelta) -> KeySet:
    records = sorted(read_key_file(path), key=lambda record: record.activates_at)
    return KeySet(keys=tuple(_key_from_record(record) for record in records), access_ttl=access_ttl)


class KeyStore:
    """The live key set of one worker; sees a rotation by any process within a second.

    A stat of the file at most once per `check_interval`, and at once (at most
    `1 / unknown_kid_rate` times a second) when a token names a kid it does not know yet, so a
    worker that has not yet looked verifies what another worker has already signed.
    """

    def __init__(
        self,
        *,
        path: Path | None,
        initial: KeySet,
        check_interval: float = 1.0,
        unknown_kid_rate: float = 10.0,
    ) -> None:
        self.path = path
        self._keys = initial
        self._check_interval = check_interval
        self._forced_interval = 1.0 / unknown_kid_rate
        self._signature = self._stat()
        self._checked_at = time.monotonic()
        self._forced_at = float("-inf")
        self._lock = threading.Lock()

    @classmethod
    def static(cls, keys: KeySet) -> KeyStore:
        return cls(path=None, initial=keys)

    @classmethod
    def from_file(cls, path: Path, *, access_ttl: timedelta) -> KeyStore:
        return cls(path=path, initial=key_set_from_file(path, access_ttl=access_ttl))

    def current(self) -> KeySet:
        if self.path is not None and time.monotonic() - self._checked_at >= self._check_interval:
            self._reload_if_changed()
        return self._keys

    def after_unknown_kid(self) -> KeySet:
        if self.path is not None and time.monotonic() - self._forced_at >= self._forced_interval:
            self._forced_at = time.monotonic()
            self._reload_if_changed()
        return self._keys

    def _stat(self) -> tuple[int, int, int] | None:
        if self.path is None:
            return None
        try:
            info = os.stat(self.path)
        except OSError:
            return None
        # os.replace gives the file a new inode: with mtime and size, a change is never missed.
        return (info.st_ino, info.st_mtime_ns, info.st_size)

    def _reload_if_changed(self) -> None:
        with self._lock:
            self._checked_at = time.monotonic()
            signature = self._stat()
            if signature is None or signature == self._signature or self.path is None:
                return
            # A file that cannot be read now (mid-edit by hand, say) keeps the last good set.
            try:
                self._keys = key_set_from_file(self.path, access_ttl=self._keys.access_ttl)
            except (OSError, ValueError, KeyError) as exc:
                logger.warning(
                    "key file %s unreadable, keeping the last good keys: %s", self.path, exc
                )
                return
            self._signature = signature
