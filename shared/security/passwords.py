"""Password policy (NIST SP 800-63B), bcrypt hashing and the dummy hash for unknown emails."""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TypeVar

import anyio
import anyio.to_thread
import bcrypt

from shared.observability import metrics

T = TypeVar("T")

MAX_PASSWORD_LENGTH = 128


COMMON_PASSWORDS_FILE = Path(__file__).with_name("common-passwords.txt.gz")


# bcrypt pins a core while it runs; more hashes at once than cores only queue in the kernel
# and hold threads (and their database connections) hostage. Waiters block here instead.
_hashing_slots = threading.BoundedSemaphore(os.cpu_count() or 1)

# Async callers wait for a turn here, holding no thread, outside the limit of the pool that
# sync routes and dependencies share. A few per core run at once, so their database work
# overlaps; bcrypt itself stays at one per core (_hashing_slots).
_password_work = anyio.CapacityLimiter(4 * (os.cpu_count() or 1))


async def run_password_work(work: Callable[[], T]) -> T:
    """Run work that hashes or verifies a password (a login, say) without taking a thread
    other requests need: requests queue for a turn asynchronously, a few per core at once."""
    return await anyio.to_thread.run_sync(work, limiter=_password_work)


def normalize_password(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


def password_problems(password: str, *, email: str | None, min_length: int) -> list[str]:
    """Why a new password is refused (NIST SP 800-63B); empty when it is acceptable."""
    normalized = normalize_password(password)
    problems = []
    if len(normalized) < min_length:
        problems.append(f"Password must be at least {min_length} characters.")
    if len(normalized) > MAX_PASSWORD_LENGTH:
        problems.append(f"Password must be at most {MAX_PASSWORD_LENGTH} characters.")
    if any(unicodedata.category(char) == "Cc" for char in normalized):
        problems.append("Password must not contain control characters.")
    if email is not None and normalized.casefold() == email.strip().casefold():
        problems.append("Password must not be the email address.")
    if normalized.casefold() in common_passwords():
        problems.append("Password is too common; choose another.")
    return problems


@cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS_FILE, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip().casefold() for line in handle if line.strip())


def bcrypt_input(password: str) -> bytes:
    # bcrypt reads only 72 bytes; a SHA-256 pre-hash makes every character count. Base64 keeps
    # NUL bytes (which bcrypt would stop at) out of its input.
    digest = hashlib.sha256(normalize_password(password).encode("utf-8")).digest()
    return base64.b64encode(digest)


def hash_password(password: str, *, rounds: int) -> str:
    with _hashing_slots:
        started = time.perf_counter()
        hashed = bcrypt.hashpw(bcrypt_input(password), bcrypt.gensalt(rounds)).decode("ascii")
        metrics.record_password_hash(time.perf_counter() - started)
        return hashed


def verify_password(password: str, hashed: str) -> bool:
    try:
        encoded = hashed.encode("ascii")
    except UnicodeEncodeError:
        return False
    with _hashing_slots:
        started = time.perf_counter()
        try:
            return bcrypt.checkpw(bcrypt_input(password), encoded)
        except ValueError:
            return False
        finally:
            metrics.record_password_hash(time.perf_counter() - started)


def hash_rounds(hashed: str) -> int:
    """The cost a bcrypt hash was made with (`$2b$12$...` -> 12)."""
    return int(hashed.split("$")[2])


_BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@cache
def dummy_hash(rounds: int) -> str:
    """A hash to verify against when the email is unknown, so both failures cost the same.

    Verifying rehashes the password with the stored salt and cost, then compares: the cost
    is the same whatever the digest part says, so a random one does and no hash is spent
    making it (a quarter of a second at cost 12, once per worker at start-up).
    """
    salt = bcrypt.gensalt(rounds).decode("ascii")
    return salt + "".join(secrets.choice(_BCRYPT_ALPHABET) for _ in range(31))
