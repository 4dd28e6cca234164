"""The form engine: validate submitted answers against one form version and compute its violations."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from forms.conditions import evaluate, references
from forms.kinds import KINDS, Invalid
from forms.spec import Condition, Constraint, FormDefinition, Label, Question, Sanction

#: Every error code `validate` can return.
ERROR_CODES = (
    "wrong_type",
    "unknown_question",
    "out_of_range",
    "unknown_choice",
    "required",
    "not_relevant",
    "no_answer_expected",
    "constraint",
)


class FieldError(msgspec.Struct, frozen=True):
    """One problem with one answer; `path` is `answers.<question_id>`."""

    path: str
    code: str
    message: str


class Result(msgspec.Struct):
    """Normalised answers (only when valid) or the list of errors."""

    answers: dict[str, Any] | None
    errors: list[FieldError]

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        return not self.errors


class Violation(msgspec.Struct):
    """A checklist item whose answer is a violation (or, with `flag_only`, a risk flag)."""

    question_id: str
    section_id: str
    label: Label
    answer: Any
    severity: str | None
    legal_basis: str | None
    sanction: Sanction | None
    verification: str | None
    flag_only: bool = False


class InvalidAnswers(ValueError):
    """Raised by `violations` and `flags` when the answers do not validate."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid answer(s): " + "; ".join(f"{e.path} {e.code}" for e in errors))
        self.errors = errors


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list | tuple) and not value


def _check_constraint(constraint: Constraint, value: object, answers: Mapping[str, object]) -> None:
    if isinstance(value, str):
        if constraint.min_length is not None and len(value) < constraint.min_length:
            raise Invalid("constraint", f"must be at least {constraint.min_length} characters")
        if constraint.max_length is not None and len(value) > constraint.max_length:
            raise Invalid("constraint", f"must be at most {constraint.max_length} characters")
    if isinstance(value, list):
        if constraint.min_items is not None and len(value) < constraint.min_items:
            raise Invalid("constraint", f"needs at least {constraint.min_items} item(s)")
        if constraint.max_items is not None and len(value) > constraint.max_items:
            raise Invalid("constraint", f"allows at most {constraint.max_items} item(s)")
    if constraint.integer and isinstance(value, float) and not value.is_integer():
        raise Invalid("constraint", "must be a whole number")
    if constraint.after is not None and isinstance(value, datetime):
        earlier = answers.get(constraint.after)
        if isinstance(earlier, datetime) and value < earlier:
            raise Invalid("constraint", f"must not be before the answer to {constraint.after!r}")


def _decode(
    question: Question, raw: object, values: Mapping[str, object], path: str, errors: list[FieldError]
) -> object | None:
    """The normalised answer, or None after appending its error."""
    decode = KINDS[question.kind].decode
    assert decode is not None
    try:
        value = decode(question, raw)
        if question.constraint is not None:
            _check_constraint(question.constraint, value, values)
    except Invalid as problem:
        errors.append(FieldError(path, problem.code, problem.message))
        return None
    return value


class _Step(msgspec.Struct, frozen=True):
    """One question as `validate` walks it: what the form says of it, worked out once per form."""

    question: Question
    path: str
    conditions: tuple[Condition, ...]
    refers_to: frozenset[str]


class _Plan(msgspec.Struct, frozen=True):
    known: frozenset[str]
    steps: tuple[_Step, ...]


#: Plans of the forms validated lately, by identity (a form definition is never changed once loaded).
_plans: dict[int, tuple[FormDefinition, _Plan]] = {}


def _plan(form: FormDefinition) -> _Plan:
    cached = _plans.get(id(form))
    if cached is not None and cached[0] is form:
        return cached[1]
    steps = []
    for section, question in form.questions():
        conditions = tuple(c for c in (section.relevant, question.relevant) if c is not None)
        steps.append(_Step(question, f"answers.{question.id}", conditions,
                           frozenset(ref for condition in conditions for ref in references(condition))))
    plan = _Plan(frozenset(step.question.id for step in steps), tuple(steps))
    if len(_plans) >= 64:  # forms read from stored versions are new objects each time: keep the cache small
        _plans.clear()
    _plans[id(form)] = (form, plan)
    return plan


def validate(form: FormDefinition, answers: object) -> Result:
    """Check answers against a form; relevance is evaluated in form order on the answers accepted so far.

    When an answer is invalid, questions whose relevance depends on it are only type-checked, so that
    one mistake yields one error rather than a cascade of `required`/`not_relevant` errors.
    """
    if not isinstance(answers, Mapping):
        return Result(None, [FieldError("answers", "wrong_type", "answers must be an object")])
    errors: list[FieldError] = []
    plan = _plan(form)
    for key in answers:
        if key not in plan.known:
            errors.append(FieldError(f"answers.{key}", "unknown_question", f"no question {key!r} in this form"))
    values: dict[str, Any] = {}
    unsettled: set[str] = set()  # invalid answers, and questions whose relevance depends on one
    for step in plan.steps:
        question, path = step.question, step.path
        raw = answers.get(question.id)
        present = not _blank(raw)
        if KINDS[question.kind].decode is None:
            if present:
                errors.append(FieldError(path, "no_answer_expected", "this item is display-only"))
            continue
        if unsettled and not step.refers_to.isdisjoint(unsettled):
            unsettled.add(question.id)
            if present:
                _decode(question, raw, values, path, errors)
            continue
        if not all(evaluate(condition, values) for condition in step.conditions):
            if present:
                errors.append(FieldError(path, "not_relevant", "question does not apply given earlier answers"))
            continue
        if not present:
            if question.required:
                errors.append(FieldError(path, "required", "an answer is required"))
            continue
        value = _decode(question, raw, values, path, errors)
        if value is None:
            unsettled.add(question.id)
        else:
            values[question.id] = value
    return Result(None if errors else values, errors)


def _is_hit(question: Question, value: object, answers: Mapping[str, object]) -> bool:
    listed = question.violation_answers or []
    hit = any(item in listed for item in value) if isinstance(value, list) else value in listed
    return hit or (question.violation_if is not None and evaluate(question.violation_if, answers))


def _findings(form: FormDefinition, answers: object, *, flag_only: bool) -> list[Violation]:
    result = answers if isinstance(answers, Result) else validate(form, answers)
    if result.answers is None:
        raise InvalidAnswers(result.errors)
    values = result.answers
    found = []
    for section, question in form.questions():
        if question.flag_only is not flag_only or not question.has_violation_rule or question.id not in values:
            continue
        if _is_hit(question, values[question.id], values):
            found.append(
                Violation(
                    question_id=question.id,
                    section_id=section.id,
                    label=question.label,
                    answer=values[question.id],
                    severity=question.severity,
                    legal_basis=question.legal_basis,
                    sanction=question.sanction,
                    verification=question.verification,
                    flag_only=question.flag_only,
                )
            )
    return found


def violations(form: FormDefinition, answers: object) -> list[Violation]:
    """Violations among relevant, answered checklist items; raises InvalidAnswers on invalid answers.

    ``answers`` may be the `Result` of `validate` on this form, which is then not validated again."""
    return _findings(form, answers, flag_only=False)


def flags(form: FormDefinition, answers: object) -> list[Violation]:
    """Risk flags (`flag_only` items hit): not violations, but worth a closer look or a referral."""
    return _findings(form, answers, flag_only=True)
