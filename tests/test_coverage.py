"""Coverage per ward (T1) and the city team's count (T2): against a brute-force count of the seeded data,
and each rule of the measure on its own: duplicates, rejected reviews, the local year, closed businesses,
the ward scope."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime

import pytest

from server.calendar import LOCAL_TZ, local_year
from server.coverage.services import forecast, still_to_target
from tests.dbs import execute

HAM_RONG, DONG_THO = "14755", "14758"


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value  # type: ignore[return-value]
    return date.fromisoformat(str(value)[:10])


def _instant(value: object) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value)[:19]).replace(tzinfo=UTC)


def brute_force(url: str, year: int, before: datetime | None = None) -> dict[str, tuple[int, int]]:
    """The documented rule, applied row by row in Python: {ward code: (counted, inspected)}."""
    end = date(year, 12, 31)
    codes = dict(execute(url, "SELECT id, code FROM wards"))
    rows = execute(url, "SELECT establishment_id, ward_id, year, review_state, started_at FROM inspections")
    visits = {(eid, wid) for eid, wid, y, state, at in rows
              if y == year and state != "rejected" and (before is None or _instant(at) < before)}
    inspected = {eid for eid, _ in visits}
    out: dict[str, list[int]] = {code: [0, 0] for code in codes.values()}
    for _eid, wid in visits:
        out[codes[wid]][1] += 1
    for eid, wid, status, opened, closed in execute(
            url, "SELECT id, ward_id, status, opened_on, closed_on FROM establishments"):
        opened, closed = _day(opened), _day(closed)
        open_at_end = (opened is None or opened <= end) and (
            (closed is None and status != "closed") or (closed is not None and closed > end))
        if open_at_end or eid in inspected:
            out[codes[wid]][0] += 1
    return {code: (a, i) for code, (a, i) in out.items()}


def as_recorded(url: str, assignments: str, ids: list[int]) -> None:
    """Change businesses behind the app's back as if the registry had recorded it back then: the row and
    its current version (a closed year reads the versions; ``tests/test_closed_years.py`` shows why)."""
    params = {f"e{n}": i for n, i in enumerate(ids)}
    marks = ", ".join(f":{k}" for k in params)
    execute(url, f"UPDATE establishments SET {assignments} WHERE id IN ({marks})", params)
    execute(url, f"UPDATE establishment_versions SET {assignments} WHERE recorded_to IS NULL "
                 f"AND establishment_id IN ({marks})", params)


def by_code(body: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {w["code"]: w for w in body["wards"]}


def add_inspection(url: str, establishment_id: int, started: datetime, state: str = "submitted",
                   like: int | None = None) -> str:
    """A copy of an existing inspection for another business/time; ``year`` computed as the submission
    service does (the local year of ``started_at``)."""
    like = like or execute(url, "SELECT min(id) FROM inspections")[0][0]
    ward = execute(url, "SELECT ward_id FROM establishments WHERE id = :e", {"e": establishment_id})[0][0]
    new = str(uuid.uuid4())
    utc = started.astimezone(UTC)
    # asyncpg wants a datetime; SQLite holds UTC text the way the UTCDateTime column writes it
    stamp = utc if url.startswith("postgresql") else utc.strftime("%Y-%m-%d %H:%M:%S.%f")
    execute(url, """
        INSERT INTO inspections (uuid, establishment_id, ward_id, year, team_id, inspector_id, form_version_id,
            started_at, submitted_at, received_at, flags, answers, violations, violation_count, outcome, notes,
            review_state, body_sha256, version)
        SELECT :uuid, :e, :w, :y, team_id, inspector_id, form_version_id, :t, :t, :t, flags, answers, violations,
            violation_count, outcome, notes, :s, body_sha256, version FROM inspections WHERE id = :like""",
            {"uuid": new, "e": establishment_id, "w": ward, "y": local_year(started),
             "t": stamp, "s": state, "like": like})
    return new


def uninspected(url: str, ward: str, year: int = 2023) -> int:
    """An open business of ``ward`` with no inspection at all."""
    return execute(url, """SELECT e.id FROM establishments e JOIN wards w ON w.id = e.ward_id
        WHERE w.code = :c AND e.status = 'active' AND e.closed_on IS NULL
          AND NOT EXISTS (SELECT 1 FROM inspections i WHERE i.establishment_id = e.id) ORDER BY e.id""",
                   {"c": ward})[0][0]


def inspected_once(url: str, ward: str, year: int = 2023) -> int:
    return execute(url, """SELECT e.id FROM establishments e JOIN wards w ON w.id = e.ward_id
        JOIN inspections i ON i.establishment_id = e.id
        WHERE w.code = :c AND e.status = 'active' AND e.closed_on IS NULL AND i.year = :y
        GROUP BY e.id HAVING count(*) = 1 ORDER BY e.id""", {"c": ward, "y": year})[0][0]


def test_coverage_matches_a_brute_force_count_of_the_seed(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    body = as_user("cityoffice").get("/api/v1/coverage", params={"year": 2023}).json()
    expected = brute_force(database_url, 2023)
    assert body["year"] == 2023 and body["target"] == 0.8
    assert len(body["wards"]) == 34
    got = {w["code"]: (w["active"], w["inspected"]) for w in body["wards"]}
    assert got == expected
    for w in body["wards"]:
        assert w["ratio"] == round(w["inspected"] / w["active"], 4)
        assert w["meets_target"] == (w["inspected"] / w["active"] >= 0.8)
        assert set(w) >= {"code", "name", "active", "inspected", "ratio", "meets_target"}
    assert body["wards_meeting_target"] == sum(w["meets_target"] for w in body["wards"])
    assert 0 < body["wards_meeting_target"] < 34
    # the seed closed some businesses during 2023: the rule must have had something to decide
    assert sum(a for a, _ in expected.values()) < 700


def test_city_team_counts_distinct_businesses_of_city_teams(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    rows = execute(database_url, """SELECT i.establishment_id FROM inspections i JOIN teams t ON t.id = i.team_id
        WHERE t.kind = 'city' AND i.year = 2023 AND i.review_state <> 'rejected'""")
    body = as_user("cityoffice").get("/api/v1/coverage", params={"year": 2023}).json()
    assert body["city_team"] == {"target": 35, "inspected": len({r[0] for r in rows})}
    assert body["city_team"]["inspected"] > 0
    # a second city-team visit to one of those businesses changes nothing
    city_inspection = execute(database_url, """SELECT i.id, i.establishment_id FROM inspections i
        JOIN teams t ON t.id = i.team_id WHERE t.kind = 'city' ORDER BY i.id""")[0]
    add_inspection(database_url, city_inspection[1], datetime(2023, 6, 1, 13, tzinfo=UTC), like=city_inspection[0])
    again = as_user("cityoffice").get("/api/v1/coverage", params={"year": 2023}).json()
    assert again["city_team"] == body["city_team"]


def test_a_business_inspected_twice_counts_once(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    before = by_code(city.get("/api/v1/coverage", params={"year": 2023}).json())[HAM_RONG]
    done = inspected_once(database_url, HAM_RONG)
    add_inspection(database_url, done, datetime(2023, 8, 2, 14, tzinfo=UTC))
    assert by_code(city.get("/api/v1/coverage", params={"year": 2023}).json())[HAM_RONG] == before
    fresh = uninspected(database_url, HAM_RONG)
    add_inspection(database_url, fresh, datetime(2023, 3, 2, 14, tzinfo=UTC))
    add_inspection(database_url, fresh, datetime(2023, 9, 2, 14, tzinfo=UTC))
    after = by_code(city.get("/api/v1/coverage", params={"year": 2023}).json())[HAM_RONG]
    assert (after["active"], after["inspected"]) == (before["active"], before["inspected"] + 1)


def test_rejected_inspections_do_not_count(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    before = by_code(city.get("/api/v1/coverage", params={"year": 2023}).json())[HAM_RONG]
    done = inspected_once(database_url, HAM_RONG)
    execute(database_url, "UPDATE inspections SET review_state = 'rejected' WHERE establishment_id = :e", {"e": done})
    after = by_code(city.get("/api/v1/coverage", params={"year": 2023}).json())[HAM_RONG]
    assert after["inspected"] == before["inspected"] - 1 and after["active"] == before["active"]
    # one rejected and one good visit: the business counts again
    add_inspection(database_url, done, datetime(2023, 11, 5, 13, tzinfo=UTC), state="approved")

    def ham_rong_done() -> int:
        return by_code(city.get("/api/v1/coverage", params={"year": 2023}).json())[HAM_RONG]["inspected"]

    assert ham_rong_done() == before["inspected"]
    # every other non-rejected state counts
    for state in ("returned", "escalated", "submitted"):
        execute(database_url, "UPDATE inspections SET review_state = :s WHERE establishment_id = :e",
                {"s": state, "e": done})
        assert ham_rong_done() == before["inspected"]


def test_the_year_is_the_vietnamese_calendar_year(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    late, early = uninspected(database_url, HAM_RONG), uninspected(database_url, DONG_THO)
    # 23:59 on 31 December local time (16:59 UTC) belongs to 2023 ...
    before2024 = by_code(city.get("/api/v1/coverage", params={"year": 2024}).json())  # the demo has 2024 too
    add_inspection(database_url, late, datetime(2023, 12, 31, 23, 59, tzinfo=LOCAL_TZ))
    # ... and 00:30 on 1 January local time (17:30 UTC on 31 December) to 2024
    new_year = datetime(2024, 1, 1, 0, 30, tzinfo=LOCAL_TZ)
    assert new_year.astimezone(UTC) == datetime(2023, 12, 31, 17, 30, tzinfo=UTC)
    add_inspection(database_url, early, new_year)
    assert execute(database_url, "SELECT year FROM inspections WHERE establishment_id = :e", {"e": early}) == [(2024,)]
    c2023 = by_code(city.get("/api/v1/coverage", params={"year": 2023}).json())
    c2024 = by_code(city.get("/api/v1/coverage", params={"year": 2024}).json())
    assert brute_force(database_url, 2023)[DONG_THO] == (c2023[DONG_THO]["active"], c2023[DONG_THO]["inspected"])
    assert brute_force(database_url, 2023)[HAM_RONG] == (c2023[HAM_RONG]["active"], c2023[HAM_RONG]["inspected"])
    assert c2024[DONG_THO]["inspected"] == before2024[DONG_THO]["inspected"] + 1
    assert c2024[HAM_RONG]["inspected"] == before2024[HAM_RONG]["inspected"]
    months = city.get("/api/v1/coverage", params={"year": 2023}).json()["months"]
    assert months[-1] == sum(w["inspected"] for w in c2023.values())
    assert months == sorted(months) and len(months) == 12


def test_businesses_that_open_or_close_during_the_year(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")

    def ham_rong() -> tuple[int, int]:
        w = by_code(city.get("/api/v1/coverage", params={"year": 2023}).json())[HAM_RONG]
        return w["active"], w["inspected"]

    active, done = ham_rong()
    open_, visited = uninspected(database_url, HAM_RONG), inspected_once(database_url, HAM_RONG)
    # closed in 2023 without a visit: leaves the count
    as_recorded(database_url, "status = 'closed', closed_on = '2023-05-10'", [open_])
    assert ham_rong() == (active - 1, done)
    # closed in 2023 after a visit: still counts, as inspected
    as_recorded(database_url, "status = 'closed', closed_on = '2023-12-20'", [visited])
    assert ham_rong() == (active - 1, done)
    # closed without a date: treated as closed during the year (counts only when visited)
    as_recorded(database_url, "closed_on = NULL", [visited])
    assert ham_rong() == (active - 1, done)
    # a visit in the year is proof enough that it operated, whatever closing date the registry holds
    as_recorded(database_url, "closed_on = '2022-12-31'", [visited])
    assert ham_rong() == (active - 1, done)
    # closed before the year and not visited: not counted
    as_recorded(database_url, "closed_on = '2022-01-01'", [open_])
    assert ham_rong() == (active - 1, done)
    # closed only in a later year: a full member of 2023
    as_recorded(database_url, "closed_on = '2024-01-01'", [open_, visited])
    assert ham_rong() == (active, done)
    # opened in 2024: not in 2023; opened on 31 December 2023: in
    as_recorded(database_url, "opened_on = '2024-01-01'", [open_])
    assert ham_rong() == (active - 1, done)
    as_recorded(database_url, "opened_on = '2023-12-31'", [open_])
    assert ham_rong() == (active, done)
    # suspended businesses count like active ones
    as_recorded(database_url, "status = 'suspended', closed_on = NULL", [open_])
    assert ham_rong() == (active, done)
    assert brute_force(database_url, 2023)[HAM_RONG] == ham_rong()


def test_a_visit_stays_in_the_ward_it_was_made_in(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    before = by_code(city.get("/api/v1/coverage", params={"year": 2023}).json())
    visited = inspected_once(database_url, HAM_RONG)
    dong_tho = execute(database_url, "SELECT id FROM wards WHERE code = :c", {"c": DONG_THO})[0][0]
    as_recorded(database_url, f"ward_id = {int(dong_tho)}", [visited])  # the move recorded back in 2023
    after = by_code(city.get("/api/v1/coverage", params={"year": 2023}).json())
    assert after[HAM_RONG]["inspected"] == before[HAM_RONG]["inspected"]  # the 2023 visit was in Hàm Rồng
    assert after[HAM_RONG]["active"] == before[HAM_RONG]["active"] - 1  # the registry now has it in Đông Thọ
    assert after[DONG_THO]["active"] == before[DONG_THO]["active"] + 1
    assert brute_force(database_url, 2023) == {c: (w["active"], w["inspected"]) for c, w in after.items()}


def test_ward_police_see_their_wards_only(as_user) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    body = police.get("/api/v1/coverage", params={"year": 2023}).json()
    assert [w["code"] for w in body["wards"]] == [HAM_RONG]
    assert body["wards_meeting_target"] in (0, 1)
    city_team = as_user("cityoffice").get("/api/v1/coverage", params={"year": 2023}).json()["city_team"]
    assert body["city_team"]["inspected"] <= city_team["inspected"]
    geo = police.get("/api/v1/coverage.geojson", params={"year": 2023}).json()
    assert [f["properties"]["code"] for f in geo["features"]] == [HAM_RONG]
    page = police.get("/coverage", params={"year": 2023}).text
    assert "Phường Hàm Rồng" in page and "Phường Đông Thọ" not in page
    assert police.get(f"/coverage/wards/{DONG_THO}").status_code == 404
    assert police.get(f"/coverage/wards/{HAM_RONG}").status_code == 200
    assert "Phường Đông Thọ" not in police.get("/coverage/map").text
    assert as_user("police.dongtho").get(f"/coverage/wards/{DONG_THO}").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/coverage", "/api/v1/coverage.geojson", "/coverage", "/coverage/map",
                                  f"/coverage/wards/{HAM_RONG}"])
def test_roles(as_user, path: str) -> None:  # type: ignore[no-untyped-def]
    assert as_user("inspector1").get(path).status_code == 403
    assert as_user("admin").get(path).status_code == 403
    assert as_user("teamlead").get(path).status_code == 200
    assert as_user("cityoffice").get(path).status_code == 200


def test_bad_year_is_a_400(as_user) -> None:  # type: ignore[no-untyped-def]
    response = as_user("cityoffice").get("/api/v1/coverage", params={"year": "1800"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")


def test_geojson_has_an_etag_and_answers_304(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    first = city.get("/api/v1/coverage.geojson", params={"year": 2023})
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/geo+json")
    etag = first.headers["etag"]
    body = first.json()
    assert len(body["features"]) == 34
    api = by_code(city.get("/api/v1/coverage", params={"year": 2023}).json())
    for f in body["features"]:
        props = f["properties"]
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert {k: props[k] for k in ("active", "inspected", "ratio", "meets_target")} == \
            {k: api[props["code"]][k] for k in ("active", "inspected", "ratio", "meets_target")}
    again = city.get("/api/v1/coverage.geojson", params={"year": 2023}, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    add_inspection(database_url, uninspected(database_url, HAM_RONG), datetime(2023, 4, 4, 13, tzinfo=UTC))
    changed = city.get("/api/v1/coverage.geojson", params={"year": 2023}, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


def test_dashboard_sorts_wards_by_gap_and_shows_the_chart(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    body = city.get("/api/v1/coverage", params={"year": 2023}).json()
    page = city.get("/coverage", params={"year": 2023}).text
    codes = re.findall(r'<tr data-code="(\d+)"', page)
    assert len(codes) == 34
    ratios = [by_code(body)[c]["ratio"] for c in codes]
    assert ratios == sorted(ratios)
    assert f'{body["wards_meeting_target"]}/34' in page
    assert f'{body["city_team"]["inspected"]}/35' in page
    svg = page.split('<svg class="cov-chart"')[1].split("</svg>")[0]
    assert svg.count("<rect") == 12 and "<script" not in svg
    assert "cdn" not in page.lower()


def test_forecast_at_the_current_pace() -> None:
    # half of 2023 gone (1 January to 2 July = 183 days of 365): pace doubles, capped by the businesses
    assert forecast(10, 40, 2023, date(2023, 7, 2)) == 20
    assert forecast(30, 40, 2023, date(2023, 7, 2)) == 40
    assert forecast(10, 40, 2023, date(2023, 12, 31)) == 10
    assert forecast(0, 40, 2023, date(2023, 1, 1)) == 0
    assert still_to_target(27, 40, 0.8) == 5
    assert still_to_target(32, 40, 0.8) == 0
    assert still_to_target(0, 7, 0.8) == 6


def test_dashboard_as_of_a_day_counts_only_earlier_visits(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    page = as_user("cityoffice").get("/coverage", params={"year": 2023, "as_of": "2023-06-30"}).text
    assert "30/06/2023" in page
    expected = brute_force(database_url, 2023, before=datetime(2023, 7, 1, tzinfo=LOCAL_TZ))
    done, active = (int(x) for x in re.search(r'<span class="cov-big">(\d+)/(\d+)</span><br>[^<]*cơ sở đã kiểm tra',
                                              page).groups())
    assert (active, done) == (sum(a for a, _ in expected.values()), sum(i for _, i in expected.values()))
    assert 0 < done < sum(i for _, i in brute_force(database_url, 2023).values())
