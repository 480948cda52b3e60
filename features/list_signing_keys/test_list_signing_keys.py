"""`python main.py list-keys`."""

import json
import subprocess
import sys
from pathlib import Path

from shared.security.jwk import jwk_thumbprint, public_jwk_of
from shared.security.keyfile import read_key_file
from tests.fixtures import REPO_ROOT, server_env


def run(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(REPO_ROOT / "main.py"), *args],
        env=env,
        cwd=env["DATA_DIR"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def test_lists_thumbprints_and_states_after_a_rotation(tmp_path: Path) -> None:
    env = server_env(tmp_path, JWT_ALGORITHM="ES256", JWT_KEY_ACTIVATION_SECONDS="600")
    run(env, "rotate-keys")
    run(env, "rotate-keys")
    listed = json.loads(run(env, "list-keys", "--json"))["keys"]
    assert [key["state"] for key in listed] == ["active", "pending"]
    for key, record in zip(listed, read_key_file(tmp_path / "jwt-keys.json"), strict=True):
        assert record.private_jwk is not None
        # The kid is the RFC 7638 thumbprint of the public key, recomputable by anyone.
        assert key["kid"] == jwk_thumbprint(public_jwk_of(record.private_jwk, "ES256"))
    assert "pending" in run(env, "list-keys")


def test_rfc_7638_example_thumbprint() -> None:
    # RFC 7638 section 3.1.
    jwk = {
        "kty": "RSA",
        "e": "AQAB",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tS"
        "oc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0"
        "_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4"
        "vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
