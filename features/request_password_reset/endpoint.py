"""POST /api/auth/password-reset: answer at once, then do the work after the response."""

import logging
from collections.abc import Callable

from fastapi import APIRouter, BackgroundTasks
from sqlalchemy.orm import Session

from features.request_password_reset import handler
from features.request_password_reset.schemas import (
    RequestPasswordResetRequest,
    RequestPasswordResetResponse,
)
from shared.config import Settings
from shared.db.models import email_key
from shared.http.dependencies import SettingsDep, WriteSessionFactoryDep
from shared.http.openapi import problem_responses
from shared.http.ratelimit import RequestLimitsDep

router = APIRouter(tags=["auth"])

logger = logging.getLogger("authservice.password_reset")


@router.post(
    "/api/auth/password-reset", status_code=202, responses=problem_responses(413, 422, 429)
)
def request_password_reset(
    body: RequestPasswordResetRequest,
    background: BackgroundTasks,
    sessions: WriteSessionFactoryDep,
    settings: SettingsDep,
    limits: RequestLimitsDep,
) -> RequestPasswordResetResponse:
    """Mail a reset link if an active account has this email; the answer is the same anyway."""
    limits.hit("password_reset")
    limits.hit_from_anywhere("password_reset_email", email_key(body.email))
    # Nothing that depends on the email runs before the answer: neither the lookup nor the
    # write, so the answer's content and timing are the same for every address.
    background.add_task(_request_reset, body, sessions=sessions, settings=settings)
    return RequestPasswordResetResponse()


def _request_reset(
    body: RequestPasswordResetRequest, *, sessions: Callable[[], Session], settings: Settings
) -> None:
    try:
        with sessions() as session:
            handler.handle(body, session=session, settings=settings)
    except Exception:
        # The client has its answer already; the failure is the operator's to see.
        logger.exception("password reset request failed after the response")
