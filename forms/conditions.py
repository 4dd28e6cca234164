"""Skip-logic conditions: evaluation on normalised answers and the question ids they refer to."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from forms.spec import Condition, Scalar


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(value: object, expected: Scalar) -> bool:
    if isinstance(value, list):
        return expected in value
    if isinstance(value, bool) or isinstance(expected, bool):
        return type(value) is type(expected) and value == expected
    return value == expected


def evaluate(condition: Condition, answers: Mapping[str, object]) -> bool:
    """Evaluate a condition on normalised answers (absent key = unanswered or irrelevant)."""
    if condition.all_ is not None:
        return all(evaluate(part, answers) for part in condition.all_)
    if condition.any_ is not None:
        return any(evaluate(part, answers) for part in condition.any_)
    if condition.not_ is not None:
        return not evaluate(condition.not_, answers)
    assert condition.q is not None
    value = answers.get(condition.q)
    if condition.answered is not None:
        return (value is not None) is condition.answered
    if value is None:
        return False
    if condition.eq is not None:
        return _same(value, condition.eq)
    if condition.ne is not None:
        return not _same(value, condition.ne)
    if condition.in_ is not None:
        return any(_same(value, option) for option in condition.in_)
    if not _is_number(value):
        return False
    number = float(value)  # type: ignore[arg-type]
    if condition.gt is not None:
        return number > condition.gt
    if condition.lt is not None:
        return number < condition.lt
    if condition.ge is not None:
        return number >= condition.ge
    assert condition.le is not None
    return number <= condition.le


def walk(condition: Condition) -> Iterator[Condition]:
    """Every leaf test (a condition with `q`) inside a condition."""
    if condition.q is not None:
        yield condition
    for part in condition.all_ or condition.any_ or ([condition.not_] if condition.not_ else []):
        yield from walk(part)


def references(condition: Condition) -> list[str]:
    """The question ids a condition refers to, in order of appearance."""
    return [leaf.q for leaf in walk(condition) if leaf.q is not None]
