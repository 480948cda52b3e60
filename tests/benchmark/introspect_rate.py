"""Introspection requests/s on loopback: `python -m tests.benchmark.introspect_rate`.

One uvicorn worker on a fresh SQLite database, ES256 tokens, 4 client threads over
keep-alive connections, a bounded number of requests (loopback only).
"""

from __future__ import annotations

import base64
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from tests.fixtures import server_env, start_server, stop_server

REQUESTS = 2000
THREADS = 4
CLIENT = "bench:introspection-secret-0123456789"


def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        env = server_env(Path(directory), JWT_ALGORITHM="ES256", INTROSPECTION_CLIENTS=CLIENT)
        server = start_server(env)
        try:
            with server.client() as client:
                body = {"email": "bench@example.com", "password": "Correct-Horse-Battery-9"}
                client.post("/api/users", json=body)
                token = client.post("/api/auth/login", json=body).json()["access_token"]
            auth = {"Authorization": "Basic " + base64.b64encode(CLIENT.encode()).decode()}

            def run(count: int) -> int:
                active = 0
                with httpx.Client(base_url=server.url, headers=auth, timeout=10) as client:
                    for _ in range(count):
                        answer = client.post("/api/auth/introspect", data={"token": token})
                        active += answer.json()["active"] is True
                return active

            run(50)  # warm-up
            started = time.perf_counter()
            with ThreadPoolExecutor(THREADS) as pool:
                active = sum(pool.map(run, [REQUESTS // THREADS] * THREADS))
            elapsed = time.perf_counter() - started
            assert active == REQUESTS
            rate = REQUESTS / elapsed
            print(f"introspection: {rate:.0f} requests/s ({REQUESTS} in {elapsed:.1f} s)")
        finally:
            stop_server(server)


if __name__ == "__main__":
    main()
