"""The plan's eleven targets for a year, per ward and in all, within the user's scope.

T1–T2 come from the coverage measure, T3 from the tips' on-time rule, T4 from the hotspot register (each
rule has one owner, asked here), T5–T11 from what the wards report (``server.planning.ward_reports``):

- T5 wards with at least one awareness activity in the year; T6 with a yearly plan document; T7 that fold
  the work into their other programmes; T8 free of prostitution; T10 piloting a model: each a share of the
  wards in scope against the plan's ratio;
- T9 people reached per audience (business workers, industrial workers, students: the activities' counts
  over the denominators the wards enter; a ward that entered no business workers is counted on its
  registry's staff counts, where known); T9 is met when every audience meets its own target, and its value
  is the share of the three that do;
- T11 people receiving support over those needing and qualifying for it (counts only).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.coverage.counting import workers_by_ward, year_frame
from server.coverage.services import DEFAULT_PER_PAGE, coverage
from server.i18n import N_, gettext
from server.identity import CurrentUser
from server.planning import targets_of
from server.planning.models import AwarenessActivity, WardYear
from server.scope import scoped
from server.tips import hotspots_in_year, on_time
from server.wards.models import Ward

TITLES = {
    "T1": N_("Phường, xã kiểm tra đủ tỷ lệ cơ sở kinh doanh có điều kiện về ANTT"),
    "T2": N_("Đoàn kiểm tra liên ngành thành phố kiểm tra cơ sở"),
    "T3": N_("Tin báo, tố giác, phản ánh được xử lý kịp thời"),
    "T4": N_("Điểm, tụ điểm nghi có hoạt động mại dâm được triệt xóa"),
    "T5": N_("Phường, xã có hoạt động tuyên truyền"),
    "T6": N_("Phường, xã có kế hoạch năm"),
    "T7": N_("Phường, xã lồng ghép vào các chương trình khác"),
    "T8": N_("Phường, xã không có tệ nạn mại dâm"),
    "T9": N_("Người lao động, công nhân, học sinh, sinh viên được tiếp cận thông tin"),
    "T10": N_("Phường, xã thí điểm mô hình"),
    "T11": N_("Người cần và đủ điều kiện được tiếp cận dịch vụ hỗ trợ"),
}
AUDIENCES = {
    "business_workers": ("t9_business_workers_reached", N_("Người lao động tại cơ sở kinh doanh")),
    "industrial_workers": ("t9_industrial_workers_reached", N_("Công nhân khu công nghiệp")),
    "students": ("t9_students_reached", N_("Học sinh, sinh viên")),
}


class WardValue(msgspec.Struct):
    code: str
    name: str
    value: float | None
    met: bool | None


class IndicatorPart(msgspec.Struct):
    id: str
    title: str
    target: float
    value: float | None
    met: bool


class Indicator(msgspec.Struct):
    id: str
    title: str
    target: float
    value: float | None
    #: ``ratio`` (0–1) or ``count``.
    unit: str
    met: bool
    wards: list[WardValue]
    parts: list[IndicatorPart] = []


class IndicatorOrder(StrEnum):
    """The order of the per-ward lists: by ward code, or the wards meeting the fewest targets first."""

    CODE = "code"
    BEHIND = "behind"


class IndicatorsOut(msgspec.Struct):
    year: int
    indicators: list[Indicator]
    #: Wards in the per-ward lists (all pages), their order, and the page shown when paged.
    ward_count: int = 0
    order: str = IndicatorOrder.CODE.value
    page: int | None = None
    per_page: int | None = None
    pages: int | None = None


Cell = tuple[float | None, bool | None]


def _share(flags: dict[str, bool], target: float) -> tuple[float | None, bool]:
    value = sum(flags.values()) / len(flags) if flags else None
    return value, value is not None and value >= target


def _ratio(num: int, den: int) -> float | None:
    return num / den if den else None


async def indicators(session: AsyncSession, user: CurrentUser, year: int, ward: str | None = None, *,
                     order: IndicatorOrder = IndicatorOrder.CODE, page: int | None = None,
                     per_page: int | None = None) -> IndicatorsOut:
    """All eleven for ``year``; ``ward`` (a code) narrows the per-ward lists, never the totals; with ``page`` or
    ``per_page`` the per-ward lists hold that page of the wards in ``order`` (50 a page by default)."""
    frame = await year_frame(session, year)
    goal = targets_of(frame.plan)
    cov = await coverage(session, year, user, with_months=False)
    names = {w.code: w.name for w in cov.wards}
    # Filtered by the user's scope in SQL and to the year's wards here: no list of 10,000 ids sent to the database.
    ids = dict((await session.execute(scoped(select(Ward.id, Ward.code).where(Ward.id.in_(frame.in_year)),
                                             Ward.id, user))).tuples().all())
    codes = {code: wid for wid, code in ids.items()}

    per_ward: dict[str, dict[str, Cell]] = {}

    def wards(tid: str, values: dict[str, Cell]) -> list[WardValue]:
        """Kept aside: the per-ward lists are built for the wards of the page only, once they are ordered."""
        per_ward[tid] = values
        return []

    out: list[Indicator] = []
    t1 = {w.code: (w.ratio, w.meets_target) for w in cov.wards}
    met1 = cov.ward_count > 0 and cov.wards_meeting_target == cov.ward_count
    out.append(Indicator("T1", gettext(TITLES["T1"]), 1.0, _ratio(cov.wards_meeting_target, cov.ward_count),
                         "ratio", met1, wards("T1", t1)))
    team = cov.city_team
    out.append(Indicator("T2", gettext(TITLES["T2"]), float(team.target), float(team.inspected), "count",
                         team.inspected >= team.target, []))
    tips = await on_time(session, user, year)
    t3 = {r.ward: (r.year.ratio, None if r.year.ratio is None else r.year.ratio >= goal.t3_tips_on_time)
          for r in tips.wards if r.ward}
    city = tips.city.year
    out.append(Indicator("T3", gettext(TITLES["T3"]), goal.t3_tips_on_time, city.ratio, "ratio",
                         city.ratio is None or city.ratio >= goal.t3_tips_on_time, wards("T3", t3)))
    spots = await hotspots_in_year(session, year, user)
    t4 = {}
    for wid, n in spots["per_ward"].items():
        if wid in ids:
            value = _ratio(n["eradicated"], n["known"])
            t4[ids[wid]] = (value, value is None or value >= goal.t4_hotspots_broken_up)
    value4 = _ratio(spots["eradicated"], spots["known"])
    out.append(Indicator("T4", gettext(TITLES["T4"]), goal.t4_hotspots_broken_up, value4, "ratio",
                         value4 is None or value4 >= goal.t4_hotspots_broken_up, wards("T4", t4)))

    records = {r.ward_id: r for r in (await session.scalars(
        scoped(select(WardYear).where(WardYear.year == year), WardYear.ward_id, user))).all() if r.ward_id in ids}
    reached = {k: n for k, n in (await _reached(session, year, user)).items() if k[0] in ids}
    active = {wid for wid, _ in reached}

    def flags(test: Any) -> dict[str, bool]:
        return {code: bool(test(wid, records.get(wid))) for code, wid in codes.items()}

    for tid, target, test in (
        ("T5", goal.t5_wards_with_awareness_work, lambda wid, r: wid in active),
        ("T6", goal.t6_wards_with_yearly_plan, lambda wid, r: r is not None and r.plan_document),
        ("T7", goal.t7_wards_integrating_programmes, lambda wid, r: r is not None and r.integrated),
        ("T8", goal.t8_wards_free_of_prostitution, lambda wid, r: r is not None and r.free_of_prostitution),
    ):
        each = flags(test)
        value, met = _share(each, target)
        out.append(Indicator(tid, gettext(TITLES[tid]), target, value, "ratio", met,
                             wards(tid, {c: (1.0 if f else 0.0, f) for c, f in each.items()})))
    known = await workers_by_ward(session, frame, user)
    out.append(_t9(goal, denominators(records, known), reached, codes, wards))
    each = flags(lambda wid, r: r is not None and r.pilot_model)
    value, met = _share(each, goal.t10_wards_piloting_a_model)
    out.append(Indicator("T10", gettext(TITLES["T10"]), goal.t10_wards_piloting_a_model, value, "ratio", met,
                         wards("T10", {c: (1.0 if f else 0.0, f) for c, f in each.items()})))
    out.append(_t11(goal.t11_support_access, records, codes, wards))
    out.sort(key=lambda i: int(i.id[1:]))
    codes = [c for c in names if ward is None or c == ward]
    if order is IndicatorOrder.BEHIND:  # the wards meeting the fewest targets first
        met = {c: sum(bool(values.get(c, (None, None))[1]) for values in per_ward.values()) for c in codes}
        codes.sort(key=lambda c: (met[c], c))
    report = IndicatorsOut(year, out, ward_count=len(codes), order=order.value)
    if page is not None or per_page is not None:
        page, per_page = page or 1, per_page or DEFAULT_PER_PAGE
        codes = codes[(page - 1) * per_page:page * per_page]
        report = msgspec.structs.replace(report, page=page, per_page=per_page,
                                         pages=max(1, -(-report.ward_count // per_page)))
    for i in out:
        if i.id in per_ward:
            i.wards = [WardValue(c, names[c], *per_ward[i.id].get(c, (None, None))) for c in codes]
    return report


async def _reached(session: AsyncSession, year: int, user: CurrentUser) -> dict[tuple[int, str], int]:
    """People reached per (ward id, audience) by the year's activities in the user's wards."""
    rows = await session.execute(scoped(
        select(AwarenessActivity.ward_id, AwarenessActivity.audience, func.sum(AwarenessActivity.people_reached))
        .where(AwarenessActivity.year == year)
        .group_by(AwarenessActivity.ward_id, AwarenessActivity.audience), AwarenessActivity.ward_id, user))
    return {(wid, audience): int(n or 0) for wid, audience, n in rows.tuples().all()}


def denominators(records: dict[int, WardYear], known: dict[int, int]) -> dict[tuple[int, str], int]:
    """T9's people per (ward id, audience): what the ward entered; for the businesses' workers, when the ward
    entered nothing, the registry's staff counts of its businesses (``known``)."""
    out = {(wid, a): n for wid, r in records.items() for a in AUDIENCES if (n := getattr(r, a))}
    for wid, n in known.items():
        if n and (wid, "business_workers") not in out:
            out[wid, "business_workers"] = n
    return out


def _t9(goal: Any, people: dict[tuple[int, str], int], reached: dict[tuple[int, str], int], codes: dict[str, int],
        wards: Any) -> Indicator:
    parts, per_ward = [], {}
    for audience, (field, title) in AUDIENCES.items():
        target = getattr(goal, field)
        total = sum(n for (_, a), n in people.items() if a == audience)
        got = sum(n for (wid, a), n in reached.items() if a == audience and (wid, a) in people)
        value = _ratio(got, total)
        parts.append(IndicatorPart(f"T9.{audience}", gettext(title), target, value,
                                   value is not None and value >= target))
    for code, wid in codes.items():
        if not any((wid, a) in people for a in AUDIENCES):
            per_ward[code] = (None, None)
            continue
        met = [_ratio(reached.get((wid, a), 0), people.get((wid, a), 0)) for a in AUDIENCES]
        ok = [m is not None and m >= getattr(goal, AUDIENCES[a][0]) for a, m in zip(AUDIENCES, met, strict=True)]
        per_ward[code] = (sum(ok) / len(AUDIENCES), all(ok))
    share = sum(p.met for p in parts) / len(parts)
    return Indicator("T9", gettext(TITLES["T9"]), 1.0, share, "ratio", share >= 1.0, wards("T9", per_ward), parts)


def _t11(target: float, records: dict[int, WardYear], codes: dict[str, int], wards: Any) -> Indicator:
    qualifying = sum(r.support_qualifying or 0 for r in records.values())
    receiving = sum(r.support_receiving or 0 for r in records.values())
    value = _ratio(receiving, qualifying)
    per_ward = {}
    for code, wid in codes.items():
        r = records.get(wid)
        v = _ratio(r.support_receiving or 0, r.support_qualifying or 0) if r is not None else None
        per_ward[code] = (v, None if v is None else v >= target)
    return Indicator("T11", gettext(TITLES["T11"]), target, value, "ratio", value is None or value >= target,
                     wards("T11", per_ward))
