"""The hash an unknown email is verified against: a real bcrypt hash at the configured cost."""

import bcrypt

from shared.security.passwords import bcrypt_input, dummy_hash, hash_rounds, verify_password


def test_dummy_hash_has_the_configured_cost() -> None:
    assert hash_rounds(dummy_hash(5)) == 5
    assert hash_rounds(dummy_hash(6)) == 6


def test_bcrypt_accepts_the_dummy_hash_and_no_password_matches_it() -> None:
    hashed = dummy_hash(4)
    # checkpw raises ValueError on a malformed hash: that would skip the work it stands for.
    assert bcrypt.checkpw(bcrypt_input("any password at all"), hashed.encode("ascii")) is False
    assert verify_password("", hashed) is False
