"""POST /api/auth/password-reset/confirm: the HTTP side of completing a password reset."""

from fastapi import APIRouter, Response

from features.confirm_password_reset import handler
from features.confirm_password_reset.schemas import ConfirmPasswordResetRequest
from shared.http.dependencies import SessionDep, SettingsDep, WriteSessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["auth"])


@router.post(
    "/api/auth/password-reset/confirm",
    status_code=204,
    responses=problem_responses(400, 413, 422),
)
def confirm_password_reset(
    body: ConfirmPasswordResetRequest,
    read_session: SessionDep,
    write_session: WriteSessionDep,
    settings: SettingsDep,
) -> Response:
    """Set a new password with the token from a reset link; every session of the account ends."""
    handler.handle(body, read_session=read_session, write_session=write_session, settings=settings)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})
