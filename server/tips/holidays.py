"""Vietnamese public holidays and working days: the calendar that "working days" deadlines count in.

One entry per year: the weekdays that are days off (the public holidays of Bộ luật Lao động 2019 Điều 112,
their compensatory days and the days swapped by the government's yearly notice), and the weekend days that
were made working days by such a swap. Weekends (Saturday, Sunday) are never working days unless listed.

To add a year: copy the official notice for civil servants (Bộ Nội vụ, formerly Bộ LĐ-TB&XH: "Thông báo
về việc nghỉ Tết Âm lịch và Quốc khánh năm N") into a new ``YEARS`` entry. A date outside every listed
year is counted with weekends only, so a missing year shows in ``is_known_year`` rather than failing.

Sources: the Labour Code 2019 Điều 112, the yearly notices for civil servants (e.g. 2025: TB 6150/TB-BLĐTBXH)
and NQ 80-NQ/TW (24/11, Ngày Văn hóa Việt Nam, a paid day off from 2026), as collected by the python-holidays
0.109 Vietnam calendar (MIT), which this table was checked against day by day; we keep our own table so a
correction is one edit here and the app needs no extra package. 2027 is projected from the Labour
Code (Tết days around 1/1 âm lịch = 06/02/2027, compensatory days for holidays on a weekend) until the
official notice is out: re-check it then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta


@dataclass(frozen=True)
class HolidayYear:
    off: frozenset[date]
    #: Saturdays or Sundays made working days by a swap (làm bù).
    work: frozenset[date] = field(default_factory=frozenset)
    note: str = ""


def _d(year: int, *days: tuple[int, int]) -> frozenset[date]:
    return frozenset(date(year, m, d) for m, d in days)


YEARS: dict[int, HolidayYear] = {
    2023: HolidayYear(
        off=_d(2023, (1, 2), (1, 20), (1, 23), (1, 24), (1, 25), (1, 26), (5, 1), (5, 2), (5, 3), (9, 1), (9, 4)),
        note="1/1 on Sunday → 2/1; Tết 20–26/1; Giỗ Tổ (29/4) and 30/4 on the weekend → 2/5, 3/5; 1/9, 4/9",
    ),
    2024: HolidayYear(
        off=_d(2024, (1, 1), (2, 8), (2, 9), (2, 12), (2, 13), (2, 14), (4, 18), (4, 29), (4, 30), (5, 1),
               (9, 2), (9, 3)),
        work=_d(2024, (5, 4)),
        note="Tết 8–14/2; 29/4 swapped with Saturday 4/5; Quốc khánh 2–3/9",
    ),
    2025: HolidayYear(
        off=_d(2025, (1, 1), (1, 27), (1, 28), (1, 29), (1, 30), (1, 31), (4, 7), (4, 30), (5, 1), (5, 2),
               (9, 1), (9, 2)),
        work=_d(2025, (4, 26)),
        note="Tết 25/1–2/2 (5 working days off); 2/5 swapped with Saturday 26/4; Quốc khánh 1–2/9",
    ),
    2026: HolidayYear(
        off=_d(2026, (1, 1), (2, 16), (2, 17), (2, 18), (2, 19), (2, 20), (4, 27), (4, 30), (5, 1), (8, 31),
               (9, 1), (9, 2), (11, 24)),
        work=_d(2026, (8, 22)),
        note="Tết 14–22/2; Giỗ Tổ (26/4, Sunday) → 27/4; 31/8 swapped with Saturday 22/8; 24/11 Ngày Văn hóa",
    ),
    2027: HolidayYear(
        off=_d(2027, (1, 1), (2, 4), (2, 5), (2, 8), (2, 9), (2, 10), (4, 16), (4, 30), (5, 3), (9, 2), (9, 3),
               (11, 24)),
        note="projected: Tết 4–10/2; 1/5 on Saturday → 3/5; Quốc khánh 2–3/9; re-check with the official notice",
    ),
}


def is_known_year(year: int) -> bool:
    return year in YEARS


def is_working_day(day: date) -> bool:
    """Monday–Friday, not a public holiday or swapped day off; or a weekend day made a working day."""
    year = YEARS.get(day.year)
    if year is not None:
        if day in year.work:
            return True
        if day in year.off:
            return False
    return day.weekday() < 5


def add_working_days(start: date, n: int) -> date:
    """The ``n``-th working day after ``start`` (``start`` itself is not counted)."""
    if n < 0:
        raise ValueError("n must be >= 0")
    day = start
    while n:
        day += timedelta(days=1)
        if is_working_day(day):
            n -= 1
    return day


def next_working_day(day: date) -> date:
    """``day`` if it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day
