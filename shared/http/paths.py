"""Path parameters every slice shares: the user id, bounded before it becomes an int."""

from __future__ import annotations

from starlette.convertors import Convertor, register_url_convertor


class _IdConvertor(Convertor[int]):
    # At most 20 digits: 2**64 still reaches the handler (a 404 there, as the contract says),
    # while a 5,000-digit id matches no route (404) instead of tripping Python's limit on
    # int() of a long string (a 500).
    regex = "[0-9]{1,20}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("id", _IdConvertor())

# One user's path, for every slice that addresses a user: `@router.get(USER_PATH)`.
USER_PATH = "/api/users/{user_id:id}"
