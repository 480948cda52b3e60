"""The account messages several slices queue: a verification link, the change notices."""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy.orm import Session

from shared.config import Settings
from shared.db.models import User
from shared.mail.outbox import enqueue
from shared.mail.rendering import render
from shared.security import one_time_tokens

VERIFY_PATH = "/verify-email"
RESET_PATH = "/reset-password"


def link(settings: Settings, path: str, token: str | None = None) -> str:
    """A link to the front end (PUBLIC_URL), with the token in the query string."""
    query = f"?{urlencode({'token': token})}" if token is not None else ""
    return f"{settings.public_url}{path}{query}"


def send_verification(session: Session, user: User, *, settings: Settings) -> None:
    """Issue a verification token for the user's address and queue its link. Does not commit.

    The user must have an id (flushed). Any earlier verification link stops working.
    """
    token = one_time_tokens.issue(
        session,
        purpose="verify_email",
        user_id=user.id,
        binding=one_time_tokens.binding_for(
            "verify_email", email_key=user.email_key, hashed_password=user.hashed_password
        ),
        ttl=settings.email_verification_ttl,
    )
    message = render(
        "verify_email",
        full_name=user.full_name,
        email=user.email,
        link=link(settings, VERIFY_PATH, token),
        hours=max(1, round(settings.email_verification_ttl.total_seconds() / 3600)),
    )
    enqueue(session, message, recipient=user.email)


def send_password_changed(session: Session, user: User, *, settings: Settings) -> None:
    """Tell the user their password changed (no token in it). Does not commit."""
    message = render(
        "password_changed",
        full_name=user.full_name,
        email=user.email,
        reset_url=link(settings, RESET_PATH),
    )
    enqueue(session, message, recipient=user.email)


def send_email_changed(session: Session, user: User, *, old_email: str) -> None:
    """Tell the old address that the account moved to another one (not which). No commit."""
    message = render("email_changed", full_name=user.full_name, old_email=old_email)
    enqueue(session, message, recipient=old_email)
