"""The registry of form definitions: lookup by id/version or establishment type, hashing, public JSON."""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from forms.check import load_checked
from forms.spec import FormDefinition

DEFINITIONS = Path(__file__).parent / "definitions"
_HIDDEN = ("verification", "verification_note")


class FormNotFound(LookupError):
    """No form with that id (and version)."""


class DefinitionError(ValueError):
    """The definitions folder has problems; `problems` lists them one per line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid form definitions:\n" + "\n".join(problems))
        self.problems = problems


class Registry:
    """An immutable set of checked form definitions, every version of every form."""

    def __init__(self, forms: Iterable[FormDefinition]) -> None:
        self._forms: dict[tuple[str, int], FormDefinition] = {}
        for form in forms:
            if (form.id, form.version) in self._forms:
                raise ValueError(f"form {form.id} v{form.version} given twice")
            self._forms[(form.id, form.version)] = form

    @classmethod
    def from_folder(cls, folder: Path | str) -> Registry:
        """Load and check a folder; raises DefinitionError listing every problem."""
        forms, problems = load_checked(folder)
        if problems:
            raise DefinitionError(problems)
        return cls(forms)

    def __iter__(self) -> Iterator[FormDefinition]:
        return iter(sorted(self._forms.values(), key=lambda form: (form.id, form.version)))

    def versions(self, form_id: str) -> list[int]:
        """Every version of a form, oldest first (empty if unknown)."""
        return sorted(version for (id_, version) in self._forms if id_ == form_id)

    def get(self, form_id: str, version: int | None = None) -> FormDefinition:
        """A form by id, the latest version unless one is given; raises FormNotFound."""
        versions = self.versions(form_id)
        if not versions:
            raise FormNotFound(f"no form {form_id!r}")
        chosen = versions[-1] if version is None else version
        try:
            return self._forms[(form_id, chosen)]
        except KeyError:
            raise FormNotFound(f"no version {chosen} of form {form_id!r}") from None

    def latest(self) -> list[FormDefinition]:
        """The latest version of every form, by id."""
        return [self.get(form_id) for form_id in sorted({form_id for form_id, _ in self._forms})]

    def for_type(self, establishment_type: str) -> list[FormDefinition]:
        """The latest version of every form used for an establishment type."""
        return [form for form in self.latest() if establishment_type in form.establishment_types]


@functools.cache
def default() -> Registry:
    """The registry of the definitions shipped in this package (loaded once, on first use)."""
    return Registry.from_folder(DEFINITIONS)


def get(form_id: str, version: int | None = None) -> FormDefinition:
    """A shipped form by id, the latest version unless one is given; raises FormNotFound."""
    return default().get(form_id, version)


def for_type(establishment_type: str) -> list[FormDefinition]:
    """The latest version of every shipped form used for an establishment type."""
    return default().for_type(establishment_type)


def all_forms() -> list[FormDefinition]:
    """The latest version of every shipped form."""
    return default().latest()


def canonical_json(definition: FormDefinition) -> bytes:
    """The definition as compact JSON with sorted keys and no default values: stable across runs."""
    return msgspec.json.encode(msgspec.to_builtins(definition), order="sorted")


def sha256(definition: FormDefinition) -> str:
    """Hex SHA-256 of the canonical JSON; a changed definition under the same version changes it."""
    return hashlib.sha256(canonical_json(definition)).hexdigest()


def _public_question(question: dict[str, Any], include_verification: bool) -> dict[str, Any]:
    public = {"id": question.pop("id"), "kind": question.pop("kind"), "label": question.pop("label")}
    public["required"] = question.pop("required", False)
    public["relevant"] = question.pop("relevant", None)
    public.update(question)
    if not include_verification:
        for name in _HIDDEN:
            public.pop(name, None)
        if isinstance(public.get("sanction"), dict):
            public["sanction"].pop("verification", None)
    return public


def to_public(definition: FormDefinition, include_verification: bool) -> dict[str, Any]:
    """The definition as builtins for the JSON API; without verification flags unless asked for."""
    data = msgspec.to_builtins(definition)
    return {
        "id": data["id"],
        "version": data["version"],
        "title": data["title"],
        "establishment_types": data["establishment_types"],
        "sections": [
            {
                "id": section["id"],
                "title": section["title"],
                "relevant": section.get("relevant"),
                "questions": [_public_question(question, include_verification) for question in section["questions"]],
            }
            for section in data["sections"]
        ],
    }
