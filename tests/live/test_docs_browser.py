"""/docs: Swagger UI and ReDoc served by the app itself; in a real browser, the page loads
nothing from elsewhere and its Authorize button works."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from tests.factories import DEFAULT_PASSWORD
from tests.fixtures import LiveServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="no chromium on PATH (apt-get install chromium; .ci/run does)"
)


@pytest.mark.parametrize(
    ("path", "content_type", "expected"),
    [
        ("/docs", "text/html", "/docs/assets/swagger-ui-bundle.js"),
        ("/docs/oauth2-redirect", "text/html", "oauth2"),
        ("/redoc", "text/html", "/docs/assets/redoc.standalone.js"),
        ("/docs/assets/swagger-ui-bundle.js", "javascript", "SwaggerUIBundle"),
        ("/docs/assets/swagger-ui.css", "text/css", ".swagger-ui"),
        ("/docs/assets/redoc.standalone.js", "javascript", "Redoc"),
    ],
)
def test_docs_and_their_assets_are_served_by_the_app(
    client: TestClient, path: str, content_type: str, expected: str
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert content_type in response.headers["content-type"]
    assert expected in response.text


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_link_nothing_outside_the_app(client: TestClient, page: str) -> None:
    assert "http" not in client.get(page).text


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context()
    yield context.new_page()
    context.close()


def open_docs(page: Page, server: LiveServer) -> list[str]:
    """Opens /docs and waits for Swagger UI to render; returns every URL the page requested."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{server.url}/docs")
    page.locator(".swagger-ui .info .title").wait_for(timeout=15_000)
    page.locator(".opblock").first.wait_for(timeout=15_000)
    return requested


@pytest.mark.server
@needs_chromium
def test_docs_render_with_no_request_outside_the_app(page: Page, live_server: LiveServer) -> None:
    requested = open_docs(page, live_server)
    assert "Auth service" in page.locator(".swagger-ui .info .title").inner_text()
    assert page.locator(".opblock-summary-path", has_text="/api/users").count() >= 1
    own = urlsplit(live_server.url).netloc
    outside = [url for url in requested if urlsplit(url).scheme in {"http", "https"}]
    assert [url for url in outside if urlsplit(url).netloc != own] == []
    assert f"{live_server.url}/openapi.json" in requested


@pytest.mark.server
@needs_chromium
def test_authorize_then_try_it_out_on_users_me(page: Page, live_server: LiveServer) -> None:
    with live_server.client() as http:
        paths = http.get("/openapi.json").json()["paths"]
        if "/api/auth/login" not in paths or "/api/users/me" not in paths:
            pytest.skip("needs the login and get-me slices (POST /api/auth/login, /api/users/me)")
        created = http.post(
            "/api/users", json={"email": "docs@example.com", "password": DEFAULT_PASSWORD}
        )
        assert created.status_code == 201, created.text
    open_docs(page, live_server)

    page.locator("button.authorize").first.click()
    page.locator("#oauth_username").fill("docs@example.com")
    page.locator("#oauth_password").fill(DEFAULT_PASSWORD)
    # The dialog lists every scheme (the bearer's password flow, introspection's Basic):
    # the OAuth2 one is the one applied.
    page.get_by_role("button", name="Apply given OAuth2 credentials").click()
    page.locator(".auth-btn-wrapper button", has_text="Logout").first.wait_for(timeout=15_000)
    page.locator(".auth-btn-wrapper button.btn-done").first.click()

    # By operation id: /api/users/me is also the start of the sessions and events paths.
    operation = page.locator("#operations-users-get_me")
    operation.locator(".opblock-summary").click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for(timeout=15_000)
    assert status.inner_text().strip() == "200"
    assert "docs@example.com" in operation.locator(".live-responses-table").inner_text()
