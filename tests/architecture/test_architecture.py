"""Architecture: what lets feature teams add slices on their own, checked on every run."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import subprocess
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

import features
from main import cli, create_app
from shared.cli import Command
from shared.discovery import SliceError, discover_slices, slice_names
from tests.fixtures import FEATURES_DIR, REPO_ROOT, make_settings, subprocess_env

SLICE_FILES = ("__init__.py", "schemas.py", "handler.py")
# A slice serves a route (endpoint.py), runs as a command (command.py), or both.
ENTRY_FILES = ("endpoint.py", "command.py")
SLICES = slice_names(features)
HTTP_SLICES = [name for name in SLICES if (FEATURES_DIR / name / "endpoint.py").is_file()]
COMMAND_SLICES = [name for name in SLICES if (FEATURES_DIR / name / "command.py").is_file()]


@pytest.fixture(scope="module")
def full_app(tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    return create_app(make_settings(tmp_path_factory.mktemp("architecture")))


def api_routes(routes: Iterable[BaseRoute]) -> list[APIRoute]:
    return [route for route in routes if isinstance(route, APIRoute)]


def route_clashes(routes: Iterable[BaseRoute]) -> list[str]:
    """`METHOD path: owner, owner` for each method and path claimed more than once."""
    owners: dict[tuple[str, str], list[str]] = defaultdict(list)
    for route in routes:
        for method in sorted(getattr(route, "methods", None) or ()):
            endpoint = getattr(route, "endpoint", None)
            owners[(method, getattr(route, "path", ""))].append(
                getattr(endpoint, "__module__", "?")
            )
    return [
        f"{method} {path}: {', '.join(modules)}"
        for (method, path), modules in sorted(owners.items())
        if len(modules) > 1
    ]


def untyped_path_params(path: str) -> list[str]:
    return [name for name in re.findall(r"{([^}]*)}", path) if ":" not in name]


def layout_problems(folder: Path) -> list[str]:
    problems = [f"no {name}" for name in SLICE_FILES if not (folder / name).is_file()]
    if not any((folder / name).is_file() for name in ENTRY_FILES):
        problems.append("no endpoint.py or command.py")
    if not any(folder.rglob("test_*.py")):
        problems.append("no test_*.py")
    return problems


def throwaway_features(
    root: Path, monkeypatch: pytest.MonkeyPatch, slices: dict[str, str | None]
) -> ModuleType:
    """A features-like package under root: slice name -> endpoint.py source (None: no file)."""
    name = f"throwaway_{uuid.uuid4().hex}"
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text('"""A throwaway features/."""\n')
    for slice_name, endpoint in slices.items():
        (package / slice_name).mkdir()
        (package / slice_name / "__init__.py").write_text('"""A throwaway slice."""\n')
        if endpoint is not None:
            (package / slice_name / "endpoint.py").write_text(endpoint)
    monkeypatch.syspath_prepend(str(root))
    return importlib.import_module(name)


def endpoint_source(method: str, path: str, function: str) -> str:
    return (
        '"""A throwaway route."""\n\nfrom fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n'
        f'@router.{method}("{path}")\ndef {function}() -> None:\n    """Nothing."""\n'
    )


# --- one route per method and path -------------------------------------------------------


def test_no_two_routes_claim_the_same_method_and_path(full_app: FastAPI) -> None:
    assert route_clashes(full_app.routes) == []


def test_clash_check_catches_two_slices_on_one_route(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = throwaway_features(
        tmp_path,
        monkeypatch,
        {
            "list_things": endpoint_source("get", "/api/things", "list_things"),
            "count_things": endpoint_source("get", "/api/things", "count_things"),
            "add_thing": endpoint_source("post", "/api/things", "add_thing"),
        },
    )
    routes = [route for router in discover_slices(package) for route in router.routes]
    assert route_clashes(routes) == [
        f"GET /api/things: {package.__name__}.count_things.endpoint, "
        f"{package.__name__}.list_things.endpoint"
    ]


# --- discovery -----------------------------------------------------------------------------


def test_discovery_names_a_folder_without_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = throwaway_features(
        tmp_path,
        monkeypatch,
        {"add_thing": endpoint_source("post", "/api/things", "add_thing"), "half_done": None},
    )
    with pytest.raises(SliceError, match=r"/half_done/ has no endpoint\.py"):
        discover_slices(package)


def test_discovery_refuses_an_endpoint_without_router(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = throwaway_features(tmp_path, monkeypatch, {"add_thing": '"""No router."""\n'})
    with pytest.raises(SliceError, match=r"add_thing\.endpoint must define `router"):
        discover_slices(package)


def test_discovery_mounts_only_the_slices_asked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = throwaway_features(
        tmp_path,
        monkeypatch,
        {
            "add_thing": endpoint_source("post", "/api/things", "add_thing"),
            "list_things": endpoint_source("get", "/api/things", "list_things"),
        },
    )
    routers = discover_slices(package, only=["list_things"])
    assert [route.name for router in routers for route in api_routes(router.routes)] == [
        "list_things"
    ]
    assert f"{package.__name__}.add_thing.endpoint" not in sys.modules
    with pytest.raises(SliceError, match="No such slice"):
        discover_slices(package, only=["lisst_things"])


# --- each slice's shape --------------------------------------------------------------------


@pytest.mark.parametrize("name", SLICES)
def test_slice_has_endpoint_schemas_handler_and_tests(name: str) -> None:
    assert layout_problems(FEATURES_DIR / name) == []


def test_layout_check_names_what_is_missing(tmp_path: Path) -> None:
    (tmp_path / "handler.py").touch()
    assert layout_problems(tmp_path) == [
        "no __init__.py",
        "no schemas.py",
        "no endpoint.py or command.py",
        "no test_*.py",
    ]


@pytest.mark.parametrize("name", HTTP_SLICES)
def test_slice_has_one_path_operation_named_after_it(name: str, full_app: FastAPI) -> None:
    (router,) = discover_slices(features, only=[name])
    assert [route.name for route in api_routes(router.routes)] == [name]
    operation_ids = [
        operation["operationId"]
        for item in full_app.openapi()["paths"].values()
        for operation in item.values()
        if operation["operationId"] == name
    ]
    assert operation_ids == [name]


def test_path_operations_have_a_one_line_docstring(full_app: FastAPI) -> None:
    missing = [
        route.name
        for route in api_routes(full_app.routes)
        if route.include_in_schema
        and not (route.description and "\n" not in route.description.strip())
    ]
    assert missing == []


def test_path_parameters_are_typed(full_app: FastAPI) -> None:
    untyped = {
        route.path: untyped_path_params(route.path)
        for route in api_routes(full_app.routes)
        if untyped_path_params(route.path)
    }
    assert untyped == {}, "type every path parameter, e.g. {user_id:int}"


def test_untyped_path_params_finds_the_untyped_ones() -> None:
    assert untyped_path_params("/api/users/{user_id:int}/keys/{key}") == ["key"]


def python_modules() -> list[Path]:
    roots = [FEATURES_DIR, REPO_ROOT / "shared", REPO_ROOT / "tests"]
    found = [REPO_ROOT / "main.py", *(path for root in roots for path in root.rglob("*.py"))]
    return sorted(path for path in found if "__pycache__" not in path.parts)


def test_every_module_has_a_docstring() -> None:
    missing = [
        str(path.relative_to(REPO_ROOT))
        for path in python_modules()
        if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert missing == []


# --- boundaries ----------------------------------------------------------------------------


def test_import_contracts_hold() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports")],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


RECORD_PLUGIN = '''"""Writes the features.* modules imported during the run to $RECORD_TO."""

import os
import sys


def pytest_sessionfinish(session, exitstatus):
    names = sorted(name for name in sys.modules if name.startswith("features."))
    with open(os.environ["RECORD_TO"], "w") as handle:
        handle.write("\\n".join(names))
'''


def test_one_slices_tests_import_no_other_slice(tmp_path: Path) -> None:
    probed = "create_user" if "create_user" in HTTP_SLICES else HTTP_SLICES[0]
    (tmp_path / "record_features.py").write_text(RECORD_PLUGIN)
    record = tmp_path / "imported.txt"
    env = {
        **subprocess_env(),
        "PYTHONPATH": str(tmp_path),
        "RECORD_TO": str(record),
    }
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "record_features", f"features/{probed}"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    imported = record.read_text().split()
    assert f"features.{probed}.endpoint" in imported
    others = [
        name for name in imported if not name.startswith((f"features.{probed}", "features.conf"))
    ]
    assert others == []


# --- one slice contract --------------------------------------------------------------------


def handler_contract_problems(handle: Callable[..., object]) -> list[str]:
    """How `handle` departs from `handle(request: XRequest, *, ...) -> XResponse` + docstring."""
    problems = []
    parameters = list(inspect.signature(handle).parameters.values())
    positional = [p for p in parameters if p.kind is not inspect.Parameter.KEYWORD_ONLY]
    if [p.name for p in positional] != ["request"]:
        problems.append(f"takes {[p.name for p in positional]} before *, not ['request']")
    if inspect.signature(handle).return_annotation is inspect.Signature.empty:
        problems.append("has no return annotation")
    doc = inspect.getdoc(handle) or ""
    if not re.search(r"\bRaises\b", doc):
        problems.append("has no docstring saying what it raises")
    return problems


@pytest.mark.parametrize("name", SLICES)
def test_every_handler_has_the_one_slice_form(name: str) -> None:
    handler = importlib.import_module(f"features.{name}.handler")
    assert handler_contract_problems(handler.handle) == []


def test_handler_contract_check_names_each_departure() -> None:
    def handle(user_id: int, *, session: object):  # type: ignore[no-untyped-def]
        """Does things."""

    assert handler_contract_problems(handle) == [
        "takes ['user_id'] before *, not ['request']",
        "has no return annotation",
        "has no docstring saying what it raises",
    ]


@pytest.mark.parametrize("name", COMMAND_SLICES)
def test_every_command_is_on_the_command_line(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command = importlib.import_module(f"features.{name}.command").command
    assert isinstance(command, Command)
    with pytest.raises(SystemExit) as exit_info:
        cli([command.name, "--help"])
    assert exit_info.value.code == 0
    assert command.help.split()[0] in capsys.readouterr().out
