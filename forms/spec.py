"""The shape of a form definition: msgspec structs decoded from the TOML files in `definitions/`."""

from __future__ import annotations

from typing import Literal

import msgspec

#: Establishment type codes shared by the whole project.
ESTABLISHMENT_TYPES: tuple[str, ...] = ("karaoke", "dance_hall", "lodging", "massage", "bar", "hair_salon")

Scalar = str | int | float | bool
Severity = Literal["minor", "major", "critical"]
Verification = Literal["V", "P", "U"]
Subject = Literal["individual", "organisation"]

_OPERATORS = ("eq", "ne", "in_", "gt", "lt", "ge", "le", "answered")


class _Base(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True, frozen=True):
    """Common settings: unknown keys are errors, defaults stay out of the canonical form, immutable."""


class Label(_Base):
    """A text in Vietnamese (first language, NFC) and English."""

    vi: str
    en: str


class Condition(_Base):
    """Skip logic as data: a test on one earlier answer, or all/any/not of other conditions.

    A comparison on an unanswered (or irrelevant) question is false; `answered` tests presence.
    For list answers (multi_choice, photo) `eq`/`ne` test membership and `in` tests overlap.
    """

    q: str | None = None
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = msgspec.field(default=None, name="in")
    gt: float | None = None
    lt: float | None = None
    ge: float | None = None
    le: float | None = None
    answered: bool | None = None
    all_: list[Condition] | None = msgspec.field(default=None, name="all")
    any_: list[Condition] | None = msgspec.field(default=None, name="any")
    not_: Condition | None = msgspec.field(default=None, name="not")

    def __post_init__(self) -> None:
        """Reject conditions that are not exactly one test or one combinator."""
        operators = [name for name in _OPERATORS if getattr(self, name) is not None]
        combinators = [name for name in ("all_", "any_", "not_") if getattr(self, name) is not None]
        if self.q is not None:
            if combinators or len(operators) != 1:
                raise ValueError("a condition on `q` needs exactly one of eq, ne, in, gt, lt, ge, le, answered")
        elif operators or len(combinators) != 1:
            raise ValueError("a condition needs `q` with one operator, or exactly one of all, any, not")
        if (self.all_ is not None and not self.all_) or (self.any_ is not None and not self.any_):
            raise ValueError("`all` and `any` need at least one condition")

    def operator(self) -> str:
        """The name of the operator or combinator used (as written in the file)."""
        for name in (*_OPERATORS, "all_", "any_", "not_"):
            if getattr(self, name) is not None:
                return name.rstrip("_")
        raise AssertionError("unreachable: __post_init__ guarantees one operator")


class Choice(_Base):
    """One option of a `choice` or `multi_choice` question."""

    id: str
    label: Label


class Constraint(_Base):
    """Extra bounds on an answer; a breach is reported with code `constraint`."""

    min_length: int | None = None
    max_length: int | None = None
    min_items: int | None = None
    max_items: int | None = None
    integer: bool = False
    after: str | None = None


class Sanction(_Base):
    """The sanctioning provision for a violation; fines are for `subject` (organisations usually x2)."""

    decree: str
    text: str
    article: str | None = None
    fine_min_vnd: int | None = None
    fine_max_vnd: int | None = None
    subject: Subject = "individual"
    verification: Verification | None = None


class Question(_Base):
    """One question; with a legal basis it is a checklist item that may be a violation."""

    id: str
    kind: str
    label: Label
    required: bool = False
    relevant: Condition | None = None
    constraint: Constraint | None = None
    choices: list[Choice] | None = None
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    hint: Label | None = None
    legal_basis: str | None = None
    violation_answers: list[str] | None = None
    violation_if: Condition | None = None
    flag_only: bool = False
    severity: Severity | None = None
    verification: Verification | None = None
    verification_note: str | None = None
    sanction: Sanction | None = None

    @property
    def is_item(self) -> bool:
        """True for checklist items: questions carrying any legal or violation field."""
        return any(
            value is not None
            for value in (
                self.legal_basis,
                self.violation_answers,
                self.violation_if,
                self.severity,
                self.verification,
                self.sanction,
            )
        )

    @property
    def has_violation_rule(self) -> bool:
        """True when some answer can make this item a violation (or a risk flag)."""
        return bool(self.violation_answers) or self.violation_if is not None


class Section(_Base):
    """A titled group of questions; `relevant` applies to every question in it."""

    id: str
    title: Label
    questions: list[Question]
    relevant: Condition | None = None


class FormDefinition(_Base):
    """One version of one form; `header` names the shared record header merged in by the loader."""

    id: str
    version: int
    title: Label
    establishment_types: list[str]
    sections: list[Section]
    header: int | None = None

    def questions(self) -> list[tuple[Section, Question]]:
        """Every question in order, with its section."""
        return [(section, question) for section in self.sections for question in section.questions]

    def items(self) -> list[Question]:
        """The checklist items in order."""
        return [question for _, question in self.questions() if question.is_item]


class Header(_Base):
    """The shared record header: sections put before (`opening`) and after (`closing`) each form's own."""

    version: int
    opening: list[Section] = []
    closing: list[Section] = []
