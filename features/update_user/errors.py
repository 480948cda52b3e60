"""Errors only an update can give: the current-password check."""

from shared.errors import ForbiddenError


class CurrentPasswordRequiredError(ForbiddenError):
    code = "current_password_required"
    default_detail = "Changing your own email or password needs your current_password."


class WrongCurrentPasswordError(ForbiddenError):
    code = "wrong_current_password"
    default_detail = "current_password is not your current password."
