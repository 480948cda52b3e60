"""Why an introspection request was refused."""

from shared.errors import AppError, UnauthorizedError


class InvalidClientError(UnauthorizedError):
    """No, malformed or wrong client credentials: RFC 7662 asks for HTTP Basic."""

    code = "invalid_client"
    oauth_error = "invalid_client"
    default_detail = "Introspection needs the HTTP Basic credentials of a listed client."

    def __init__(self) -> None:
        super().__init__(headers={"WWW-Authenticate": 'Basic realm="introspection"'})


class InvalidRequestError(AppError):
    status = 400
    code = "invalid_request"
    oauth_error = "invalid_request"
    default_detail = "Send the token as application/x-www-form-urlencoded `token=...`."
