"""Other services verify our tokens against a real server: JWKS, rotation, OAuth2 clients."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.httpx_client import OAuth2Client
from cryptography.hazmat.primitives import serialization

from tests.fixtures import (
    REPO_ROOT,
    LiveServer,
    server_env,
    start_server,
    stop_server,
)

pytestmark = pytest.mark.server

PASSWORD = "Correct-Horse-Battery-9"
ASYMMETRIC = ["ES256", "EdDSA", "RS256"]


def readme_verifier(jwks_url: str) -> Callable[[str], dict[str, Any]]:
    """The README's "Verify tokens in your backend" example, run as written."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Verify tokens in your backend", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(  # noqa: S102 - our own README, so that the example stays true
        code.group(1).replace("https://auth.example.com/.well-known/jwks.json", jwks_url),
        namespace,
    )
    return namespace["verify"]  # type: ignore[no-any-return]


def sign_up_and_log_in(server: LiveServer, email: str = "ada@example.com") -> dict[str, Any]:
    with server.client() as client:
        client.post("/api/users", json={"email": email, "password": PASSWORD})
        response = client.post("/api/auth/login", json={"email": email, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return dict(response.json())


def me(server: LiveServer, token: str) -> int:
    with server.client() as client:
        return client.get("/api/users/me", headers={"Authorization": f"Bearer {token}"}).status_code


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forgeries(token: str, public_jwk: dict[str, Any] | None) -> dict[str, str]:
    header_b64, payload_b64, signature = token.split(".")
    header = json.loads(base64.urlsafe_b64decode(header_b64 + "=="))
    payload = json.loads(base64.urlsafe_b64decode(payload_b64 + "=="))
    tampered = b64(json.dumps({**payload, "sub": str(int(payload["sub"]) + 1)}).encode())
    wrong_kid = b64(json.dumps({**header, "kid": "not-a-key"}).encode())
    unsigned = b64(json.dumps({"alg": "none", "kid": header["kid"]}).encode())
    forged = {
        "tampered": f"{header_b64}.{tampered}.{signature}",
        "wrong kid": f"{wrong_kid}.{payload_b64}.{signature}",
        "alg none": f"{unsigned}.{payload_b64}.",
    }
    if public_jwk is not None:
        # Algorithm confusion: HS256 keyed with the public key, as a naive verifier would check.
        pem = jwt.PyJWK(public_jwk).key.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        forged["HS256 with the public key"] = _hmac_jwt(
            {"alg": "HS256", "typ": "JWT", "kid": header["kid"]}, payload, pem
        )
    return forged


def _hmac_jwt(header: dict[str, Any], payload: dict[str, Any], key: bytes) -> str:
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


@pytest.fixture
def serve(tmp_path: Path, live_database_url: str) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def serve(workers: int = 1, **env: str) -> LiveServer:
        server = start_server(
            server_env(tmp_path, DATABASE_URL=live_database_url, **env), workers=workers
        )
        servers.append(server)
        return server

    yield serve
    for server in servers:
        stop_server(server)


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_a_verifier_with_only_the_jwks_url_verifies_and_refuses_forgeries(
    serve: Callable[..., LiveServer], algorithm: str
) -> None:
    server = serve(JWT_ALGORITHM=algorithm)
    tokens = sign_up_and_log_in(server)
    verify = readme_verifier(f"{server.url}/.well-known/jwks.json")
    claims = verify(tokens["access_token"])
    assert claims["typ"] == "access"
    assert jwt.get_unverified_header(tokens["access_token"])["alg"] == algorithm
    with server.client() as client:
        (public,) = client.get("/.well-known/jwks.json").json()["keys"]
    for name, forged in forgeries(tokens["access_token"], public).items():
        with pytest.raises(jwt.PyJWTError):
            verify(forged)
        assert me(server, forged) == 401, name
    assert me(server, tokens["access_token"]) == 200


def test_hs256_tokens_are_not_verifiable_from_the_jwks(serve: Callable[..., LiveServer]) -> None:
    server = serve()
    tokens = sign_up_and_log_in(server)
    verify = readme_verifier(f"{server.url}/.well-known/jwks.json")
    with pytest.raises(jwt.PyJWTError):
        verify(tokens["access_token"])
    for name, forged in forgeries(tokens["access_token"], None).items():
        assert me(server, forged) == 401, name


def cli(server: LiveServer, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "main.py"), *args],
        env=server.env,
        cwd=server.env["DATA_DIR"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def published(server: LiveServer) -> list[set[str]]:
    """The kids each of many fresh connections sees: across two workers, both answer."""
    seen = []
    for _ in range(12):
        with httpx.Client(base_url=server.url, timeout=10) as client:
            seen.append({key["kid"] for key in client.get("/.well-known/jwks.json").json()["keys"]})
    return seen


def eventually(check: Callable[[], bool], seconds: float = 5) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_rotation_with_two_workers_needs_no_restart_and_logs_no_one_out(
    serve: Callable[..., LiveServer], tmp_path: Path
) -> None:
    server = serve(workers=2, JWT_ALGORITHM="ES256", JWT_KEY_ACTIVATION_SECONDS="0")
    keys_file = tmp_path / "jwt-keys.json"
    assert keys_file.stat().st_mode & 0o777 == 0o600
    before = sign_up_and_log_in(server)
    old_kid = jwt.get_unverified_header(before["access_token"])["kid"]

    cli(server, "rotate-keys")
    assert keys_file.stat().st_mode & 0o777 == 0o600
    new_kid = json.loads(cli(server, "list-keys", "--json"))["keys"][-1]["kid"]
    assert eventually(lambda: all(kids == {old_kid, new_kid} for kids in published(server)))
    assert me(server, before["access_token"]) == 200
    after = sign_up_and_log_in(server, "grace@example.com")
    assert jwt.get_unverified_header(after["access_token"])["kid"] == new_kid

    cli(server, "retire-key", old_kid)
    assert eventually(lambda: all(kids == {new_kid} for kids in published(server)))
    assert eventually(lambda: all(me(server, before["access_token"]) == 401 for _ in range(6)))
    assert me(server, after["access_token"]) == 200
    # The session signed before the rotation lives on: its refresh token still works.
    with server.client() as client:
        refreshed = client.post(
            "/api/auth/refresh", json={"refresh_token": before["refresh_token"]}
        )
    assert refreshed.status_code == 200
    assert me(server, refreshed.json()["access_token"]) == 200


def test_a_standard_oauth2_client_logs_in_refreshes_and_revokes(
    serve: Callable[..., LiveServer],
) -> None:
    server = serve(JWT_ALGORITHM="EdDSA")
    sign_up_and_log_in(server)
    with httpx.Client(base_url=server.url) as plain:
        metadata = plain.get("/.well-known/oauth-authorization-server").json()
    oauth = OAuth2Client(client_id="my-app", token_endpoint_auth_method="none")
    with oauth:
        with pytest.raises(OAuthError) as refused:
            oauth.fetch_token(
                metadata["token_endpoint"], username="ada@example.com", password="wrong"
            )
        assert refused.value.error == "invalid_grant"
        token = oauth.fetch_token(
            metadata["token_endpoint"], username="ada@example.com", password=PASSWORD
        )
        assert me(server, token["access_token"]) == 200
        refreshed = oauth.refresh_token(
            metadata["token_endpoint"], refresh_token=token["refresh_token"]
        )
        assert refreshed["refresh_token"] != token["refresh_token"]
        assert me(server, refreshed["access_token"]) == 200
        revoked = oauth.revoke_token(
            metadata["revocation_endpoint"], token=refreshed["refresh_token"]
        )
        assert revoked.status_code == 200
    assert me(server, refreshed["access_token"]) == 401
