"""Creating and editing businesses through the API and the pages: the ward follows the point (inside,
outside, on a shared border), overrides need a reason, duplicates warn, edits are audited, roles and scope."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import shapely
from shapely.geometry import shape

from tests.dbs import execute

WARDS = Path(__file__).parents[1] / "seed" / "data" / "thanh-hoa-city-wards-2023.geojson"
HAM_RONG, DONG_THO = "14755", "14758"
XSS = "<img src=x onerror=alert(1)>"


def ward_shapes() -> dict[str, shapely.Geometry]:
    return {f["properties"]["code"]: shape(f["geometry"]) for f in json.loads(WARDS.read_text())["features"]}


def inside(code: str) -> tuple[float, float]:
    p = ward_shapes()[code].representative_point()
    return p.y, p.x


def shared_border() -> tuple[float, float, set[str]]:
    """A point in the middle of a border shared by two wards, and the wards touching it."""
    shapes = ward_shapes()
    for a, b in sorted((a, b) for a in shapes for b in shapes if a < b):
        edge = shapes[a].boundary.intersection(shapes[b].boundary)
        if edge.length > 0.001:
            p = edge.interpolate(0.5, normalized=True) if edge.geom_type == "LineString" else \
                shapely.line_merge(edge).geoms[0].interpolate(0.5, normalized=True) \
                if shapely.line_merge(edge).geom_type == "MultiLineString" else \
                shapely.line_merge(edge).interpolate(0.5, normalized=True)
            touching = {c for c, s in shapes.items() if s.distance(p) < 1e-9}
            return p.y, p.x, touching
    raise AssertionError("no shared border")


def new_business(**over: object) -> dict[str, object]:
    lat, lon = inside(HAM_RONG)
    return {"name": "Karaoke Thử Nghiệm", "type": "karaoke", "address": "1 Lê Lợi", "lat": lat, "lon": lon,
            "business_reg_no": "TEST-0001", **over}


def test_create_puts_the_business_in_the_ward_at_its_point_and_audits(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    response = lead.post("/api/v1/establishments", json=new_business())
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["ward"] == HAM_RONG and body["ward_override_reason"] is None
    events = execute(database_url, "SELECT action, target_id FROM audit_events WHERE action LIKE 'establishment.%'")
    assert ("establishment.create", str(body["id"])) in events
    assert lead.get(f"/api/v1/establishments/{body['id']}").json()["name"] == "Karaoke Thử Nghiệm"


def test_ward_lookup_inside_outside_and_on_a_shared_border(as_user) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    lat, lon = inside(DONG_THO)
    assert lead.get("/api/v1/wards/locate", params={"lat": lat, "lon": lon}).json()["ward"] == DONG_THO
    assert lead.get("/api/v1/wards/locate", params={"lat": 21.03, "lon": 105.85}).json()["ward"] is None
    blat, blon, touching = shared_border()
    assert len(touching) == 2
    found = lead.get("/api/v1/wards/locate", params={"lat": blat, "lon": blon}).json()["ward"]
    assert found == min(touching)
    created = lead.post("/api/v1/establishments", json=new_business(lat=blat, lon=blon, business_reg_no=None))
    assert created.status_code == 201 and created.json()["ward"] == min(touching)
    outside = lead.post("/api/v1/establishments", json=new_business(lat=21.03, lon=105.85, business_reg_no=None))
    assert outside.status_code == 422
    assert outside.json()["errors"][0]["code"] == "outside_city"


def test_overriding_the_ward_needs_a_reason_which_is_kept(as_user) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    refused = lead.post("/api/v1/establishments", json=new_business(ward=DONG_THO))
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["path"] == "ward_override_reason"
    ok = lead.post("/api/v1/establishments",
                   json=new_business(ward=DONG_THO, ward_override_reason="Giấy phép do phường Đông Thọ cấp"))
    assert ok.status_code == 201 and ok.json()["ward"] == DONG_THO
    assert ok.json()["ward_override_reason"] == "Giấy phép do phường Đông Thọ cấp"
    # an edit that does not move the point keeps the override
    edited = lead.patch(f"/api/v1/establishments/{ok.json()['id']}", json={"phone": "0901234567"})
    assert edited.json()["ward"] == DONG_THO and edited.json()["ward_override_reason"]


def test_duplicates_are_refused_until_confirmed(as_user) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    first = lead.post("/api/v1/establishments", json=new_business()).json()
    same_licence = lead.post("/api/v1/establishments", json=new_business(name="Nhà nghỉ Khác Hẳn", lat=None,
                                                                        lon=None, ward=HAM_RONG))
    assert same_licence.status_code == 409
    assert same_licence.json()["code"] == "possible_duplicate"
    assert same_licence.json()["errors"][0]["code"] == "same_licence"
    nearby = new_business(name="karaoke thu nghiem", business_reg_no=None, lat=first["lat"] + 0.0002)
    similar = lead.post("/api/v1/establishments", json=nearby)
    assert similar.status_code == 409 and similar.json()["errors"][0]["code"] == "similar_name_nearby"
    assert lead.post("/api/v1/establishments", json={**nearby, "confirm_duplicate": True}).status_code == 201
    other_name = lead.post("/api/v1/establishments", json={**nearby, "name": "Karaoke Hoàn Toàn Khác"})
    assert other_name.status_code == 201


def test_patch_moves_the_ward_with_the_point_and_audits_the_change(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    created = lead.post("/api/v1/establishments", json=new_business()).json()
    lat, lon = inside(DONG_THO)
    moved = lead.patch(f"/api/v1/establishments/{created['id']}", json={"lat": lat, "lon": lon, "rooms": 12})
    assert moved.status_code == 200, moved.text
    assert moved.json()["ward"] == DONG_THO and moved.json()["rooms"] == 12
    rows = execute(database_url, "SELECT before, after FROM audit_events WHERE action = 'establishment.update'")
    before, after = (json.loads(v) if isinstance(v, str) else v for v in rows[-1])
    assert after["rooms"] == 12 and before["rooms"] is None and "name" not in after
    bad = lead.patch(f"/api/v1/establishments/{created['id']}", json={"type": "casino"})
    assert bad.status_code == 400
    assert lead.patch(f"/api/v1/establishments/{created['id']}", json={"name": ""}).status_code == 400


@pytest.mark.parametrize("username", ["inspector1", "police.hamrong"])
def test_inspectors_and_ward_police_cannot_edit(as_user, username: str) -> None:  # type: ignore[no-untyped-def]
    client = as_user(username)
    one = client.get("/api/v1/establishments", params={"limit": 1}).json()["items"][0]
    assert client.post("/api/v1/establishments", json=new_business()).status_code == 403
    assert client.patch(f"/api/v1/establishments/{one['id']}", json={"name": "x"}).status_code == 403
    assert client.get("/registry/new").status_code == 403
    assert client.get(f"/registry/{one['id']}/edit").status_code == 403


def test_team_lead_confirms_a_proposed_point(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    created = lead.post("/api/v1/establishments",
                        json=new_business(lat=None, lon=None, ward=HAM_RONG, business_reg_no=None)).json()
    assert lead.post(f"/api/v1/establishments/{created['id']}/confirm-point").status_code == 409
    lat, lon = inside(HAM_RONG)
    execute(database_url, "UPDATE establishments SET proposed_lat = :a, proposed_lon = :o WHERE id = :i",
            {"a": lat, "o": lon, "i": created["id"]})
    waiting = lead.get("/api/v1/establishments", params={"proposed_point": "true"}).json()
    assert [e["id"] for e in waiting["items"]] == [created["id"]]
    confirmed = lead.post(f"/api/v1/establishments/{created['id']}/confirm-point").json()
    assert (confirmed["lat"], confirmed["lon"]) == (lat, lon) and confirmed["proposed_lat"] is None


def csrf(page: str) -> str:
    return re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)


def test_pages_create_and_edit_with_a_typed_point_and_escape_names(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    form = lead.get("/registry/new")
    assert form.status_code == 200 and 'id="pick-map"' in form.text and "/vendor/leaflet/leaflet.js" in form.text
    lat, lon = inside(HAM_RONG)
    fields = {"name": XSS, "type": "bar", "lat": str(lat), "lon": str(lon), "status": "active",
              "_csrf_token": csrf(form.text)}
    saved = lead.post("/registry/new", data=fields, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    detail = lead.get(saved.headers["location"])
    assert XSS not in detail.text and "&lt;img src=x onerror=alert(1)&gt;" in detail.text
    assert "Phường Hàm Rồng" in detail.text
    listing = lead.get("/registry", params={"q": "onerror"}).text
    assert XSS not in listing and "&lt;img" in listing
    edit = lead.get(saved.headers["location"] + "/edit").text
    assert XSS not in edit
    again = lead.post(saved.headers["location"] + "/edit",
                      data={**fields, "name": "Bar Đêm Xanh Mới", "ward": DONG_THO, "_csrf_token": csrf(edit)})
    assert again.status_code == 422 and "ward_override_reason" in again.text
    for client in (lead, as_user("police.hamrong"), as_user("cityoffice")):
        assert XSS not in client.get("/registry").text


def test_duplicate_warning_on_the_page_then_save_anyway(as_user) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    existing = lead.get("/api/v1/establishments", params={"ward": HAM_RONG, "limit": 1}).json()["items"][0]
    form = lead.get("/registry/new").text
    fields = {"name": "Bất kỳ", "type": "bar", "lat": "", "lon": "", "ward": HAM_RONG, "status": "active",
              "business_reg_no": existing["business_reg_no"], "_csrf_token": csrf(form)}
    warned = lead.post("/registry/new", data=fields)
    assert warned.status_code == 409 and 'name="confirm_duplicate"' in warned.text
    saved = lead.post("/registry/new", data={**fields, "confirm_duplicate": "1"}, follow_redirects=False)
    assert saved.status_code == 303


def test_ward_police_see_only_their_wards_in_the_registry_pages(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    other = city.get("/api/v1/establishments", params={"ward": DONG_THO, "limit": 1}).json()["items"][0]
    police = as_user("police.hamrong")
    page = police.get("/registry").text
    assert "Phường Đông Thọ" not in page and "Phường Hàm Rồng" in page
    assert police.get(f"/registry/{other['id']}").status_code == 404
    assert 'href="/registry/new"' not in page


def test_the_edit_form_shows_the_dates_as_people_write_them_and_keeps_them(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    """Saving the form without touching the dates keeps them (they used to come back blank and be cleared)."""
    lead = as_user("teamlead")
    eid = execute(database_url, "SELECT id FROM establishments WHERE status = 'active' AND type = 'bar' "
                                "ORDER BY id LIMIT 1")[0][0]
    assert lead.patch(f"/api/v1/establishments/{eid}", json={"opened_on": "2019-03-08"}).status_code == 200
    form = lead.get(f"/registry/{eid}/edit").text
    assert 'name="opened_on" value="08/03/2019"' in form
    fields = dict(re.findall(r'<input name="([a-z_]+)" value="([^"]*)"', form))
    fields |= {"type": "bar", "status": "active", "workers": "7", "_csrf_token": csrf(form)}
    saved = lead.post(f"/registry/{eid}/edit", data=fields, follow_redirects=False)
    assert saved.status_code == 303, saved.text[:300]
    body = lead.get(f"/api/v1/establishments/{eid}").json()
    assert body["opened_on"] == "2019-03-08" and body["workers"] == 7
    bad = lead.post(f"/registry/{eid}/edit", data=fields | {"opened_on": "31/02/2020"}, follow_redirects=False)
    assert bad.status_code == 422 and "dd/mm/yyyy" in bad.text
    assert bad.headers["content-type"].startswith("text/html")  # the form again, not its source as text
    assert "Ngày bắt đầu hoạt động: " in bad.text and "opened_on:" not in bad.text  # the field by its label
    assert lead.get(f"/api/v1/establishments/{eid}").json()["opened_on"] == "2019-03-08"
