"""Closed years stay closed: what the registry records after a year has ended (an import, an edit, a closing,
a ward change, a corrected opening date) never moves that year's figures; the running year follows the
registry as it is."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from litestar.testing import TestClient

from server.calendar import local_today
from server.registry.versions import record_versions
from tests.dbs import execute, run
from tests.test_coverage import DONG_THO, HAM_RONG, inspected_once, uninspected
from tests.test_import import check, row, xlsx

Login = Callable[[str], TestClient]
CLOSED = 2023


def figures(client: TestClient, year: int) -> dict[str, tuple[int, int]]:
    body = client.get("/api/v1/coverage", params={"year": year}).json()
    return {w["code"]: (w["active"], w["inspected"]) for w in body["wards"]}


def test_what_is_recorded_today_leaves_a_closed_year_alone(as_user: Login, database_url: str) -> None:
    city, lead = as_user("cityoffice"), as_user("teamlead")
    now = local_today().year
    closed_before, running_before = figures(city, CLOSED), figures(city, now)

    # an import of three businesses in Hàm Rồng
    report = check(lead, xlsx([row(name=f"Karaoke Mới {i}", kind="Karaoke", reg=f"NOW-{i}") for i in range(3)]))
    assert lead.post(f"/api/v1/imports/establishments/{report.json()['token']}/commit").status_code == 200
    # a ward change, a closing and a corrected opening date, through the registry's edit
    moved, closing, corrected = inspected_once(database_url, HAM_RONG), uninspected(database_url, HAM_RONG), \
        uninspected(database_url, DONG_THO)
    assert lead.patch(f"/api/v1/establishments/{moved}",
                      json={"ward": DONG_THO, "ward_override_reason": "đổi địa giới"}).status_code == 200
    assert lead.patch(f"/api/v1/establishments/{closing}",
                      json={"status": "closed", "closed_on": local_today().isoformat()}).status_code == 200
    assert lead.patch(f"/api/v1/establishments/{corrected}", json={"opened_on": "2024-03-01"}).status_code == 200

    assert figures(city, CLOSED) == closed_before
    running = figures(city, now)
    assert running[HAM_RONG][0] == running_before[HAM_RONG][0] + 3 - 1 - 1  # 3 imported, 1 moved out, 1 closed
    assert running[DONG_THO][0] == running_before[DONG_THO][0] + 1  # the moved one in (the corrected one opened
    # in 2024: still open now)


def test_a_change_twice_in_a_day_keeps_one_version_and_history_is_kept(as_user: Login, database_url: str) -> None:
    lead = as_user("teamlead")
    business = uninspected(database_url, HAM_RONG)

    def versions() -> list[tuple[object, ...]]:
        return [tuple(r) for r in execute(database_url, "SELECT recorded_from, recorded_to, status FROM "
                                          "establishment_versions WHERE establishment_id = :e ORDER BY id",
                                          {"e": business})]

    assert len(versions()) == 1
    lead.patch(f"/api/v1/establishments/{business}", json={"status": "suspended"})
    lead.patch(f"/api/v1/establishments/{business}", json={"status": "active", "rooms": 3})  # back, same day
    lead.patch(f"/api/v1/establishments/{business}", json={"phone": "0912345678"})  # not a counted field
    rows = versions()
    assert len(rows) == 2 and [r[2] for r in rows] == ["active", "active"]
    assert str(rows[0][1])[:10] == str(rows[1][0])[:10] == local_today().isoformat()  # the old one ended today
    assert rows[1][1] is None


def test_versions_follow_the_registry_on_any_day(database_url: str) -> None:
    """The writer on its own: a change recorded on a given day starts a version there, nothing else moves."""
    business = uninspected(database_url, HAM_RONG)
    execute(database_url, "UPDATE establishments SET status = 'suspended' WHERE id = :e", {"e": business})

    async def record(engine):  # type: ignore[no-untyped-def]
        from sqlalchemy.ext.asyncio import AsyncSession

        async with AsyncSession(engine) as session, session.begin():
            await record_versions(session, None, date(2025, 2, 1))

    before = execute(database_url, "SELECT count(*) FROM establishment_versions")[0][0]
    run(record, database_url)
    assert execute(database_url, "SELECT count(*) FROM establishment_versions")[0][0] == before + 1
    assert execute(database_url, "SELECT status FROM establishment_versions WHERE establishment_id = :e AND "
                                 "recorded_to IS NULL", {"e": business}) == [("suspended",)]
