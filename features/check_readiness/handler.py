"""Readiness: one round trip to the database."""

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from features.check_readiness.schemas import ReadinessRequest, ReadinessResponse
from shared.errors import ServiceUnavailableError


class DatabaseUnavailableError(ServiceUnavailableError):
    code = "database_unavailable"
    default_detail = "The database does not answer."


def handle(request: ReadinessRequest, *, session: Session) -> ReadinessResponse:  # noqa: ARG001
    """One round trip to the database.

    Raises DatabaseUnavailableError (503) when it does not answer.
    """
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise DatabaseUnavailableError() from None
    return ReadinessResponse()
