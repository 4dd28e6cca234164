"""The definition checker: every rule a form file must follow before the engine may use it."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from forms.conditions import walk
from forms.kinds import KINDS, possible_values
from forms.loader import load_files
from forms.spec import ESTABLISHMENT_TYPES, Condition, FormDefinition, Label, Question, Section

_ID = re.compile(r"[a-z][a-z0-9_]*")
_CONSTRAINT_FIELDS = ("min_length", "max_length", "min_items", "max_items", "integer", "after")


class _Checker:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.earlier: dict[str, Question] = {}
        self.all_ids: set[str] = set()

    def add(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}" if where else message)

    def label(self, where: str, name: str, label: Label | None) -> None:
        if label is None:
            return
        if not label.vi.strip():
            self.add(where, f"{name} has no Vietnamese text (vi)")
        elif not unicodedata.is_normalized("NFC", label.vi):
            self.add(where, f"{name} Vietnamese text is not NFC-normalised")
        if not label.en.strip():
            self.add(where, f"{name} has no English text (en)")

    def identifier(self, where: str, value: str) -> None:
        if not _ID.fullmatch(value):
            self.add(where, f"id {value!r} must be snake_case ([a-z][a-z0-9_]*)")

    def condition(self, where: str, name: str, condition: Condition | None, allowed: dict[str, Question]) -> None:
        """Check the ids and operands of a condition; `allowed` holds the questions it may refer to."""
        if condition is None:
            return
        for leaf in walk(condition):
            assert leaf.q is not None
            target = allowed.get(leaf.q)
            if target is None:
                later = "a later question" if leaf.q in self.all_ids else "no such question"
                self.add(where, f"{name} refers to {leaf.q!r}: {later}")
                continue
            operator = leaf.operator()
            kind = KINDS.get(target.kind)
            if kind is None:
                continue
            if not kind.takes_answer:
                self.add(where, f"{name} refers to {leaf.q!r}, a {target.kind} that takes no answer")
            elif operator in ("gt", "lt", "ge", "le") and target.kind != "number":
                self.add(where, f"{name} uses {operator} on {leaf.q!r}, which is not a number")
            elif operator in ("eq", "ne", "in"):
                operands = leaf.in_ if operator == "in" else [leaf.eq if operator == "eq" else leaf.ne]
                closed = possible_values(target)
                for operand in operands or []:
                    if closed is not None and operand not in closed:
                        self.add(where, f"{name} compares {leaf.q!r} with {operand!r}, not one of its answers")
                    elif target.kind == "number" and (
                        isinstance(operand, bool) or not isinstance(operand, int | float)
                    ):
                        self.add(where, f"{name} compares number {leaf.q!r} with non-number {operand!r}")

    def form(self, form: FormDefinition) -> None:
        self.all_ids = {question.id for _, question in form.questions()}
        self.identifier("form", form.id)
        if form.version < 1:
            self.add("form", "version must be 1 or more")
        self.label("form", "title", form.title)
        if not form.establishment_types:
            self.add("form", "establishment_types is empty")
        for code in form.establishment_types:
            if code not in ESTABLISHMENT_TYPES:
                self.add("form", f"unknown establishment type {code!r} (known: {', '.join(ESTABLISHMENT_TYPES)})")
        if len(set(form.establishment_types)) != len(form.establishment_types):
            self.add("form", "duplicate establishment type")
        if not form.sections:
            self.add("form", "has no sections")
        sections: set[str] = set()
        for section in form.sections:
            where = f"section {section.id!r}"
            self.identifier(where, section.id)
            if section.id in sections:
                self.add(where, "duplicate section id")
            sections.add(section.id)
            self.label(where, "title", section.title)
            if not section.questions:
                self.add(where, "has no questions")
            self.condition(where, "relevant", section.relevant, self.earlier)
            for question in section.questions:
                self.question(section, question)

    def question(self, section: Section, question: Question) -> None:
        where = f"question {question.id!r}"
        self.identifier(where, question.id)
        if question.id in self.earlier:
            self.add(where, "duplicate question id")
        self.label(where, "label", question.label)
        self.label(where, "hint", question.hint)
        self.condition(where, "relevant", question.relevant, self.earlier)
        kind = KINDS.get(question.kind)
        if kind is None:
            self.add(where, f"unknown kind {question.kind!r} (known: {', '.join(KINDS)})")
        else:
            self.kind_rules(where, question)
            if question.constraint is not None:
                self.constraint(where, question)
        self.item(where, question)
        self.earlier[question.id] = question
        if question.violation_if is not None:
            self.condition(where, "violation_if", question.violation_if, self.earlier)

    def kind_rules(self, where: str, question: Question) -> None:
        kind = KINDS[question.kind]
        if kind.has_choices:
            if not question.choices:
                self.add(where, f"kind {question.kind} needs choices")
            ids = [choice.id for choice in question.choices or []]
            for choice in question.choices or []:
                self.identifier(f"{where} choice {choice.id!r}", choice.id)
                self.label(f"{where} choice {choice.id!r}", "label", choice.label)
            for duplicate in sorted({i for i in ids if ids.count(i) > 1}):
                self.add(where, f"duplicate choice id {duplicate!r}")
        elif question.choices is not None:
            self.add(where, f"kind {question.kind} takes no choices")
        if not kind.has_range:
            for name in ("min", "max", "unit"):
                if getattr(question, name) is not None:
                    self.add(where, f"{name} is only for number questions")
        elif question.min is not None and question.max is not None and question.min > question.max:
            self.add(where, f"min {question.min:g} is greater than max {question.max:g}")
        if not kind.takes_answer:
            if question.required:
                self.add(where, "a note cannot be required")
            if question.is_item:
                self.add(where, "a note cannot be a checklist item")

    def constraint(self, where: str, question: Question) -> None:
        constraint = question.constraint
        assert constraint is not None
        allowed = KINDS[question.kind].constraints
        for name in _CONSTRAINT_FIELDS:
            if getattr(constraint, name) not in (None, False) and name not in allowed:
                self.add(where, f"constraint {name} does not apply to kind {question.kind}")
        for low, high in (("min_length", "max_length"), ("min_items", "max_items")):
            low_value, high_value = getattr(constraint, low), getattr(constraint, high)
            if (low_value is not None and low_value < 0) or (high_value is not None and high_value < 0):
                self.add(where, f"constraint {low}/{high} must not be negative")
            if low_value is not None and high_value is not None and low_value > high_value:
                self.add(where, f"constraint {low} is greater than {high}")
        if constraint.after is not None:
            target = self.earlier.get(constraint.after)
            if target is None:
                self.add(where, f"constraint after refers to {constraint.after!r}: not an earlier question")
            elif target.kind != "datetime":
                self.add(where, f"constraint after refers to {constraint.after!r}, which is not a datetime")

    def item(self, where: str, question: Question) -> None:
        if not question.is_item:
            if question.flag_only:
                self.add(where, "flag_only is only for checklist items")
            return
        if not (question.legal_basis or "").strip():
            self.add(where, "checklist item without legal basis")
        if question.verification is None:
            self.add(where, "checklist item without verification flag (V, P or U)")
        if question.has_violation_rule and question.severity is None:
            self.add(where, "checklist item without severity")
        if question.flag_only and not question.has_violation_rule:
            self.add(where, "flag_only item without violation_answers or violation_if")
        closed = possible_values(question) if question.kind in KINDS else None
        for answer in question.violation_answers or []:
            if closed is None:
                self.add(where, f"violation_answers needs a yes_no_na or choice question, not {question.kind}")
                break
            if answer not in closed:
                self.add(where, f"violation answer {answer!r} is not one of its answers")
        sanction = question.sanction
        if sanction is not None:
            if not sanction.decree.strip() or not sanction.text.strip():
                self.add(where, "sanction needs a decree and a text")
            fines = [fine for fine in (sanction.fine_min_vnd, sanction.fine_max_vnd) if fine is not None]
            if any(fine < 0 for fine in fines):
                self.add(where, "sanction fine must not be negative")
            if len(fines) == 2 and fines[0] > fines[1]:
                self.add(where, "sanction fine_min_vnd is greater than fine_max_vnd")


def check_form(form: FormDefinition) -> list[str]:
    """Every problem of one (merged) definition, one line each."""
    checker = _Checker()
    checker.form(form)
    return checker.problems


def load_checked(folder: Path | str) -> tuple[list[FormDefinition], list[str]]:
    """Load a folder of definitions; returns the forms without problems and every problem found."""
    problems: list[str] = []
    files = load_files(Path(folder), problems)
    forms = []
    for name, form in files.items():
        form_problems = check_form(form)
        problems.extend(f"{name}: {problem}" for problem in form_problems)
        if not form_problems:
            forms.append(form)
    if not files and not problems:
        problems.append(f"{folder}: no form definitions found")
    return forms, list(dict.fromkeys(problems))


def check_definitions(folder: Path | str) -> list[str]:
    """Every problem in a folder of definitions, one clear line each; empty when all is well."""
    return load_checked(folder)[1]
