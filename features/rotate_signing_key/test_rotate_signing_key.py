"""`python main.py rotate-keys`."""

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from features.rotate_signing_key import handler
from features.rotate_signing_key.schemas import RotateKeysRequest
from shared.config import Settings
from shared.security.keyfile import read_key_file
from shared.security.keys import key_set_from_file
from shared.security.rotation import KeyFileError
from tests.fixtures import make_settings


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path, jwt_algorithm="ES256", jwt_key_activation=timedelta(minutes=10))


def test_first_key_signs_at_once_the_next_after_the_activation_delay(settings: Settings) -> None:
    first = handler.handle(RotateKeysRequest(), settings=settings)
    assert stat.S_IMODE(settings.keys_file.stat().st_mode) == 0o600
    second = handler.handle(RotateKeysRequest(), settings=settings)
    now = datetime.now(UTC)
    keys = key_set_from_file(settings.keys_file, access_ttl=settings.access_token_ttl)
    assert keys.signing_key(now).kid == first.kid
    assert [kid["kid"] for kid in keys.published(now)] == [first.kid, second.kid]
    assert {key.kid: state for key, state in keys.states(now)} == {
        first.kid: "active",
        second.kid: "pending",
    }
    later = now + timedelta(minutes=11)
    assert keys.signing_key(later).kid == second.kid
    # The previous key verifies for one access-token lifetime after its successor signs.
    assert keys.verifying_key(first.kid, later) is not None
    assert keys.verifying_key(first.kid, later + settings.access_token_ttl) is None
    assert second.kid in second.message


def test_the_file_keeps_no_key_in_the_clear_outside_0600(settings: Settings) -> None:
    handler.handle(RotateKeysRequest(), settings=settings)
    (record,) = read_key_file(settings.keys_file)
    assert record.private_jwk is not None
    assert "d" in record.private_jwk


def test_hs256_has_nothing_to_rotate(settings: Settings) -> None:
    with pytest.raises(KeyFileError, match="JWT_SECRET"):
        handler.handle(
            RotateKeysRequest(), settings=settings.model_copy(update={"jwt_algorithm": "HS256"})
        )
