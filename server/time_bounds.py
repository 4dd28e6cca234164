"""The window a client's timestamp must lie in: not before ``EARLIEST``, not after the server's clock plus
the allowed skew (``KIEMTRA_CLOCK_SKEW_MINUTES``).

``EARLIEST`` is 2020-01-01 (Vietnamese time): before the first plan period the app knows (2023) and before any
record it may hold, after every date that can only be a typing or clock error (year 1, 1900). A phone whose
clock runs ahead says so in ``X-Device-Time`` (``device_now``); its times are then judged on its own clock,
so an offline submission from such a phone is kept (and flagged ``clock_skew``), never lost.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from server.calendar import local_midnight
from server.errors import AppError, FieldError
from server.i18n import gettext as _

EARLIEST = local_midnight(date(2020, 1, 1))
MAX_AHEAD = timedelta(days=1)


def latest(now: datetime, skew_minutes: float, device_now: datetime | None = None) -> datetime:
    """The latest acceptable instant: now plus the skew, plus how far the device's clock runs ahead (a clock
    more than a day ahead is wrong, not skewed: it must be set right)."""
    ahead = min(MAX_AHEAD, max(timedelta(0), device_now - now)) if device_now is not None else timedelta(0)
    return now + timedelta(minutes=skew_minutes) + ahead


def window_errors(path: str, value: datetime, now: datetime, skew_minutes: float,
                  device_now: datetime | None = None, not_before: tuple[str, datetime] | None = None,
                  ) -> list[FieldError]:
    """What is wrong with ``value`` (an aware datetime) at ``path``; ``not_before``: (its path, instant)."""
    if value < EARLIEST:
        return [FieldError(path, "too_early", _("Thời điểm này không được trước ngày {day}.").format(
                                    day=EARLIEST.strftime("%d/%m/%Y")))]
    if value > latest(now, skew_minutes, device_now):
        return [FieldError(path, "future", _("Thời điểm này muộn hơn giờ máy chủ quá {minutes} phút; hãy kiểm tra "
                                             "đồng hồ của điện thoại.").format(minutes=f"{skew_minutes:g}"))]
    if not_before is not None and value < not_before[1]:
        return [FieldError(path, "before_" + not_before[0].rsplit(".", 1)[-1],
                           _("Thời điểm này không được trước {field}.").format(field=not_before[0]))]
    return []


def check_window(fields: list[tuple[str, datetime, tuple[str, datetime] | None]], now: datetime,
                 skew_minutes: float, device_now: datetime | None = None) -> None:
    """422 naming every field outside its window: ``fields`` is [(path, value, not_before or None)]."""
    errors = [e for path, value, after in fields
              for e in window_errors(path, value, now, skew_minutes, device_now, after)]
    if errors:
        raise AppError(422, "invalid", _("Có thời điểm nằm ngoài khoảng thời gian được chấp nhận."), errors)
