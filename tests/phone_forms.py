"""Filling the checklist page as a browser with JavaScript off would: hidden fields, CSRF token, answers."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

from forms import registry
from seed.history import answers_for
from tests.submissions import violation_item


class Inputs(HTMLParser):
    """The hidden inputs of the checklist form, and every tag's attributes (for escaping checks)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden: dict[str, str] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append((tag, a))
        if tag == "input" and a.get("type") == "hidden" and a.get("name"):
            self.hidden[str(a["name"])] = a.get("value") or ""


def parse(page: str) -> Inputs:
    parser = Inputs()
    parser.feed(page)
    return parser


def local(value: str) -> str:
    """An ISO time as a datetime-local input value (Vietnamese time)."""
    return datetime.fromisoformat(value).astimezone(registry_tz()).strftime("%Y-%m-%dT%H:%M")


def registry_tz():  # type: ignore[no-untyped-def]
    from server.calendar import LOCAL_TZ

    return LOCAL_TZ


def form_fields(kind: str = "karaoke", violation: bool = False) -> list[tuple[str, str]]:
    """(name, value) pairs of a filled checklist; with ``violation`` one item is answered as a violation."""
    form = registry.for_type(kind)[-1]
    started = datetime.now(UTC) - timedelta(minutes=30)
    members = "Lê Văn Kiểm, Nguyễn Thị Tra, Trịnh Minh Đội"
    answers: dict[str, Any] = answers_for(form, random.Random(5), started, members)
    if violation:
        answers[violation_item(form.id)] = "no"
        answers["outcome"] = "violations"
    kinds = {q.id: q.kind for _, q in form.questions()}
    fields = []
    for qid, value in answers.items():
        if kinds[qid] == "datetime":
            value = local(value)
        for item in value if isinstance(value, list) else [value]:
            fields.append((f"q.{qid}", str(item)))
    return fields
