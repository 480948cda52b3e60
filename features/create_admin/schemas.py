"""Request and result of create-admin."""

from pydantic import BaseModel, ConfigDict, SecretStr


class CreateAdminRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str
    # None keeps an existing user's password; a new admin needs one.
    password: SecretStr | None = None
    full_name: str | None = None


class CreateAdminResponse(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: int
    email: str
    created: bool

    @property
    def message(self) -> str:
        if self.created:
            return f"created admin {self.email} (id {self.user_id})"
        return f"promoted {self.email} (id {self.user_id}) to admin"
