"""Errors only re-sending a verification can give."""

from shared.errors import ConflictError


class AlreadyVerifiedError(ConflictError):
    code = "already_verified"
    default_detail = "This email address is verified already."
