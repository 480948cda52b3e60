"""What DELETE /api/users/{user_id} carries: the id from the path and the optional If-Match."""

from pydantic import BaseModel, ConfigDict


class DeleteUserRequest(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: int
    if_match: str | None = None
