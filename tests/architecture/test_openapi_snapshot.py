"""The contract guard: the OpenAPI document may only change on purpose.

`make openapi-snapshot` (`python -m tests.architecture.test_openapi_snapshot`) accepts the
current document.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from main import create_app
from tests.fixtures import make_settings

SNAPSHOT = Path(__file__).with_name("openapi.snapshot.json")


def current_openapi() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as directory:
        return create_app(make_settings(Path(directory))).openapi()


def serialized(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def changed_operations(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """`METHOD path` of every operation added, removed or changed, for the failure message."""
    operations = {
        f"{method.upper()} {path}"
        for document in (old, new)
        for path, item in document.get("paths", {}).items()
        for method in item
    }

    def operation(document: dict[str, Any], key: str) -> Any:
        method, path = key.split(" ", 1)
        return document.get("paths", {}).get(path, {}).get(method.lower())

    return sorted(key for key in operations if operation(old, key) != operation(new, key))


def test_openapi_matches_the_snapshot() -> None:
    # Through JSON, as the snapshot went: integer status keys become strings, tuples lists.
    current = json.loads(serialized(current_openapi()))
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    if current != snapshot:
        changed = changed_operations(snapshot, current) or ["components or info only"]
        raise AssertionError(
            "The OpenAPI document differs from tests/architecture/openapi.snapshot.json: "
            + ", ".join(changed)
            + ". If the change is intended, run `make openapi-snapshot` and commit the file."
        )


def test_changed_operations_names_what_changed() -> None:
    old = {"paths": {"/a": {"get": {"summary": "A"}}, "/b": {"post": {}}}}
    new = {"paths": {"/a": {"get": {"summary": "A2"}}, "/c": {"put": {}}}}
    assert changed_operations(old, new) == ["GET /a", "POST /b", "PUT /c"]
    assert changed_operations(old, old) == []


if __name__ == "__main__":
    SNAPSHOT.write_text(serialized(current_openapi()), encoding="utf-8")
    print(f"wrote {SNAPSHOT}")
