"""Verification cost per algorithm, in µs: `python -m tests.benchmark.verify_cost`.

Measures a fresh verification (PyJWT signature and claims, no cache) and the service's path
with its per-worker cache warm (kid lookup plus cached claims), for each JWT_ALGORITHM.
"""

from __future__ import annotations

import tempfile
import timeit
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.security import access_tokens
from shared.security.access_tokens import TokenSettings, create_access_token, decode_access_token
from shared.security.rotation import open_key_store

SECRET = "benchmark-secret-that-is-long-enough-0123456789"
ROUNDS = 2000


def settings_for(algorithm: str, directory: Path) -> TokenSettings:
    ttl = timedelta(minutes=15)
    keys = open_key_store(
        algorithm=algorithm,
        path=directory / f"{algorithm}.json",
        secret=SECRET,
        access_ttl=ttl,
        generate=True,
        now=datetime.now(UTC),
    )
    return TokenSettings(
        secret=SECRET, issuer="i", audience="a", algorithm=algorithm, access_ttl=ttl, keys=keys
    )


def per_call_us(function: object, rounds: int) -> float:
    return min(timeit.repeat(function, number=rounds, repeat=3)) / rounds * 1e6  # type: ignore[arg-type]


def main() -> None:
    print(
        f"{'algorithm':<8} {'sign µs':>9} {'verify µs (uncached)':>22} {'verify µs (cached)':>20}"
    )
    with tempfile.TemporaryDirectory() as directory:
        for algorithm in ("HS256", "ES256", "EdDSA", "RS256"):
            settings = settings_for(algorithm, Path(directory))
            now = datetime.now(UTC)

            def sign(settings: TokenSettings = settings, now: datetime = now) -> str:
                return create_access_token(user_id=1, session_id="s", now=now, settings=settings)

            token = sign()

            def uncached(token: str = token, settings: TokenSettings = settings) -> None:
                access_tokens._verified_claims.cache_clear()
                decode_access_token(token, settings=settings)

            def cached(token: str = token, settings: TokenSettings = settings) -> None:
                decode_access_token(token, settings=settings)

            print(
                f"{algorithm:<8} {per_call_us(sign, ROUNDS // 4):>9.1f} "
                f"{per_call_us(uncached, ROUNDS):>22.1f} {per_call_us(cached, ROUNDS):>20.1f}"
            )


if __name__ == "__main__":
    main()
