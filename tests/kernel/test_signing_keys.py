"""The key store and the refresh MAC: rotations seen live, retirements refused at once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shared.security.access_tokens import (
    TokenRejectedError,
    TokenSettings,
    create_access_token,
    decode_access_token,
)
from shared.security.keys import KeyStore, key_set_from_file
from shared.security.refresh_tokens import (
    new_refresh_key,
    parse_refresh_token,
    refresh_mac_matches,
    refresh_token_for,
)
from shared.security.rotation import KeyFileError, open_key_store, retire, rotate

SECRET = "kernel-test-secret-that-is-long-enough-0123"
TTL = timedelta(minutes=15)


def store(path: Path, *, generate: bool = True) -> KeyStore:
    return open_key_store(
        algorithm="ES256",
        path=path,
        secret=SECRET,
        access_ttl=TTL,
        generate=generate,
        now=datetime.now(UTC),
    )


def settings_with(keys: KeyStore) -> TokenSettings:
    return TokenSettings(
        secret=SECRET, issuer="i", audience="a", algorithm="ES256", access_ttl=TTL, keys=keys
    )


def test_generated_key_file_is_0600(tmp_path: Path) -> None:
    store(tmp_path / "keys.json")
    assert stat.S_IMODE((tmp_path / "keys.json").stat().st_mode) == 0o600


def test_production_refuses_a_missing_key_file(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="rotate-keys"):
        store(tmp_path / "keys.json", generate=False)


def test_a_worker_verifies_a_key_another_process_rotated_in_at_once(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    reader = settings_with(store(path))
    # Another process (another worker, the operator's command) rotates and signs at once.
    rotate(
        path=path, algorithm="ES256", now=datetime.now(UTC), activation=timedelta(0), access_ttl=TTL
    )
    writer = settings_with(KeyStore.from_file(path, access_ttl=TTL))
    token = create_access_token(user_id=1, session_id="s", now=datetime.now(UTC), settings=writer)
    # Unknown kid: the reader looks at the file now instead of waiting for its next check.
    assert decode_access_token(token, settings=reader).user_id == 1


def test_a_retired_keys_cached_tokens_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    keys = KeyStore(path=path, initial=store(path).current(), check_interval=0)
    settings = settings_with(keys)
    old = create_access_token(user_id=1, session_id="s", now=datetime.now(UTC), settings=settings)
    assert decode_access_token(old, settings=settings).user_id == 1  # now cached
    rotate(
        path=path, algorithm="ES256", now=datetime.now(UTC), activation=timedelta(0), access_ttl=TTL
    )
    assert decode_access_token(old, settings=settings).user_id == 1
    retire(path=path, kid=None, now=datetime.now(UTC), access_ttl=TTL)
    with pytest.raises(TokenRejectedError):
        decode_access_token(old, settings=settings)
    assert len(key_set_from_file(path, access_ttl=TTL).published(datetime.now(UTC))) == 1


def test_an_unreadable_key_file_keeps_the_last_good_keys(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    keys = KeyStore(path=path, initial=store(path).current(), check_interval=0)
    before = keys.current()
    path.write_text("{not json", encoding="utf-8")
    assert keys.current() is before


def test_refresh_tokens_of_the_raw_secret_stay_genuine_and_new_ones_are_derived() -> None:
    refresh_key = new_refresh_key()
    token = refresh_token_for(
        session_id="sid", generation=3, refresh_key=refresh_key, secret=SECRET
    )
    parts = parse_refresh_token(token)
    assert parts is not None
    assert refresh_mac_matches(parts, generation=3, refresh_key=refresh_key, secret=SECRET)
    # What the previous release issued: the MAC keyed by the raw secret.
    key = hashlib.sha256(b"refresh-token\x00" + SECRET.encode() + b"\x00" + refresh_key).digest()
    legacy_mac = (
        base64.urlsafe_b64encode(hmac.new(key, b"sid.3", hashlib.sha256).digest())
        .rstrip(b"=")
        .decode()
    )
    assert parts.mac != legacy_mac
    legacy = parse_refresh_token(f"rt1.sid.3.{legacy_mac}")
    assert legacy is not None
    assert refresh_mac_matches(legacy, generation=3, refresh_key=refresh_key, secret=SECRET)
    assert not refresh_mac_matches(
        legacy, generation=3, refresh_key=refresh_key, secret=SECRET + "x"
    )
