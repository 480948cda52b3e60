"""Duration settings from the environment are seconds, as their names say."""

from datetime import timedelta

import pytest
from pydantic import ValidationError

from shared.config import Settings


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("REFRESH_REUSE_GRACE_SECONDS", "10", timedelta(seconds=10)),
        ("REFRESH_REUSE_GRACE_SECONDS", "0", timedelta(0)),
        ("ACCESS_TOKEN_TTL_SECONDS", " 900 ", timedelta(minutes=15)),
        ("REFRESH_TOKEN_TTL_SECONDS", "2.5", timedelta(seconds=2.5)),
    ],
)
def test_numbers_are_seconds(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: timedelta
) -> None:
    monkeypatch.setenv(name, value)
    settings = Settings(_env_file=None)
    durations = {
        "REFRESH_REUSE_GRACE_SECONDS": settings.refresh_reuse_grace,
        "ACCESS_TOKEN_TTL_SECONDS": settings.access_token_ttl,
        "REFRESH_TOKEN_TTL_SECONDS": settings.refresh_token_ttl,
    }
    assert durations[name] == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("REFRESH_REUSE_GRACE_SECONDS", "-1"),
        ("ACCESS_TOKEN_TTL_SECONDS", "0"),
        ("REFRESH_TOKEN_TTL_SECONDS", "a week"),
    ],
)
def test_bad_durations_stop_start_up_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=name):
        Settings(_env_file=None)
