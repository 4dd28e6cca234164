"""The budget vocabulary every bench shares: a ``Budget`` (what, the bound, the unit) checks a measured figure
and gives a ``Verdict``; ``report`` prints one line per verdict and returns the bench's exit code.

Each bench defines ``BUDGETS`` (its budgets, which ``bench.run`` prints) and ``check(...)``: a pure function of
the figures it measured, returning the verdicts, so a test can feed it a figure that misses and one that meets.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq}
_SHOWN = {"<": "<", "<=": "≤", ">": ">", ">=": "≥", "==": "="}


@dataclass(frozen=True)
class Budget:
    """``figure <op> limit`` in ``unit`` (the figure is given in that unit); ``each`` says what it is checked on
    apart (a database, a format), when it is checked more than once in a run."""

    name: str
    op: str
    limit: float
    unit: str = ""
    each: str = ""

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"unknown comparison {self.op!r}")

    def __str__(self) -> str:
        each = f", each {self.each}" if self.each else ""
        return f"{self.name} {_SHOWN[self.op]} {_amount(self.limit, self.unit)}{each}"

    def check(self, figure: float, where: str = "") -> Verdict:
        """The verdict on ``figure``; ``where`` names what it was measured on (a database, a format)."""
        return Verdict(self, figure, _OPS[self.op](figure, self.limit), where)


@dataclass(frozen=True)
class Verdict:
    budget: Budget
    figure: float
    met: bool
    where: str = ""

    def line(self) -> str:
        b = self.budget
        what = f"{b.name} ({self.where})" if self.where else b.name
        shown = f"{what}: {_amount(self.figure, b.unit)}, budget {_SHOWN[b.op]} {_amount(b.limit, b.unit)}"
        if self.met:
            return f"met     {shown}"
        off = abs(self.figure - b.limit)
        relative = f", {100 * off / abs(b.limit):.0f} %" if b.limit else ""
        side = "short by" if b.op in (">", ">=") else "off by" if b.op == "==" else "over by"
        return f"MISSED  {shown}: {side} {_amount(off, b.unit)}{relative}"


def _amount(value: float, unit: str) -> str:
    number = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.3g}" if abs(value) < 10 else f"{value:,.1f}"
    return f"{number}{unit}" if unit == "×" or not unit else f"{number} {unit}"


def describe(budgets: Iterable[Budget]) -> str:
    """Budgets in one line (the table of ``bench.run``)."""
    return "; ".join(map(str, budgets))


def report(verdicts: Iterable[Verdict]) -> int:
    """Print every verdict; 0 when all are met, 1 when one is missed or when nothing was checked."""
    verdicts = list(verdicts)
    print("\nbudgets:")
    for v in verdicts:
        print("  " + v.line())
    missed = sum(not v.met for v in verdicts)
    if not verdicts:
        print("  MISSED  no budget was checked (nothing measured)", flush=True)
    else:
        print(f"  {f'{missed} of {len(verdicts)} missed' if missed else 'all met'}", flush=True)
    return 0 if verdicts and not missed else 1
