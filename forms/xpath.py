"""Skip-logic conditions as XLSForm expressions: our `Condition` written as XPath and read back.

Only the part of XPath our engine can honour is read: comparisons of one question (`${q}`, or `.` for the
question itself) with a literal, `selected(...)`, `and`, `or`, `not(...)` and parentheses. Our comparisons are
false on an unanswered question, XPath's `!=` is true there: so `ne` is written guarded
(`${q} != '' and ${q} != 'x'`) and a bare `${q} != 'x'` is read as `not(eq)`, which means the same.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from forms.spec import Condition, Scalar

#: Kinds whose answer is a list: `eq`/`ne` test membership (`selected`), `in` tests overlap.
LIST_KINDS = frozenset({"multi_choice", "photo"})

_TOKEN = re.compile(r"""\s*(?:
    (?P<ref>\$\{(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)\})
  | (?P<string>'[^']*'|"[^"]*")
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<op>!=|<=|>=|=|<|>)
  | (?P<punct>[(),])
  | (?P<word>[A-Za-z][A-Za-z0-9_-]*(?:\(\))?)
  | (?P<dot>\.)
)""", re.VERBOSE)
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<=", "=": "=", "!=": "!="}
_NUMERIC = {">": "gt", "<": "lt", ">=": "ge", "<=": "le"}


class XPathError(ValueError):
    """An expression outside the part of XPath our engine honours: a stable `code` and its `params`."""

    def __init__(self, code: str, **params: str) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


def literal(value: Scalar) -> str:
    """A scalar as an XPath literal."""
    if isinstance(value, bool):
        return "true()" if value else "false()"
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    return f'"{value}"' if "'" in value else f"'{value}'"


def write(condition: Condition, kinds: Mapping[str, str]) -> str:
    """The condition as an XLSForm expression; `kinds` gives the kind of every question it may name."""
    if condition.all_ is not None:
        return " and ".join(_wrapped(part, kinds) for part in condition.all_)
    if condition.any_ is not None:
        return " or ".join(_wrapped(part, kinds) for part in condition.any_)
    if condition.not_ is not None:
        return f"not({write(condition.not_, kinds)})"
    assert condition.q is not None
    ref, listed = f"${{{condition.q}}}", kinds.get(condition.q) in LIST_KINDS
    if condition.answered is not None:
        return f"{ref} != ''" if condition.answered else f"{ref} = ''"
    if condition.eq is not None:
        return f"selected({ref}, {literal(condition.eq)})" if listed else f"{ref} = {literal(condition.eq)}"
    if condition.ne is not None:
        test = f"not(selected({ref}, {literal(condition.ne)}))" if listed else f"{ref} != {literal(condition.ne)}"
        return f"{ref} != '' and {test}"
    if condition.in_ is not None:
        if listed:
            return "(" + " or ".join(f"selected({ref}, {literal(value)})" for value in condition.in_) + ")"
        return f"selected('{' '.join(str(value) for value in condition.in_)}', {ref})"
    for name, symbol in (("gt", ">"), ("lt", "<"), ("ge", ">="), ("le", "<=")):
        value = getattr(condition, name)
        if value is not None:
            return f"{ref} {symbol} {literal(value)}"
    raise AssertionError("unreachable: a Condition has one operator")


def _wrapped(condition: Condition, kinds: Mapping[str, str]) -> str:
    text = write(condition, kinds)
    compound = condition.all_ is not None or condition.any_ is not None or condition.ne is not None
    return f"({text})" if compound else text


def read(text: str, kinds: Mapping[str, str], itself: str | None = None) -> Condition:
    """Read an XLSForm expression as a condition; `.` means the question `itself`. Raises XPathError."""
    parser = _Parser(_tokens(text), kinds, itself)
    condition = parser.disjunction()
    if parser.position != len(parser.tokens):
        raise XPathError("xpath_syntax", part=parser.rest())
    return condition


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens, position, text = [], 0, text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise XPathError("xpath_syntax", part=text[position:])
        kind = next(name for name in ("ref", "string", "number", "op", "punct", "word", "dot") if match.group(name))
        tokens.append((kind, match.group("name") if kind == "ref" else match.group(kind)))
        position = match.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], kinds: Mapping[str, str], itself: str | None) -> None:
        self.tokens, self.kinds, self.itself, self.position = tokens, kinds, itself, 0

    def rest(self) -> str:
        return " ".join(value for _, value in self.tokens[self.position:])

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            raise XPathError("xpath_syntax", part=self.rest())
        self.position += 1
        return token[1]

    def disjunction(self) -> Condition:
        parts = [self.conjunction()]
        while self.peek() == ("word", "or"):
            self.position += 1
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Condition(any_=parts)

    def conjunction(self) -> Condition:
        parts = [self.unary()]
        while self.peek() == ("word", "and"):
            self.position += 1
            parts.append(self.unary())
        if len(parts) == 2 and (guarded := _guarded_ne(*parts)) is not None:
            return guarded
        return parts[0] if len(parts) == 1 else Condition(all_=parts)

    def unary(self) -> Condition:
        token = self.peek()
        if token == ("word", "not"):
            self.position += 1
            self.take("punct", "(")
            inner = self.disjunction()
            self.take("punct", ")")
            return Condition(not_=inner)
        if token == ("punct", "("):
            self.position += 1
            inner = self.disjunction()
            self.take("punct", ")")
            return inner
        if token == ("word", "selected"):
            return self.selected()
        return self.comparison()

    def question(self) -> str | None:
        token = self.peek()
        if token is not None and token[0] == "ref":
            self.position += 1
            if token[1] not in self.kinds:
                raise XPathError("xpath_unknown_question", name=token[1])
            return token[1]
        if token is not None and token[0] == "dot" and self.itself is not None:
            self.position += 1
            return self.itself
        return None

    def value(self) -> Scalar | None:
        token = self.peek()
        if token is None:
            return None
        kind, text = token
        if kind == "string":
            self.position += 1
            return text[1:-1]
        if kind == "number":
            self.position += 1
            return float(text) if "." in text else int(text)
        if token in (("word", "true()"), ("word", "false()")):
            self.position += 1
            return text == "true()"
        return None

    def selected(self) -> Condition:
        self.take("word", "selected")
        self.take("punct", "(")
        question = self.question()
        if question is not None:  # selected(${q}, 'x'): membership
            self.take("punct", ",")
            value = self.value()
            self.take("punct", ")")
            if value is None:
                raise XPathError("xpath_needs_literal")
            return Condition(q=question, eq=value)
        values = self.value()  # selected('a b', ${q}): one of a list
        self.take("punct", ",")
        question = self.question()
        self.take("punct", ")")
        if not isinstance(values, str) or question is None:
            raise XPathError("xpath_needs_literal")
        return Condition(q=question, in_=list(values.split()))

    def comparison(self) -> Condition:
        left_question = self.question()
        left_value = None if left_question is not None else self.value()
        if left_question is None and left_value is None:
            raise XPathError("xpath_syntax", part=self.rest())
        operator = self.take("op")
        right_question = self.question() if left_question is None else None
        right_value = self.value() if right_question is None else None
        if left_question is None:
            question, value, operator = right_question, left_value, _FLIP[operator]
        else:
            question, value = left_question, right_value
        if question is None or value is None:
            raise XPathError("xpath_needs_literal")
        if value == "":
            if operator not in ("=", "!="):
                raise XPathError("xpath_needs_number", operator=operator)
            return Condition(q=question, answered=operator == "!=")
        if operator == "=":
            return Condition(q=question, eq=value)
        if operator == "!=":
            return Condition(not_=Condition(q=question, eq=value))
        if isinstance(value, str | bool):
            raise XPathError("xpath_needs_number", operator=operator)
        return Condition(q=question, **{_NUMERIC[operator]: float(value)})


def _guarded_ne(first: Condition, second: Condition) -> Condition | None:
    """`${q} != '' and ${q} != 'x'` (as we write `ne`) back to `ne`."""
    if first.q is None or first.answered is not True or second.not_ is None:
        return None
    inner = second.not_
    if inner.q == first.q and inner.eq is not None:
        return Condition(q=first.q, ne=inner.eq)
    return None
