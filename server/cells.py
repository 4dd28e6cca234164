"""Cells of the CSV and Excel exports never start a formula.

A spreadsheet runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula, and one that starts
with a TAB or a carriage return may be read as one once the spreadsheet trims it (OWASP, CSV injection).
Such a text gets a leading apostrophe: shown as typed, never run.
"""

from __future__ import annotations

from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """``value`` as a spreadsheet may show it: a text starting like a formula gets a leading ``'``."""
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value
