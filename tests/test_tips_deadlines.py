"""Statutory deadlines of tips: hours, calendar days, working days (weekends, Tết, swapped days), months,
extensions, suspensions, and the boundary minute of "overdue"."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from server.calendar import LOCAL_TZ
from server.tips import holidays
from server.tips.deadlines import RULES, Event, Period, Unit, extensions_left, missed, next_due, schedule


def vn(*args: int) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def end_of(y: int, m: int, d: int) -> datetime:
    """24:00 Vietnamese time of that day."""
    return vn(y, m, d) + timedelta(days=1)


def test_classify_within_24_hours_to_the_minute() -> None:
    steps = schedule(None, vn(2024, 3, 5, 8, 30), [])
    assert list(steps) == ["classify"]
    due = steps["classify"].due
    assert due == vn(2024, 3, 6, 8, 30)
    assert not steps["classify"].late(due)
    assert steps["classify"].late(due + timedelta(minutes=1))


def test_working_days_skip_the_weekend() -> None:
    # Thursday: Friday, Monday, Tuesday
    assert Period(3, Unit.WORKING_DAYS).after(vn(2024, 3, 7, 15)) == end_of(2024, 3, 12)


def test_working_days_skip_tet() -> None:
    # Tết Giáp Thìn: 8–14/02/2024 off; the 3 working days after Wed 7/2 are 15, 16 and 19/2
    steps = schedule("TB", vn(2024, 2, 7, 16), [])
    assert steps["notify_procuracy"].due == end_of(2024, 2, 19)
    # calendar limits do not stop for Tết
    assert steps["assign"].due == end_of(2024, 2, 10)
    assert steps["resolve"].due == end_of(2024, 2, 27)


def test_working_days_count_a_swapped_saturday_and_skip_the_swapped_monday() -> None:
    # 29/4/2024 was swapped with Saturday 4/5/2024; 30/4 and 1/5 are holidays
    assert not holidays.is_working_day(date(2024, 4, 29))
    assert holidays.is_working_day(date(2024, 5, 4))
    steps = schedule("TC", vn(2024, 4, 26, 9), [])
    # 2, 3, 4 (Saturday), 6, 7, 8, 9 May
    assert steps["process"].due == end_of(2024, 5, 9)


def test_criminal_report_resolution_and_its_two_extensions() -> None:
    received = vn(2024, 1, 10, 10)
    events: list[Event] = []
    assert schedule("TG", received, events)["resolve"].due == end_of(2024, 1, 30)
    events.append(Event("extend", vn(2024, 1, 25)))
    assert schedule("TG", received, events)["resolve"].due == end_of(2024, 3, 10)  # 2 months from receipt
    events.append(Event("extend", vn(2024, 3, 1)))
    assert schedule("TG", received, events)["resolve"].due == end_of(2024, 5, 10)  # + 2 months, once
    assert extensions_left("TG", events) == 0
    events.append(Event("extend", vn(2024, 5, 1)))  # beyond the law: ignored
    assert schedule("TG", received, events)["resolve"].due == end_of(2024, 5, 10)


def test_a_criminal_report_decision_goes_to_the_procuracy_within_24_hours() -> None:
    received = vn(2024, 1, 10, 10)
    events = [Event("resolve", vn(2024, 1, 20, 16, 45))]
    step = schedule("TB", received, events)["send_decision"]
    assert step.due == vn(2024, 1, 21, 16, 45) and step.done is None
    assert not step.late(vn(2024, 1, 21, 16, 45)) and step.late(vn(2024, 1, 21, 16, 46))
    assert schedule("TB", received, [])["send_decision"].due is None  # no decision yet, no clock
    events.append(Event("send_decision", vn(2024, 1, 21, 9)))
    assert not schedule("TB", received, events)["send_decision"].late(vn(2024, 2, 1))
    assert "send_decision" not in schedule("TC", received, events)  # denunciations: Luật Tố cáo, not BLTTHS


def test_a_month_period_ends_on_the_last_day_of_a_shorter_month() -> None:
    assert Period(2, Unit.MONTHS).after(vn(2023, 12, 31, 9)) == end_of(2024, 2, 29)


def test_denunciation_is_resolved_30_days_after_acceptance_plus_extensions() -> None:
    received = vn(2024, 6, 3, 9)
    events = [Event("classify", vn(2024, 6, 3, 10)), Event("assign", vn(2024, 6, 4)),
              Event("start", vn(2024, 6, 10, 14))]
    steps = schedule("TC", received, events)
    assert steps["process"].done == vn(2024, 6, 10, 14) and not steps["process"].late(vn(2024, 7, 1))
    assert steps["resolve"].due == end_of(2024, 7, 10)
    events += [Event("extend", vn(2024, 7, 1)), Event("extend", vn(2024, 8, 1))]
    assert schedule("TC", received, events)["resolve"].due == end_of(2024, 9, 8)
    assert "notify_procuracy" not in steps  # not a criminal report


def test_before_acceptance_a_denunciation_has_no_resolution_clock() -> None:
    steps = schedule("TC", vn(2024, 6, 3, 9), [])
    assert steps["resolve"].due is None
    assert next_due(steps) == ("classify", vn(2024, 6, 4, 9))


def test_suspension_pauses_and_resumption_restarts_a_month() -> None:
    received = vn(2024, 1, 10, 10)
    events = [Event("suspend", vn(2024, 1, 20))]
    steps = schedule("TB", received, events)
    assert steps["resolve"].paused
    assert not steps["resolve"].late(vn(2024, 6, 1))
    assert "resolve" not in {key for key, _ in [next_due(steps) or ("", None)]}
    events.append(Event("resume", vn(2024, 4, 2, 9)))
    assert schedule("TB", received, events)["resolve"].due == end_of(2024, 5, 2)


def test_suspension_of_a_denunciation_keeps_the_remaining_time() -> None:
    received = vn(2024, 6, 3, 9)
    events = [Event("start", vn(2024, 6, 5, 9)), Event("suspend", vn(2024, 6, 15, 9)),
              Event("resume", vn(2024, 6, 25, 9))]
    assert schedule("TC", received, events)["resolve"].due == end_of(2024, 7, 5) + timedelta(days=10)


def test_reporter_notice_runs_from_the_result_and_only_when_there_is_someone_to_tell() -> None:
    received = vn(2024, 1, 10, 10)
    events = [Event("resolve", vn(2024, 1, 20, 15))]
    assert schedule("TG", received, events)["notify_reporter"].due == end_of(2024, 1, 23)
    assert "notify_reporter" not in schedule("TG", received, events, notify_reporter=False)


def test_a_step_done_late_is_missed_for_good() -> None:
    received = vn(2024, 1, 10, 10)
    on_time = schedule("PA", received, [Event("classify", vn(2024, 1, 11, 10))])
    assert not missed(on_time)
    late = schedule("PA", received, [Event("classify", vn(2024, 1, 11, 10, 1))])
    assert missed(late)


@pytest.mark.parametrize("year", range(2023, 2028))
def test_the_holiday_table_covers_the_year_with_tet(year: int) -> None:
    assert holidays.is_known_year(year)
    table = holidays.YEARS[year]
    assert all(d.year == year and d.weekday() < 5 for d in table.off)
    assert all(d.year == year and d.weekday() >= 5 for d in table.work)
    assert date(year, 1, 1) in table.off or date(year, 1, 1).weekday() >= 5
    assert sum(1 for d in table.off if d.month in (1, 2) and d.day > 1 and (d.month, d.day) != (1, 2)) >= 4


def test_every_category_has_rules_with_a_classify_step() -> None:
    assert set(RULES) == {None, "TG", "TB", "KN", "TC", "PA"}
    assert all(regime.steps[0].key == "classify" for regime in RULES.values())
