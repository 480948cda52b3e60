"""GET /.well-known/jwks.json."""

from collections.abc import Callable
from pathlib import Path

import jwt
import pytest
from fastapi.testclient import TestClient

from shared.config import Settings
from shared.db.models import User
from tests.fixtures import Tokens

URL = "/.well-known/jwks.json"
PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}


def test_hs256_publishes_nothing(client: TestClient) -> None:
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"keys": []}
    assert response.headers["cache-control"] == "public, max-age=600"


class TestAsymmetric:
    @pytest.fixture(params=["ES256", "EdDSA", "RS256"])
    def settings(
        self, request: pytest.FixtureRequest, settings: Settings, tmp_path: Path
    ) -> Settings:
        return settings.model_copy(
            update={
                "jwt_algorithm": request.param,
                "jwt_keys_file": tmp_path / "keys.json",
                "jwt_key_activation": settings.jwt_key_activation / 10,
            }
        )

    def test_the_signing_key_is_published_without_private_parts(
        self, client: TestClient, settings: Settings, user: User, login_as: Callable[[User], Tokens]
    ) -> None:
        response = client.get(URL)
        assert response.headers["cache-control"] == "public, max-age=60"
        (key,) = response.json()["keys"]
        assert key["alg"] == settings.jwt_algorithm
        assert key["use"] == "sig"
        assert not PRIVATE_MEMBERS & set(key)
        token = login_as(user).access_token
        assert jwt.get_unverified_header(token)["kid"] == key["kid"]
        public = jwt.PyJWK(key)
        claims = jwt.decode(token, public, algorithms=[key["alg"]], audience=settings.jwt_audience)
        assert claims["sub"] == str(user.id)
