"""The README's tables stay complete: every setting and every error code is documented."""

from __future__ import annotations

import re

import features
from shared import errors
from shared.config import Settings
from shared.discovery import discover_slices
from tests.fixtures import REPO_ROOT

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")


def all_error_classes(base: type[errors.AppError]) -> list[type[errors.AppError]]:
    found = []
    for sub in base.__subclasses__():
        found.append(sub)
        found.extend(all_error_classes(sub))
    return found


def test_every_setting_is_in_the_readme() -> None:
    for name, field in Settings.model_fields.items():
        env_name = field.validation_alias if isinstance(field.validation_alias, str) else name
        assert f"`{env_name.upper()}`" in README, env_name


def test_every_error_code_is_in_the_readme() -> None:
    discover_slices(features)  # loads every slice's own error classes too
    codes = {cls.code for cls in all_error_classes(errors.AppError)}
    codes |= {"malformed_json", "internal_error", "cors_refused", "method_not_allowed"}
    for code in codes:
        assert re.search(rf"\| `{code}` \| \d{{3}} \|", README), code
