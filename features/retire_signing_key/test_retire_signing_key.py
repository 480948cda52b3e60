"""`python main.py retire-key [KID]`."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from features.retire_signing_key import handler
from features.retire_signing_key.schemas import RetireKeyRequest
from shared.config import Settings
from shared.security.keyfile import read_key_file
from shared.security.keys import key_set_from_file
from shared.security.rotation import KeyFileError, rotate
from tests.fixtures import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, jwt_algorithm="EdDSA", jwt_key_activation=timedelta(0))


def rotated(settings: Settings) -> str:
    return rotate(
        path=settings.keys_file,
        algorithm=settings.jwt_algorithm,
        now=datetime.now(UTC),
        activation=settings.jwt_key_activation,
        access_ttl=settings.access_token_ttl,
    ).kid


def test_retiring_the_previous_key_unpublishes_it_and_drops_its_private_half(
    settings: Settings,
) -> None:
    old, new = rotated(settings), rotated(settings)
    done = handler.handle(RetireKeyRequest(), settings=settings)
    assert done.retired == [old]
    keys = key_set_from_file(settings.keys_file, access_ttl=settings.access_token_ttl)
    now = datetime.now(UTC)
    assert [key["kid"] for key in keys.published(now)] == [new]
    assert keys.verifying_key(old, now) is None
    retired = next(record for record in read_key_file(settings.keys_file) if record.kid == old)
    assert retired.private_jwk is None
    assert retired.retired_at is not None


def test_the_active_key_and_unknown_kids_are_refused(settings: Settings) -> None:
    active = rotated(settings)
    with pytest.raises(KeyFileError, match="rotate first"):
        handler.handle(RetireKeyRequest(kid=active), settings=settings)
    with pytest.raises(KeyFileError, match="No key"):
        handler.handle(RetireKeyRequest(kid="nope"), settings=settings)
    assert (
        handler.handle(RetireKeyRequest(), settings=settings).message
        == "No previous key to retire."
    )
