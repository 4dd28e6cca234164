"""Tips and inspections are chosen by name, not typed by code: the hotspot form lists the tips of the user's wards
by date and summary and their inspections by business name and date; the tip page lists the inspections to link.
The forms are plain ``<select>``s (they work without JavaScript), and the server still refuses another ward's."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from litestar.testing import TestClient

from tests.dbs import execute

HAM_RONG, DONG_THO = "14755", "14758"


def csrf(page: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def options(page: str, name: str) -> dict[str, str]:
    """value → visible text of the options of the ``<select name=...>``, the empty choice left out."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, f"no picker {name}"
    found = re.findall(r'<option value="([^"]*)"[^>]*>(.*?)</option>', select.group(1), re.S)
    return {value: html.unescape(label) for value, label in found if value}


def inspection_of(database_url: str, ward: str) -> tuple[str, int, str, str]:
    """(uuid, id, business name, started_at) of an inspection in ``ward``."""
    return execute(database_url, "SELECT i.uuid, i.id, e.name, i.started_at FROM inspections i JOIN wards w ON "
                   "w.id = i.ward_id JOIN establishments e ON e.id = i.establishment_id WHERE w.code = :c "
                   "ORDER BY i.id LIMIT 1", {"c": ward})[0]


def new_tip(client: TestClient, ward: str, address: str) -> int:
    response = client.post("/api/v1/tips", json={"channel": "hotline", "ward": ward, "address": address,
                                                 "subject": "mai_dam.chua"})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def test_a_hotspot_from_a_tip_and_an_inspection_chosen_by_name(as_user: Callable[[str], TestClient],
                                                               database_url: str) -> None:
    police = as_user("police.hamrong")
    mine = new_tip(police, HAM_RONG, "Ngõ 7 phố Hàm Rồng")
    theirs = new_tip(as_user("police.dongtho"), DONG_THO, "Ngõ 9 phố Đông Thọ")
    uuid, inspection_id, business, _started = inspection_of(database_url, HAM_RONG)
    other_uuid = inspection_of(database_url, DONG_THO)[0]
    page = police.get("/hotspots").text
    assert 'name="tip_id" inputmode' not in page and "UUID" not in page  # nothing to type by code
    tips, inspections = options(page, "tip_id"), options(page, "inspection")
    assert "Chứa mại dâm · Ngõ 7 phố Hàm Rồng" in tips[str(mine)] and str(theirs) not in tips
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} · .+", tips[str(mine)])
    assert inspections[uuid].startswith(f"{business} · ") and re.search(r"\d{2}/\d{2}/\d{4}$", inspections[uuid])
    assert other_uuid not in inspections
    made = police.post("/hotspots", data={"_csrf_token": csrf(page), "name": "Khu ven đê", "tip_id": str(mine),
                                          "inspection": uuid}, follow_redirects=False)
    assert made.status_code == 303, made.text[:500]
    hotspot = int(made.headers["location"].rsplit("/", 1)[1])
    assert execute(database_url, "SELECT tip_id, inspection_id FROM hotspots WHERE id = :h",
                   {"h": hotspot}) == [(mine, inspection_id)]
    for refused in ({"tip_id": str(theirs)}, {"inspection": other_uuid}):
        answer = police.post("/hotspots", data={"_csrf_token": csrf(page), "name": "Khu khác", **refused})
        assert answer.status_code in (404, 422), answer.status_code
        assert "Khu khác" not in {r[0] for r in execute(database_url, "SELECT name FROM hotspots")}
    assert f"Không có lượt kiểm tra “{other_uuid}” trong địa bàn của bạn." in answer.text


def test_the_tip_page_links_an_inspection_chosen_by_name(as_user: Callable[[str], TestClient],
                                                         database_url: str) -> None:
    police = as_user("police.hamrong")
    tip = new_tip(police, HAM_RONG, "Ngõ 7 phố Hàm Rồng")
    uuid, inspection_id, business, _started = inspection_of(database_url, HAM_RONG)
    other_uuid = inspection_of(database_url, DONG_THO)[0]
    page = police.get(f"/tips/{tip}").text
    assert "UUID" not in page
    inspections = options(page, "inspection")
    assert inspections[uuid].startswith(f"{business} · ") and other_uuid not in inspections
    form = {"_csrf_token": csrf(page), "action": "link_inspection"}
    linked = police.post(f"/tips/{tip}/actions", data=form | {"inspection": uuid}, follow_redirects=False)
    assert linked.status_code == 303, linked.text[:500]
    assert execute(database_url, "SELECT inspection_id FROM tip_inspections WHERE tip_id = :t",
                   {"t": tip}) == [(inspection_id,)]
    refused = police.post(f"/tips/{tip}/actions", data=form | {"inspection": other_uuid})
    assert refused.status_code == 422
    assert f"Không có lượt kiểm tra “{other_uuid}” trong địa bàn của bạn." in refused.text
    assert execute(database_url, "SELECT COUNT(*) FROM tip_inspections WHERE tip_id = :t", {"t": tip}) == [(1,)]


def test_dates_are_typed_dd_mm_yyyy_on_the_hotspot_and_registry_pages(as_user: Callable[[str], TestClient],
                                                                     database_url: str) -> None:
    """No browser date picker (it shows mm/dd/yyyy on an English system): days are typed as people write them."""
    police = as_user("police.hamrong")
    page = police.get("/hotspots").text
    assert 'type="date"' not in page and 'name="opened_on" inputmode="numeric" placeholder="dd/mm/yyyy"' in page
    made = police.post("/hotspots", data={"_csrf_token": csrf(page), "name": "Khu chợ đêm", "opened_on": "05/11/2026",
                                          "ward": HAM_RONG}, follow_redirects=False)
    assert made.status_code == 303, made.text[:500]
    stored = execute(database_url, "SELECT opened_on FROM hotspots WHERE name = 'Khu chợ đêm'")
    assert [str(d) for (d,) in stored] == ["2026-11-05"]
    wrong = police.post("/hotspots", data={"_csrf_token": csrf(page), "name": "Khu sai", "opened_on": "31/02/2026",
                                           "ward": HAM_RONG}, follow_redirects=False)
    assert wrong.status_code == 422 and "“31/02/2026”" in wrong.text
    assert execute(database_url, "SELECT count(*) FROM hotspots WHERE name = 'Khu sai'") == [(0,)]

    lead = as_user("teamlead")
    listed = lead.get("/registry", params={"last": "since", "day": "01/06/2023"})
    assert listed.status_code == 200 and 'value="01/06/2023"' in listed.text and 'type="date"' not in listed.text
    assert lead.get("/registry", params={"last": "since", "day": "2023-06-01"}).text.count("<tr") == \
        listed.text.count("<tr")  # the same filter whichever way the day is written
    bad = lead.get("/registry", params={"last": "since", "day": "31/02/2023"})
    assert bad.status_code == 400 and "“31/02/2023”" in bad.text
