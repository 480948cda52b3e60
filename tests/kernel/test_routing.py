"""Slices mounted route by route on the app: the same API as including their routers."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

import features
from shared.discovery import discover_slices
from shared.http.openapi import operation_id
from shared.http.routing import mount_routes


def app_with(mount: str) -> FastAPI:
    app = FastAPI(generate_unique_id_function=operation_id)
    for router in discover_slices(features):
        if mount == "mounted":
            mount_routes(app, router)
        else:
            app.include_router(router)
    return app


def test_every_slice_mounted_publishes_the_api_its_routers_would() -> None:
    assert app_with("mounted").openapi() == app_with("included").openapi()


def test_mounted_routes_sit_on_the_app_itself() -> None:
    app = app_with("mounted")
    assert "/api/users/me" in {route.path for route in app.routes if isinstance(route, APIRoute)}


def dependency() -> str:
    return "real"


def router_with_a_route(prefix: str = "") -> APIRouter:
    router = APIRouter(prefix=prefix, tags=["probe"])

    @router.get("/probe")
    async def probe(value: Annotated[str, Depends(dependency)]) -> dict[str, str]:
        """Say which dependency answered."""
        return {"value": value}

    return router


@pytest.mark.parametrize("prefix", ["", "/under"])
def test_overrides_reach_mounted_routes_and_a_prefixed_router_is_included_whole(
    prefix: str,
) -> None:
    app = FastAPI()
    mount_routes(app, router_with_a_route(prefix))
    app.dependency_overrides[dependency] = lambda: "override"

    response = TestClient(app).get(f"{prefix}/probe")

    assert response.json() == {"value": "override"}
    flat = any(isinstance(route, APIRoute) and route.path == "/probe" for route in app.routes)
    assert flat is (prefix == "")
