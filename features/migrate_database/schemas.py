"""Which database to migrate, and where it stands afterwards."""

from pydantic import BaseModel, ConfigDict


class MigrateDatabaseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database_url: str


class MigrateDatabaseResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    revision: str
