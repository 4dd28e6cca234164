"""The demo seed: idempotent, on the real wards, weighted like the province's figures."""

from __future__ import annotations

from collections import Counter
from datetime import date

from seed.loader import load
from server.calendar import local_today
from tests.conftest import DEMO_PASSWORD
from tests.dbs import Databases, execute, run


def test_seeding_twice_gives_the_same_counts(databases: Databases, seeded_template: str) -> None:
    url = databases.new(template=seeded_template)
    first = run(lambda engine: load(engine, DEMO_PASSWORD), url)
    second = run(lambda engine: load(engine, DEMO_PASSWORD), url)
    assert first == second
    assert first["wards"] == 34 and first["establishments"] == 700
    assert 700 <= first["inspections"] <= 1600  # 2023 and a lighter history for every year since
    assert first["plans"] >= 4


def test_demo_registry_is_weighted_and_inside_the_wards(seeded_template: str) -> None:
    types = Counter(dict(execute(seeded_template, "SELECT type, count(*) FROM establishments GROUP BY type")))
    assert types.most_common(2)[0][0] == "lodging" and types.most_common(2)[1][0] == "karaoke"
    assert types["massage"] < types["karaoke"] / 3
    from maps.wards import WardIndex
    from seed.loader import ward_collection

    index = WardIndex.from_geojson(ward_collection())
    rows = execute(seeded_template,
                   "SELECT e.lat, e.lon, w.code FROM establishments e JOIN wards w ON w.id = e.ward_id")
    assert all(index.locate(lat, lon) == code for lat, lon, code in rows)


def test_coverage_of_2023_is_neither_empty_nor_complete_and_today_is_alive(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    page = city.get("/").text
    assert 'id="coverage"' in page
    meeting = page.split("Số phường đạt chỉ tiêu:")[1].split("</strong>")[0]
    met, total = (int(x) for x in meeting.replace("<strong>", "").strip().split("/"))
    assert total == 34 and met < 34  # the running year, well short of its target
    today = city.get("/api/v1/coverage").json()
    assert today["year"] == local_today().year
    assert today["inspected"] > 0 or local_today() < date(local_today().year, 1, 10)  # alive (after New Year)
    old = city.get("/api/v1/coverage", params={"year": 2023}).json()
    assert 0 < old["wards_meeting_target"] < 34
