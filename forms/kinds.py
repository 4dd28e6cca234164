"""The one table of question kinds: what each kind accepts and how its answer is normalised."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from forms.spec import Question

YES_NO_NA = ("yes", "no", "na")
MAX_TEXT_LENGTH = 4000
_NUMBER = re.compile(r"-?\d+(\.\d+)?")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


class Invalid(Exception):
    """An answer that does not fit its question; carries the stable error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Kind:
    """A question kind: the Python type of its normalised answer and its decoder."""

    name: str
    value_type: object
    decode: Callable[[Question, object], object] | None
    has_choices: bool = False
    has_range: bool = False
    constraints: frozenset[str] = frozenset()

    @property
    def takes_answer(self) -> bool:
        """False for display-only kinds."""
        return self.decode is not None


def _choice_ids(question: Question) -> list[str]:
    return [choice.id for choice in question.choices or []]


def _yes_no_na(question: Question, value: object) -> str:
    if not isinstance(value, str):
        raise Invalid("wrong_type", "expected one of 'yes', 'no', 'na'")
    value = value.strip().lower()
    if value not in YES_NO_NA:
        raise Invalid("unknown_choice", f"{value!r} is not one of 'yes', 'no', 'na'")
    return value


def _number(question: Question, value: object) -> int | float:
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        text = value.strip()
        value = float(text) if "." in text else int(text)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Invalid("wrong_type", "expected a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise Invalid("wrong_type", "expected a finite number")
    if question.min is not None and value < question.min:
        raise Invalid("out_of_range", f"must be at least {question.min:g}")
    if question.max is not None and value > question.max:
        raise Invalid("out_of_range", f"must be at most {question.max:g}")
    return value


def _text(question: Question, value: object) -> str:
    if not isinstance(value, str):
        raise Invalid("wrong_type", "expected text")
    value = unicodedata.normalize("NFC", value.strip())
    if len(value) > MAX_TEXT_LENGTH:
        raise Invalid("out_of_range", f"text longer than {MAX_TEXT_LENGTH} characters")
    return value


def _choice(question: Question, value: object) -> str:
    if not isinstance(value, str):
        raise Invalid("wrong_type", "expected a choice id")
    if value not in _choice_ids(question):
        raise Invalid("unknown_choice", f"{value!r} is not a choice of this question")
    return value


def _multi_choice(question: Question, value: object) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(item, str) for item in value):
        raise Invalid("wrong_type", "expected a list of choice ids")
    ids = _choice_ids(question)
    unknown = [item for item in value if item not in ids]
    if unknown:
        raise Invalid("unknown_choice", f"{unknown[0]!r} is not a choice of this question")
    return [choice for choice in ids if choice in value]


def _datetime(question: Question, value: object) -> datetime:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Invalid("wrong_type", "expected an ISO 8601 date and time with UTC offset") from None
    if not isinstance(value, datetime):
        raise Invalid("wrong_type", "expected an ISO 8601 date and time with UTC offset")
    if value.tzinfo is None or value.utcoffset() is None:
        raise Invalid("wrong_type", "date and time needs a UTC offset, e.g. 2026-11-28T21:30:00+07:00")
    return value


def _photo(question: Question, value: object) -> list[str]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(item, str) and _SHA256.fullmatch(item) for item in value
    ):
        raise Invalid("wrong_type", "expected a list of SHA-256 hex digests of uploaded photos")
    return list(dict.fromkeys(item.lower() for item in value))


KINDS: dict[str, Kind] = {
    kind.name: kind
    for kind in (
        Kind("yes_no_na", str, _yes_no_na),
        Kind("number", int | float, _number, has_range=True, constraints=frozenset({"integer"})),
        Kind("text", str, _text, constraints=frozenset({"min_length", "max_length"})),
        Kind("choice", str, _choice, has_choices=True),
        Kind(
            "multi_choice",
            list,
            _multi_choice,
            has_choices=True,
            constraints=frozenset({"min_items", "max_items"}),
        ),
        Kind("datetime", datetime, _datetime, constraints=frozenset({"after"})),
        Kind("photo", list, _photo, constraints=frozenset({"min_items", "max_items"})),
        Kind("note", None, None),
    )
}


def possible_values(question: Question) -> list[str] | None:
    """The closed set of answers of a question, or None when it is open (number, text…)."""
    if question.kind == "yes_no_na":
        return list(YES_NO_NA)
    if KINDS[question.kind].has_choices:
        return _choice_ids(question)
    return None
