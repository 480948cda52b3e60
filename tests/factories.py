"""factory-boy factories writing the model directly, so no test leans on another slice."""

from __future__ import annotations

from functools import cache

import factory
from factory.alchemy import SQLAlchemyModelFactory

from shared.db.models import Role, User, email_key
from shared.security.passwords import hash_password

DEFAULT_PASSWORD = "Correct-Horse-Battery-9"
TEST_BCRYPT_ROUNDS = 4


@cache
def hashed(password: str) -> str:
    return hash_password(password, rounds=TEST_BCRYPT_ROUNDS)


class UserFactory(SQLAlchemyModelFactory):  # type: ignore[misc]
    class Meta:
        model = User
        sqlalchemy_session_persistence = "commit"

    class Params:
        password = DEFAULT_PASSWORD

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    email_key = factory.LazyAttribute(lambda user: email_key(user.email))
    full_name = factory.Sequence(lambda n: f"User Number{n}")
    hashed_password = factory.LazyAttribute(lambda user: hashed(user.password))
    role = Role.USER.value
    is_active = True


class AdminFactory(UserFactory):
    email = factory.Sequence(lambda n: f"admin{n}@example.com")
    role = Role.ADMIN.value
