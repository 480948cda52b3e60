"""JWK helpers: RFC 7638 thumbprints (our kids), public halves, and HKDF key derivation."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from jwt import PyJWK
from jwt.algorithms import get_default_algorithms

# RFC 7638 section 3.2: the members a thumbprint covers, per key type.
_THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
    "oct": ("k", "kty"),
}


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of a (public) JWK, base64url: the key's `kid`."""
    members = {name: jwk[name] for name in _THUMBPRINT_MEMBERS[jwk["kty"]]}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def public_jwk_of(private_jwk: Mapping[str, Any], alg: str) -> dict[str, Any]:
    """The public half of a private JWK, as the JWKS publishes it."""
    public_key = PyJWK(dict(private_jwk), algorithm=alg).key.public_key()
    jwk: dict[str, Any] = get_default_algorithms()[alg].to_jwk(public_key, as_dict=True)
    return jwk


def derive_key(secret: str, *, label: bytes) -> bytes:
    """A 32-byte key for one purpose, derived from the root secret (HKDF-SHA256)."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(secret.encode())
