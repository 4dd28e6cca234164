"""The README documents every setting, audit action and command it promises."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.audit.actions import Action
from server.settings import PREFIX, Settings

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("field", Settings.__struct_fields__)
def test_every_setting_is_in_the_readme(field: str) -> None:
    assert f"`{PREFIX}{field.upper()}`" in README


@pytest.mark.parametrize("action", [a.value for a in Action])
def test_every_audit_action_is_in_the_readme(action: str) -> None:
    assert f"`{action}`" in README


def test_readme_gives_the_two_commands() -> None:
    assert "scripts/run" in README and "scripts/test" in README
