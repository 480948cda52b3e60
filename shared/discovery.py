"""Finding the slices: every folder of a package (features/), its endpoint router and command.

The composition root hands the package in, so the kernel never imports a slice itself.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Collection
from pathlib import Path
from types import ModuleType

from fastapi import APIRouter

from shared.cli import Command

SLICE_ENTRY_POINTS = ("endpoint", "command")


class SliceError(RuntimeError):
    """A folder under features/ is not a slice discovery can mount; the message says why."""


def slice_names(package: ModuleType) -> list[str]:
    """Every folder under the package (a slice), in alphabetical order."""
    folders = {
        entry.name
        for path in package.__path__
        for entry in Path(path).iterdir()
        if entry.is_dir() and not entry.name.startswith(("_", "."))
    }
    return sorted(folders)


def _has_module(package: ModuleType, name: str, module: str) -> bool:
    return importlib.util.find_spec(f"{package.__name__}.{name}.{module}") is not None


def _checked_names(package: ModuleType, only: Collection[str] | None) -> list[str]:
    names = slice_names(package)
    if only is not None:
        unknown = sorted(set(only) - set(names))
        if unknown:
            raise SliceError(f"No such slice under {package.__name__}/: {', '.join(unknown)}")
        names = [name for name in names if name in only]
    for name in names:
        if not any(_has_module(package, name, module) for module in SLICE_ENTRY_POINTS):
            raise SliceError(
                f"{package.__name__}/{name}/ has no endpoint.py and no command.py: every folder "
                f"under {package.__name__}/ is a slice and needs endpoint.py defining "
                "`router = APIRouter(...)` or command.py defining `command = Command(...)` "
                "(`python main.py new-slice verb_noun` writes one)."
            )
    return names


def _exported(package: ModuleType, name: str, module: str, attribute: str) -> object:
    module_name = f"{package.__name__}.{name}.{module}"
    return getattr(importlib.import_module(module_name), attribute, None)


def discover_slices(package: ModuleType, *, only: Collection[str] | None = None) -> list[APIRouter]:
    """The `router` of every `<package>/<slice>/endpoint.py`, in alphabetical order of slice.

    `only` mounts just those slices: a slice's own tests mount only the slice under test.
    """
    routers = []
    for name in _checked_names(package, only):
        if not _has_module(package, name, "endpoint"):
            continue
        router = _exported(package, name, "endpoint", "router")
        if not isinstance(router, APIRouter):
            raise SliceError(
                f"{package.__name__}.{name}.endpoint must define `router = APIRouter(...)`"
            )
        routers.append(router)
    return routers


def discover_commands(package: ModuleType) -> list[Command]:
    """The `command` of every `<package>/<slice>/command.py`, in alphabetical order of slice."""
    commands = []
    for name in _checked_names(package, None):
        if not _has_module(package, name, "command"):
            continue
        command = _exported(package, name, "command", "command")
        if not isinstance(command, Command):
            raise SliceError(
                f"{package.__name__}.{name}.command must define `command = Command(...)`"
            )
        commands.append(command)
    return commands
