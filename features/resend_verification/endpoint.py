"""POST /api/users/me/verification: the HTTP side of re-sending a verification link."""

from fastapi import APIRouter

from features.resend_verification import handler
from features.resend_verification.schemas import (
    ResendVerificationRequest,
    ResendVerificationResponse,
)
from shared.http.caller import CurrentUser
from shared.http.dependencies import SettingsDep, WriteSessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["users"])


@router.post("/api/users/me/verification", status_code=202, responses=problem_responses(401, 409))
def resend_verification(
    session: WriteSessionDep, caller: CurrentUser, settings: SettingsDep
) -> ResendVerificationResponse:
    """Mail a fresh verification link to your address; earlier links stop working."""
    return handler.handle(
        ResendVerificationRequest(), session=session, caller=caller, settings=settings
    )
