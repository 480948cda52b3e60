"""Rate limits on the `limits` library: per client IP, per IP and account, failures per account.

The limiter (`shared.ratelimit.limiter`) lives on `app.state.rate_limiter` (create_app makes
it from the settings). Counts are kept in RATE_LIMIT_STORAGE_URL: process memory by default,
Redis to share them between workers and hosts. The strategy is the moving window: a fixed
window lets a client spend twice its limit across a window boundary (10 at 0:59, 10 at
1:00), which for password guessing is exactly the burst a limit is there to stop; our limits
are small, so keeping one timestamp per counted request costs little.

How a slice uses it, through `shared.http.ratelimit` (handlers never see FastAPI; they get
the plain `FailureCounter`):

Per client IP, the whole route (registration, refresh)::

    @router.post("/api/auth/refresh", dependencies=[rate_limit("refresh")],
                 responses=problem_responses(..., 429))

Per client IP and something from the body (login: IP + email)::

    def login(body: LoginRequest, limits: RequestLimitsDep, failures: LoginFailuresDep, ...):
        limits.hit("login", email_key(body.email))
        return handler.handle(body, ..., failures=failures)

Failed attempts per account, from all IPs (in the login handler)::

    failures.check(account)      # before the password check: over the limit is 429 even
                                 # with the right password
    if not verified:
        failures.record(account)
        raise InvalidCredentialsError()

A refusal raises RateLimitedError (429 problem) carrying Retry-After and RateLimit-* headers.
"""
