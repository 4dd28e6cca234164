"""Values typed on the planning pages, read the way people write them (``80`` or ``80,5`` %, ``1.200`` people,
``dd/mm/yyyy``); a value that cannot be read is a clear error (``msgspec.ValidationError``), shown on the page."""

from __future__ import annotations

from datetime import date

import msgspec

from server.calendar import parse_day
from server.i18n import gettext as _


def typed_percent(raw: str, field: str) -> float:
    """A percentage typed on the page (``80`` or ``80,5``) as a ratio."""
    try:
        return round(float(raw.replace(",", ".").strip().rstrip("%")) / 100, 6)
    except ValueError:
        message = _("{field}: hãy nhập một tỷ lệ phần trăm, ví dụ 80.").format(field=field)
        raise msgspec.ValidationError(message) from None


def typed_day(raw: str) -> date | None:
    """A date typed as dd/mm/yyyy (or given by a date picker), None when empty; a clear error otherwise."""
    if not raw.strip():
        return None
    try:
        return parse_day(raw)
    except ValueError:
        raise msgspec.ValidationError(_("Ngày không hợp lệ: {day}. Hãy nhập theo dạng dd/mm/yyyy.").format(
            day=raw.strip())) from None


def typed_count(raw: str) -> int | None:
    text = raw.strip().replace(".", "").replace(",", "")
    if not text:
        return None
    if not text.isdigit():
        raise msgspec.ValidationError(_("«{value}» không phải là một số người.").format(value=raw))
    return int(text)
