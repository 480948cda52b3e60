"""POST /api/auth/verify-email: the HTTP side of verifying an address."""

from fastapi import APIRouter

from features.verify_email import handler
from features.verify_email.schemas import VerifyEmailRequest, VerifyEmailResponse
from shared.http.dependencies import WriteSessionDep
from shared.http.openapi import problem_responses

router = APIRouter(tags=["auth"])


@router.post("/api/auth/verify-email", responses=problem_responses(400, 413, 422))
def verify_email(body: VerifyEmailRequest, session: WriteSessionDep) -> VerifyEmailResponse:
    """Mark the address verified with the token from a verification link; returns the user."""
    return handler.handle(body, session=session)
