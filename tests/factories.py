"""factory-boy factories writing the model directly, so no test leans on another slice."""

from __future__ import annotations

from functools import cache
from typing import Any, cast

from factory.alchemy import SQLAlchemyModelFactory
from factory.declarations import LazyAttribute, Sequence
from sqlalchemy.orm import Session

from shared.db.models import Role, User, email_key
from shared.security.passwords import hash_password

DEFAULT_PASSWORD = "Correct-Horse-Battery-9"
TEST_BCRYPT_ROUNDS = 4


class FactorySession:
    """The test's session, set by the db_session fixture: every factory writes through it."""

    current: Session | None = None


def _current_session() -> Session:
    if FactorySession.current is None:
        raise RuntimeError("The factories write through a test's db_session fixture; use it.")
    return FactorySession.current


@cache
def hashed(password: str) -> str:
    return hash_password(password, rounds=TEST_BCRYPT_ROUNDS)


class UserFactory(SQLAlchemyModelFactory):
    class Meta:
        model = User
        sqlalchemy_session_factory = _current_session
        sqlalchemy_session_persistence = "commit"

    class Params:
        password = DEFAULT_PASSWORD

    email = Sequence(lambda n: f"user{n}@example.com")
    email_key = LazyAttribute(lambda user: email_key(user.email))
    full_name = Sequence(lambda n: f"User Number{n}")
    hashed_password = LazyAttribute(lambda user: hashed(user.password))
    role = Role.USER.value
    is_active = True

    # Typed entry points: factory-boy's own return the factory's model as Any at best.
    @classmethod
    def create(cls, **fields: Any) -> User:
        return cast(User, super().create(**fields))

    @classmethod
    def build(cls, **fields: Any) -> User:
        return cast(User, super().build(**fields))


class AdminFactory(UserFactory):
    email = Sequence(lambda n: f"admin{n}@example.com")
    role = Role.ADMIN.value
