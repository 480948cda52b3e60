"""Messages from templates: Jinja2 files per kind, a plain-text part and an HTML part."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).parent / "templates"

Kind = Literal["verify_email", "reset_password", "email_changed", "password_changed"]

SUBJECTS: dict[Kind, str] = {
    "verify_email": "Confirm your email address",
    "reset_password": "Reset your password",
    "email_changed": "Your email address was changed",
    "password_changed": "Your password was changed",
}

# Autoescaped in the HTML part only: a name like `<b>Ada</b>` is text there, and the plain
# part must not show `&lt;b&gt;`. StrictUndefined: a missing variable is a bug, not a blank.
_environment = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    kind: Kind
    subject: str
    text: str
    html: str


def render(kind: Kind, **context: Any) -> RenderedMessage:
    """The subject and both parts of a message of this kind."""
    return RenderedMessage(
        kind=kind,
        subject=SUBJECTS[kind],
        text=_environment.get_template(f"{kind}.txt").render(**context),
        html=_environment.get_template(f"{kind}.html").render(**context),
    )
