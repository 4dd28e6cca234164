"""The statutory deadlines of a tip as ONE table of data (``RULES``), and the pure function that applies it.

A change in the law is one edit of ``RULES``. Sources: legal-research.md §4.4 (criminal reports: BLTTHS 2015
Đ145–148, TTLT 01/2017 as amended 2021) and §4.5 (non-criminal denunciations: Luật Tố cáo 2018 Đ24, Đ30).

Counting conventions (see the README, "Tip-offs and hotspots"):
- ``hours``: exactly that many hours after the start instant.
- ``days`` / ``months`` / ``working_days``: the start day is not counted; the period ends at 24:00
  (Vietnamese time) of its last day; a month period ends on the same-numbered day (or the month's last day).
- Calendar periods do not stop or roll over on holidays (§4.4: no stop-clock rule found); set
  ``ROLL_TO_WORKING_DAY`` if the legal owner decides otherwise.
- A deadline is missed when the step is done (or still open) after its due instant: due 17:00 → 17:00 is on
  time, 17:01 is late.
"""

from __future__ import annotations

import calendar
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from server.calendar import LOCAL_TZ, end_of_day, local_day
from server.tips.holidays import add_working_days, next_working_day

ROLL_TO_WORKING_DAY = False


class Unit(enum.StrEnum):
    HOURS = "hours"
    DAYS = "days"
    WORKING_DAYS = "working_days"
    MONTHS = "months"


def add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Period:
    amount: int
    unit: Unit

    def after(self, start: datetime) -> datetime:
        if self.unit is Unit.HOURS:
            return start + timedelta(hours=self.amount)
        local = local_day(start)
        if self.unit is Unit.WORKING_DAYS:
            return end_of_day(add_working_days(local, self.amount))
        last = local + timedelta(days=self.amount) if self.unit is Unit.DAYS else add_months(local, self.amount)
        return end_of_day(next_working_day(last) if ROLL_TO_WORKING_DAY else last)

    def __str__(self) -> str:
        return f"{self.amount} {self.unit.value}"


class Start(enum.StrEnum):
    RECEIVED = "received"  # the tip's received_at
    ACCEPTED = "accepted"  # thụ lý: the tip went to verifying (the "process" step done)
    RESOLVED = "resolved"


@dataclass(frozen=True)
class Step:
    key: str
    period: Period
    starts: Start
    done_by: str  # the event (action) that completes the step
    basis: str


@dataclass(frozen=True)
class Extension:
    period: Period
    #: "received": the new limit counts from receipt; "due": it adds to the current due.
    counts_from: str
    basis: str


@dataclass(frozen=True)
class Regime:
    name: str
    steps: tuple[Step, ...]
    extensions: tuple[Extension, ...] = ()
    #: After a suspension ends: a fresh period from the resumption (criminal), or None = the remaining time.
    after_resume: Period | None = None


H24 = Period(24, Unit.HOURS)
CLASSIFY = Step("classify", H24, Start.RECEIVED, "classify", "TTLT 01/2017 Đ8 k1–4")
NOTIFY_REPORTER = Step("notify_reporter", Period(3, Unit.DAYS), Start.RESOLVED, "notify_reporter",
                       "TTLT 01/2017 Đ14 k3; BLTTHS Đ145 k4")

CRIMINAL = Regime(
    "criminal",
    steps=(
        CLASSIFY,
        Step("notify_procuracy", Period(3, Unit.WORKING_DAYS), Start.RECEIVED, "notify_procuracy",
             "BLTTHS Đ146 k5; TTLT 01/2017 Đ14 k1"),
        Step("assign", Period(3, Unit.DAYS), Start.RECEIVED, "assign", "TTLT 01/2017 Đ9 k1–2"),
        Step("resolve", Period(20, Unit.DAYS), Start.RECEIVED, "resolve", "BLTTHS Đ147 k1; TTLT 01/2017 Đ11 k1"),
        Step("send_decision", H24, Start.RESOLVED, "send_decision", "TT 28/2020 Đ9 k1 a; BLTTHS Đ148 k2"),
        NOTIFY_REPORTER,
    ),
    extensions=(
        Extension(Period(2, Unit.MONTHS), "received", "BLTTHS Đ147 k2 (head of the investigating body)"),
        Extension(Period(2, Unit.MONTHS), "due", "BLTTHS Đ147 k2; TTLT 01/2017 Đ11 k2 (procuracy, once)"),
    ),
    after_resume=Period(1, Unit.MONTHS),
)

DENUNCIATION = Regime(
    "denunciation",
    steps=(
        CLASSIFY,
        Step("assign", Period(3, Unit.DAYS), Start.RECEIVED, "assign", "internal: as for criminal reports"),
        Step("process", Period(7, Unit.WORKING_DAYS), Start.RECEIVED, "start", "Luật Tố cáo 2018 Đ24 k1"),
        Step("resolve", Period(30, Unit.DAYS), Start.ACCEPTED, "resolve", "Luật Tố cáo 2018 Đ30 k1"),
        NOTIFY_REPORTER,
    ),
    extensions=(
        Extension(Period(30, Unit.DAYS), "due", "Luật Tố cáo 2018 Đ30 k2 (complex)"),
        Extension(Period(30, Unit.DAYS), "due", "Luật Tố cáo 2018 Đ30 k3 (especially complex)"),
    ),
)

FEEDBACK = Regime(
    "feedback",
    steps=(
        CLASSIFY,
        Step("assign", Period(3, Unit.DAYS), Start.RECEIVED, "assign", "internal SLA (no statutory limit, §4.1 PA)"),
        Step("resolve", Period(30, Unit.DAYS), Start.RECEIVED, "resolve", "internal SLA (no statutory limit)"),
        NOTIFY_REPORTER,
    ),
    extensions=(Extension(Period(30, Unit.DAYS), "due", "internal SLA"),),
)

UNCLASSIFIED = Regime("unclassified", steps=(CLASSIFY,))

#: THE table: tip category → the rules its deadlines follow (``None``: not classified yet).
RULES: dict[str | None, Regime] = {
    None: UNCLASSIFIED,
    "TG": CRIMINAL,
    "TB": CRIMINAL,
    "KN": CRIMINAL,
    "TC": DENUNCIATION,
    "PA": FEEDBACK,
}


@dataclass(frozen=True)
class Event:
    """What the schedule needs of a tip's history: an action and when it happened."""

    action: str
    at: datetime


@dataclass
class StepState:
    key: str
    due: datetime | None
    done: datetime | None
    basis: str
    paused: bool = False

    def late(self, now: datetime) -> bool:
        """Done after its due, or still open past it (a paused step is not running)."""
        if self.due is None:
            return False
        if self.done is not None:
            return self.done > self.due
        return not self.paused and now > self.due

    def to_json(self) -> dict[str, object]:
        return {"due": _iso(self.due), "done": _iso(self.done), "basis": self.basis, "paused": self.paused}


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(LOCAL_TZ).isoformat()


def _first(events: Iterable[Event], action: str) -> datetime | None:
    return next((e.at for e in events if e.action == action), None)


def schedule(category: str | None, received_at: datetime, events: list[Event], *,
             notify_reporter: bool = True) -> dict[str, StepState]:
    """Every step of the tip's regime with its due instant (after extensions and suspensions) and when done.

    ``events`` are in time order; the actions used: classify, notify_procuracy, assign, start, resolve,
    send_decision, notify_reporter, extend, suspend, resume.
    """
    regime = RULES[category]
    starts = {Start.RECEIVED: received_at, Start.ACCEPTED: _first(events, "start"),
              Start.RESOLVED: _first(events, "resolve")}
    out: dict[str, StepState] = {}
    for step in regime.steps:
        if step.key == "notify_reporter" and not notify_reporter:
            continue
        start = starts[step.starts]
        due = None if start is None else step.period.after(start)
        state = StepState(step.key, due, _first(events, step.done_by), step.basis)
        if step.key == "resolve":
            _apply_resolve_history(regime, state, received_at, events)
        out[step.key] = state
    return out


def _apply_resolve_history(regime: Regime, state: StepState, received_at: datetime, events: list[Event]) -> None:
    """Extensions and suspensions move the resolve deadline, in the order they happened."""
    extensions = 0
    suspended_at: datetime | None = None
    for event in events:
        if event.action == "extend" and state.due is not None and extensions < len(regime.extensions):
            ext = regime.extensions[extensions]
            # a due is 24:00 of its last day, so the added period counts from that last day
            base = received_at if ext.counts_from == "received" else state.due - timedelta(seconds=1)
            state.due = max(state.due, ext.period.after(base))
            extensions += 1
        elif event.action == "suspend" and suspended_at is None:
            suspended_at = event.at
        elif event.action == "resume" and suspended_at is not None:
            if regime.after_resume is not None:
                state.due = regime.after_resume.after(event.at)
            elif state.due is not None:
                state.due += event.at - suspended_at
            suspended_at = None
    state.paused = suspended_at is not None and state.done is None


def extensions_left(category: str | None, events: list[Event]) -> int:
    return len(RULES[category].extensions) - sum(1 for e in events if e.action == "extend")


def next_due(steps: dict[str, StepState]) -> tuple[str, datetime] | None:
    """The earliest deadline still running (not done, not paused)."""
    running = [(s.due, s.key) for s in steps.values() if s.due is not None and s.done is None and not s.paused]
    if not running:
        return None
    due, key = min(running)
    return key, due


def missed(steps: dict[str, StepState]) -> bool:
    """Some step was done after its deadline (open steps past due are found by comparing ``next_due``)."""
    return any(s.done is not None and s.due is not None and s.done > s.due for s in steps.values())
