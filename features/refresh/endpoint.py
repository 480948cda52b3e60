"""POST /api/auth/refresh: the HTTP side of rotating a refresh token."""

from fastapi import APIRouter, Response

from features.refresh import handler
from features.refresh.schemas import RefreshRequest, RefreshResponse
from shared.http.dependencies import SettingsDep, TokenSettingsDep, WriteSessionDep
from shared.http.openapi import problem_responses
from shared.http.ratelimit import rate_limit
from shared.observability import metrics

router = APIRouter(tags=["auth"])


@router.post(
    "/api/auth/refresh",
    dependencies=[rate_limit("refresh")],
    responses=problem_responses(400, 401, 413, 422, 429),
)
def refresh(
    body: RefreshRequest,
    response: Response,
    session: WriteSessionDep,
    settings: SettingsDep,
    token_settings: TokenSettingsDep,
) -> RefreshResponse:
    """Spend a refresh token for a new access and refresh token; a spent one ends the session."""
    # The contract's name for a spent token coming back, whatever the problem code says.
    with metrics.outcome_counted(
        metrics.count_refresh, renamed={"refresh_token_reused": "reuse_detected"}
    ):
        tokens = handler.handle(
            body, session=session, settings=settings, token_settings=token_settings
        )
    response.headers["Cache-Control"] = "no-store"
    return tokens
