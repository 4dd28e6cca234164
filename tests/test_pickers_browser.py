"""In real Chromium: the business picker finds a business by name and sends its id; the ward filter is picked by
name; route maps open on their stops (not the whole city) with a compact attribution on a phone."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.conftest import DEMO_PASSWORD
from tests.live import LiveServer
from tests.test_phone_browser import PHONE, execute

pytestmark = pytest.mark.browser
DESK = {"width": 1366, "height": 768}


def login(context: BrowserContext, url: str, username: str, next_path: str) -> Page:
    page = context.new_page()
    page.goto(f"{url}/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/login'] button, form[action='/login'] [type=submit]")
    page.wait_for_url(f"**{next_path}")
    return page


def test_the_business_picker_finds_by_name_and_sends_the_id(server: LiveServer, browser: Browser) -> None:
    eid, name = execute(server.database_url, "SELECT e.id, e.name FROM establishments e JOIN wards w ON "
                        "w.id = e.ward_id WHERE w.code = '14755' ORDER BY e.id")[0]
    context = browser.new_context(viewport=DESK, locale="vi-VN")
    page = login(context, server.url, "police.hamrong", "/hotspots")
    box = page.locator("form input.business-search")
    assert page.locator("form input[name=establishment_id]").get_attribute("type") == "hidden"
    box.fill(name[:12])
    option = page.locator("datalist option").first
    option.wait_for(state="attached")
    choice = next(v for v in page.locator("datalist option").evaluate_all("os => os.map(o => o.value)")
                  if v.startswith(name))
    box.fill(choice)
    page.wait_for_function("() => document.querySelector('form input[name=establishment_id]').value !== ''")
    assert page.locator("form input[name=establishment_id]").input_value() == str(eid)
    page.fill("input[name=name]", "Điểm chọn theo tên")
    page.click("form button.primary")
    page.wait_for_url("**/hotspots/*")
    made = execute(server.database_url, "SELECT establishment_id FROM hotspots WHERE name = 'Điểm chọn theo tên'")
    assert made == [(eid,)]
    context.close()


def test_the_inspection_list_filters_by_a_ward_chosen_by_name(server: LiveServer, browser: Browser) -> None:
    context = browser.new_context(viewport=DESK, locale="vi-VN")
    page = login(context, server.url, "cityoffice", "/inspections")
    page.select_option("#ward-filter", label="Phường Hàm Rồng")
    page.click("form.filters button")
    page.wait_for_url("**/inspections?ward=14755*")
    assert page.locator("#ward-filter").input_value() == "14755"
    for href in page.locator("p.paging a").evaluate_all("as => as.map(a => a.getAttribute('href'))"):
        assert "=&" not in href + "&" and "ward=14755" in href
    context.close()


MAP_STATE = """() => {
  const key = Object.keys(window).find(k => k.startsWith('map_') && window[k] && window[k].getBounds);
  const m = window[key], b = m.getBounds(), inside = [];
  m.eachLayer(l => { if (l instanceof L.Marker) inside.push(b.contains(l.getLatLng())); });
  const box = m.getContainer().getBoundingClientRect();
  const att = m.getContainer().querySelector('.leaflet-control-attribution').getBoundingClientRect();
  const lls = []; m.eachLayer(l => { if (l instanceof L.Marker) lls.push(l.getLatLng()); });
  const lat = lls.map(p => p.lat), lon = lls.map(p => p.lng);
  return {south: b.getSouth(), north: b.getNorth(), west: b.getWest(), east: b.getEast(), markers: inside.length,
          latSpan: Math.max(...lat) - Math.min(...lat), lonSpan: Math.max(...lon) - Math.min(...lon),
          allInside: inside.every(x => x), mapHeight: box.height, attributionHeight: att.height,
          numbers: [...m.getContainer().querySelectorAll('.kt-stop')].map(e => e.textContent)};
}"""


@pytest.mark.parametrize("viewport", [DESK, PHONE], ids=["desk", "phone"])
def test_a_route_map_fits_its_stops_with_the_list_beside_it(server: LiveServer, browser: Browser,
                                                            viewport: dict[str, int]) -> None:
    ids = [r[0] for r in execute(server.database_url, "SELECT e.id FROM establishments e JOIN wards w ON "
                                 "w.id = e.ward_id WHERE w.code = '14755' AND e.lat IS NOT NULL AND "
                                 "e.status = 'active' ORDER BY e.id LIMIT 6")]
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    query = "&".join(f"id={i}" for i in ids)
    page = login(context, server.url, "teamlead", "/")
    page.goto(f"{server.url}/routes?{query}")
    page.wait_for_function("() => Object.keys(window).some(k => k.startsWith('map_'))")
    state: dict[str, Any] = page.evaluate(MAP_STATE)
    assert state["markers"] >= len(ids) and state["allInside"], state
    # fitted to the stops: in the binding direction the view is at most a zoom step (x2) and a margin wider than
    # the stops, not the 34 wards' box
    tight = min((state["north"] - state["south"]) / (state["latSpan"] + 0.005),
                (state["east"] - state["west"]) / (state["lonSpan"] + 0.005))
    assert tight < 2.2, state
    assert [n for n in state["numbers"] if n.isdigit()] == [str(i) for i in range(1, len(ids) + 1)]
    assert page.locator("#stops li").count() == len(ids)
    map_box = page.locator(".map-with-list .map-box").bounding_box()
    stops_box = page.locator(".map-with-list #stops").bounding_box()
    assert map_box and stops_box
    if viewport == DESK:
        assert stops_box["x"] > map_box["x"] + map_box["width"] - 1  # the list beside the map
    else:
        assert stops_box["y"] >= map_box["y"] + map_box["height"] - 1  # below it on a phone
        assert state["attributionHeight"] < state["mapHeight"] * 0.1, state  # a compact attribution
    context.close()
