# syntax=docker/dockerfile:1
# The production image: runtime dependencies only (no dependency group), run as a non-root user.
# Build: docker build -t authservice .   Run: see compose.yaml and the README.

FROM python:3.11-slim AS build
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PROJECT_ENVIRONMENT=/opt/venv
WORKDIR /app
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-default-groups --no-install-project

FROM python:3.11-slim
RUN useradd --system --uid 10001 --no-create-home app \
    && mkdir /data && chown app /data && chmod 0700 /data
COPY --from=build /opt/venv /opt/venv
WORKDIR /app
COPY main.py log-config.json ./
COPY shared ./shared
COPY features ./features
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    APP_ENV=production \
    DATA_DIR=/data \
    LOG_FORMAT=json
USER app
VOLUME /data
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=2).status != 200)"]
# Migrate, then serve: WEB_CONCURRENCY workers, SIGTERM drains requests in flight.
CMD ["sh", "-c", "python main.py migrate && exec python main.py serve --host 0.0.0.0 --port 8000"]
