"""Issue 18, one test per finding about data: the reporter's protection cannot be self-granted, a hotspot
from a tip stays in the user's wards, spreadsheet bombs, formula cells, bounded dates, ?next=, pixels."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from litestar.testing import TestClient

from server.cells import neutralise
from server.errors import AppError
from server.inspections.attachments import inspect_image
from server.redirects import safe_next
from tests.dbs import execute
from tests.spreadsheet_bombs import BOMBS
from tests.submissions import body, image, new_uuid

HAM_RONG, DONG_THO = "14755", "14758"
REPORTER, CONTACT = "Trần Thị Báo", "0912 345 678"


def act(client: TestClient, tip_id: int, action: str, **fields: object):  # type: ignore[no-untyped-def]
    return client.post(f"/api/v1/tips/{tip_id}/actions", json={"action": action, **fields})


def protected_tip(client: TestClient) -> int:
    response = client.post("/api/v1/tips", json={"channel": "hotline", "ward": HAM_RONG, "category": "TG",
                                                  "reporter_name": REPORTER, "reporter_contact": CONTACT})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


# --- 2. the reporter's protection ---

def test_ward_police_cannot_grant_themselves_the_reporter(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    tid = protected_tip(police)
    assert act(police, tid, "assign", handler="police.hamrong").status_code == 200  # may hold the tip
    for path in (f"/api/v1/tips/{tid}/reporter",):
        refused = police.post(path)
        assert refused.status_code == 403 and refused.json()["code"] == "reporter_protected"
        assert REPORTER not in refused.text and CONTACT not in refused.text
    page = police.get(f"/tips/{tid}").text
    assert REPORTER not in page and f'action="/tips/{tid}/reporter"' not in page
    assert police.get(f"/api/v1/tips/{tid}").json()["may_reveal_reporter"] is False
    views = execute(database_url, "SELECT count(*) FROM audit_events WHERE action = 'tip.reporter_viewed'")[0][0]
    assert views == 0


def test_the_city_office_decides_who_may_see_the_reporter(as_user) -> None:  # type: ignore[no-untyped-def]
    police, city = as_user("police.hamrong"), as_user("cityoffice")
    tid = protected_tip(police)
    assert act(city, tid, "assign", handler="police.hamrong").status_code == 200
    assert police.get(f"/api/v1/tips/{tid}").json()["may_reveal_reporter"] is True
    assert police.post(f"/api/v1/tips/{tid}/reporter").json()["reporter_name"] == REPORTER
    # reassigned by ward police (even to the same person): the city office's designation is gone
    assert act(police, tid, "assign", handler="police.hamrong").status_code == 200
    assert police.post(f"/api/v1/tips/{tid}/reporter").status_code == 403
    assert city.post(f"/api/v1/tips/{tid}/reporter").json()["reporter_contact"] == CONTACT


# --- 3. a hotspot from a tip is checked against the user's wards ---

def test_a_hotspot_from_a_tip_moved_to_another_ward_is_a_404(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    police, city = as_user("police.hamrong"), as_user("cityoffice")
    tip = police.post("/api/v1/tips", json={"channel": "hotline", "ward": HAM_RONG}).json()
    # the city office classifies it into another ward; ward police still see the tip they entered
    assert act(city, tip["id"], "classify", category="TC", ward=DONG_THO).status_code == 200
    assert police.get(f"/api/v1/tips/{tip['id']}").status_code == 200
    before = execute(database_url, "SELECT count(*) FROM hotspots")[0][0]
    api = police.post("/api/v1/hotspots", json={"name": "Điểm thử", "tip_id": tip["id"]})
    assert api.status_code == 404, api.text
    page = police.get("/hotspots").text
    token = page.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    form = police.post("/hotspots", data={"_csrf_token": token, "name": "Điểm thử", "tip_id": str(tip["id"])},
                       follow_redirects=False)
    assert form.status_code == 404, form.text
    assert execute(database_url, "SELECT count(*) FROM hotspots")[0][0] == before
    # the city office (every ward) may open it
    assert city.post("/api/v1/hotspots", json={"name": "Điểm thử", "tip_id": tip["id"]}).json()["ward"] == DONG_THO


# --- 4. spreadsheet bombs are refused before parsing ---

@pytest.mark.parametrize(("make", "code"), BOMBS, ids=[code for _, code in BOMBS])
def test_spreadsheet_bombs_are_refused_before_parsing(as_user, database_url: str, make,  # type: ignore[no-untyped-def]
                                                      code: str) -> None:
    data = make()
    assert len(data) < 1024 * 1024
    lead = as_user("teamlead")
    before = execute(database_url, "SELECT count(*) FROM establishments")[0][0]
    for params in ({}, {"stream": "1"}):
        response = lead.post("/api/v1/imports/establishments", params=params, files={"file": ("bomb.xlsx", data)})
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["code"] == code and problem["errors"][0]["path"] == "file"
        assert "Tệp Excel" in problem["detail"] or "Trang tính" in problem["detail"]  # Vietnamese by default
    page = lead.get("/registry/import").text
    token = page.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
    html = lead.post("/registry/import", data={"_csrf_token": token}, files={"file": ("bomb.xlsx", data)})
    assert html.status_code == 422 and code in html.text
    assert execute(database_url, "SELECT count(*) FROM import_uploads")[0][0] == 0  # nothing stored
    assert execute(database_url, "SELECT count(*) FROM establishments")[0][0] == before


# --- 5. formula cells ---

@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_every_formula_start_is_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value
    assert neutralise("Nhà nghỉ " + value) == "Nhà nghỉ " + value
    assert neutralise(42) == 42


def test_tip_export_neutralises_tab_and_cr(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    tid = city.post("/api/v1/tips", json={"channel": "hotline", "ward": HAM_RONG}).json()["id"]
    execute(database_url, "UPDATE tips SET address = :a WHERE id = :i", {"a": "\t=HYPERLINK(\"x\")", "i": tid})
    rows = list(csv.reader(io.StringIO(city.get("/tips/export.csv").text.lstrip("\ufeff"))))
    column = rows[0].index("address")
    assert next(r for r in rows[1:] if r[0] == str(tid))[column] == "'\t=HYPERLINK(\"x\")"


# --- 6. dates within a sane window ---

def inspections(database_url: str) -> int:
    return execute(database_url, "SELECT count(*) FROM inspections")[0][0]


@pytest.mark.parametrize("started", ["0001-01-01T08:00:00+07:00", "1900-05-01T08:00:00+07:00",
                                     "2019-12-31T23:59:00+07:00", "2099-01-01T08:00:00+07:00",
                                     "9999-12-31T08:00:00+07:00"])
def test_an_inspection_started_outside_the_window_is_refused(as_user, database_url: str, started: str) -> None:  # type: ignore[no-untyped-def]
    phone = as_user("inspector1")
    before = inspections(database_url)
    sent = {**body(database_url), "started_at": started}
    response = phone.put(f"/api/v1/inspections/{new_uuid()}", json=sent)
    assert response.status_code == 422, response.text
    assert "started_at" in [e["path"] for e in response.json()["errors"]]
    assert inspections(database_url) == before


def test_submitted_before_started_is_refused(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    phone = as_user("inspector1")
    sent = body(database_url)
    started = datetime.fromisoformat(sent["started_at"])
    sent["submitted_at"] = (started - timedelta(minutes=1)).isoformat()
    response = phone.put(f"/api/v1/inspections/{new_uuid()}", json=sent)
    assert response.status_code == 422
    assert [(e["path"], e["code"]) for e in response.json()["errors"]] == [("submitted_at", "before_started_at")]


def test_a_phone_whose_clock_runs_ahead_is_judged_on_its_own_clock(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    phone = as_user("inspector1")
    ahead = timedelta(hours=2)
    sent = body(database_url)
    for key in ("started_at", "submitted_at"):
        sent[key] = (datetime.fromisoformat(sent[key]) + ahead).isoformat()
    refused = phone.put(f"/api/v1/inspections/{new_uuid()}", json=sent)
    assert refused.status_code == 422 and refused.json()["errors"][0]["code"] == "future"
    device = (datetime.now(UTC) + ahead).isoformat()
    kept = phone.put(f"/api/v1/inspections/{new_uuid()}", json=sent, headers={"X-Device-Time": device})
    assert kept.status_code == 201 and "clock_skew" in kept.json()["flags"]


@pytest.mark.parametrize("received", ["1900-01-01T08:00:00+07:00", "2019-06-01T08:00:00+07:00",
                                      "2099-01-01T08:00:00+07:00"])
def test_a_tip_received_outside_the_window_is_refused(as_user, database_url: str, received: str) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    before = execute(database_url, "SELECT count(*) FROM tips")[0][0]
    response = police.post("/api/v1/tips", json={"channel": "hotline", "ward": HAM_RONG, "received_at": received})
    assert response.status_code == 422, response.text
    assert [e["path"] for e in response.json()["errors"]] == ["received_at"]
    assert execute(database_url, "SELECT count(*) FROM tips")[0][0] == before


# --- 9. ?next= never leads off-site ---

@pytest.mark.parametrize("target", ["/\t/evil.example", "/\r/evil.example", "/\n/evil.example", "/\\evil.example",
                                    "\t//evil.example", "/%09/evil.example".replace("%09", "\x09"), "/\x00/evil",
                                    "//evil.example", "https://evil.example"])
def test_next_with_control_characters_never_renders_an_off_site_link(as_user, client: TestClient,  # type: ignore[no-untyped-def]
                                                                       target: str) -> None:
    logged_in = as_user("inspector1")
    for who in (client, logged_in):
        page = who.get("/login", params={"next": target}).text
        links = re.findall(r'(?:href|value)="([^"]*)"', page)
        assert all(not (link.startswith("//") or "evil" in link) for link in links), target
    assert safe_next(target) == "/"


# --- 10. pixels ---

@pytest.mark.parametrize(("size", "ok"), [((4096, 4096), True), ((1600, 1200), True), ((4097, 100), False),
                                          ((100, 5000), False), ((6000, 6000), False)])
def test_photos_are_capped_at_4096_px_a_side(size: tuple[int, int], ok: bool) -> None:
    data = image("PNG", size=size, mode="1")
    if ok:
        assert inspect_image(data).width == size[0]
    else:
        with pytest.raises(AppError) as refused:
            inspect_image(data)
        assert refused.value.status_code == 413 and refused.value.code == "too_many_pixels"


def test_a_36_megapixel_png_is_a_413(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    phone = as_user("inspector1")
    data = image("PNG", size=(6000, 6000), mode="1")
    assert len(data) < 64 * 1024
    uid = new_uuid()
    assert phone.put(f"/api/v1/inspections/{uid}", json=body(database_url)).status_code == 201
    response = phone.post(f"/api/v1/inspections/{uid}/attachments", files={"file": ("p.png", data, "image/png")})
    assert response.status_code == 413 and response.json()["code"] == "too_many_pixels"
