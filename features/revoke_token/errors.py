"""Why a revocation request was refused: only a request without a token is."""

from shared.errors import AppError


class InvalidRequestError(AppError):
    status = 400
    code = "invalid_request"
    oauth_error = "invalid_request"
    default_detail = "Send the token as application/x-www-form-urlencoded `token=...`."
