"""How dates, times, numbers, money and people read on a page, in the request's language (Babel)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal

from server.calendar import LOCAL_TZ
from server.i18n import language

LOCALES = {"vi": "vi_VN", "en": "en_GB"}


def _locale() -> str:
    return LOCALES.get(language.get(), "vi_VN")


def day(value: date | datetime | str | None) -> str:
    """dd/mm/yyyy (a datetime is taken in Vietnamese time; an ISO string is parsed)."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return value
    if isinstance(value, datetime):
        value = value.astimezone(LOCAL_TZ) if value.tzinfo else value
        value = value.date()
    return format_date(value, "dd/MM/yyyy", locale=_locale())


def clock(value: datetime | None) -> str:
    """HH:mm in Vietnamese time."""
    if value is None:
        return ""
    return format_time(value.astimezone(LOCAL_TZ) if value.tzinfo else value, "HH:mm", locale=_locale())


def moment(value: datetime | None) -> str:
    """dd/mm/yyyy HH:mm in Vietnamese time."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TZ) if value.tzinfo else value
    return format_datetime(local, "dd/MM/yyyy HH:mm", locale=_locale())


def number(value: float | int | None, digits: int = 0) -> str:
    """1.234.567 in Vietnamese, 1,234,567 in English."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale=_locale())


def money(value: float | int | None) -> str:
    """15.000.000 đ (Vietnamese), 15,000,000 VND (English)."""
    if value is None or value == "":
        return ""
    amount = number(value)
    return f"{amount} đ" if language.get() == "vi" else f"{amount} VND"


def person(name: str | None, login: str | None = None) -> str:
    """A person's full name, or the login when the name is missing."""
    return (name or "").strip() or (login or "")


def install(env: Any) -> None:
    """Jinja filters: ``|day``, ``|clock``, ``|moment``, ``|number``, ``|money``."""
    env.filters.update(day=day, clock=clock, moment=moment, number=number, money=money)
