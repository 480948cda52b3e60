"""Write a new slice from the templates, renamed for the use case."""

import keyword
import re
from pathlib import Path

from features.scaffold_slice.schemas import ScaffoldSliceRequest, ScaffoldSliceResponse, SliceKind

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
TEMPLATE_PACKAGE = "features.scaffold_slice.templates"
TEMPLATE_NAMES: dict[SliceKind, str] = {"http": "http_slice", "command": "command_slice"}
SLICE_NAME = re.compile(r"[a-z][a-z0-9]*(?:_[a-z][a-z0-9]*)+")
# Names that pytest, discovery or a reader would take for something other than a use case.
RESERVED_SLICE_NAMES = frozenset({"conftest", "features", "main", "shared", "tests"})


class SliceNameError(ValueError):
    """The name cannot be a new slice; the message says why and what would do."""


def slice_name_problem(name: str, *, features_dir: Path) -> str | None:
    """Why `name` cannot be a new slice, or None when it can."""
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        return f"{name!r} is a Python keyword; name the slice verb_noun, e.g. archive_user."
    if name in RESERVED_SLICE_NAMES or name.startswith("test"):
        return f"{name!r} is reserved (pytest or discovery would misread it); pick another."
    if not SLICE_NAME.fullmatch(name):
        return (
            f"{name!r} is not a verb_noun name: lower-case snake_case, verb first, at least "
            "two words (archive_user, reset_password)."
        )
    if (features_dir / name).exists():
        return f"features/{name}/ already exists; a new slice needs a new name."
    return None


def renamed(text: str, *, template: str, name: str) -> str:
    """A template's text with its placeholder names made the new slice's."""
    title = "".join(part.capitalize() for part in name.split("_"))
    words = name.replace("_", " ")
    replacements = [
        (f"{TEMPLATE_PACKAGE}.{template}", f"features.{name}"),
        (template, name),
        ("".join(part.capitalize() for part in template.split("_")), title),
        (template.replace("_", "-"), name.replace("_", "-")),
        (template.replace("_", " ").capitalize(), words.capitalize()),
        (template.replace("_", " "), words),
    ]
    for placeholder, replacement in replacements:
        text = text.replace(placeholder, replacement)
    return text


def handle(request: ScaffoldSliceRequest, *, features_dir: Path) -> ScaffoldSliceResponse:
    """Write features_dir/<name>/ from the template of the requested kind.

    Raises SliceNameError, before writing anything, when the name cannot be a slice.
    """
    problem = slice_name_problem(request.name, features_dir=features_dir)
    if problem is not None:
        raise SliceNameError(problem)
    template = TEMPLATE_NAMES[request.kind]
    folder = features_dir / request.name
    folder.mkdir()
    written = []
    for source in sorted((TEMPLATES_DIR / template).glob("*.py")):
        target = folder / renamed(source.name, template=template, name=request.name)
        text = source.read_text(encoding="utf-8")
        target.write_text(renamed(text, template=template, name=request.name), encoding="utf-8")
        written.append(target)
    return ScaffoldSliceResponse(written=written)
