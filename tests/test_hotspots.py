"""The hotspot register: opened from a tip or an inspection, active → monitored → eradicated with evidence
and dates, counts per ward, a map layer without CDN and with escaped names, ward scope."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tests.dbs import execute

HAM_RONG, DONG_THO = "14755", "14758"
EVIL = "<img src=x onerror=alert(1)>"


def test_a_hotspot_from_a_tip_goes_from_active_to_eradicated(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    est = police.get("/api/v1/establishments", params={"ward": HAM_RONG, "limit": 1}).json()["items"][0]
    tip = police.post("/api/v1/tips", json={"channel": "hotline", "establishment_id": est["id"]}).json()
    spot = police.post("/api/v1/hotspots", json={"name": "Khu nhà nghỉ ven đê", "tip_id": tip["id"],
                                                 "evidence": "tin báo số " + str(tip["id"])})
    assert spot.status_code == 201, spot.text
    h = spot.json()
    assert (h["status"], h["ward"], h["establishment_id"], h["tip_id"]) == ("active", HAM_RONG, est["id"], tip["id"])
    assert h["lat"] == est["lat"] and date.fromisoformat(h["opened_on"]) <= date.today() + timedelta(days=1)
    url = f"/api/v1/hotspots/{h['id']}/status"
    assert police.post(url, json={"status": "eradicated", "evidence": "x"}).status_code == 409  # monitored first
    assert police.post(url, json={"status": "monitored", "evidence": ""}).status_code == 400  # evidence required
    monitored = police.post(url, json={"status": "monitored", "evidence": "đã kiểm tra, đình chỉ hoạt động"}).json()
    assert monitored["status"] == "monitored" and monitored["monitored_on"]
    future = (date.fromisoformat(h["opened_on"]) + timedelta(days=400)).isoformat()
    assert police.post(url, json={"status": "eradicated", "evidence": "x", "on": future}).status_code == 422
    done = police.post(url, json={"status": "eradicated", "evidence": "3 tháng không tái phát"}).json()
    assert done["status"] == "eradicated" and done["eradicated_on"]
    assert [e["status"] for e in done["history"]] == ["active", "monitored", "eradicated"]
    assert [e["evidence"] for e in done["history"]][1:] == ["đã kiểm tra, đình chỉ hoạt động", "3 tháng không tái phát"]
    actions = [r[0] for r in execute(database_url, "SELECT action FROM audit_events WHERE target_type = 'hotspot' "
                                                   "AND target_id = :h ORDER BY id", {"h": str(h["id"])})]
    assert actions == ["hotspot.create", "hotspot.status", "hotspot.status"]


def test_a_hotspot_from_an_inspection(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    uuid, est_id = execute(database_url, "SELECT i.uuid, i.establishment_id FROM inspections i JOIN wards w "
                                         "ON w.id = i.ward_id WHERE w.code = :c LIMIT 1", {"c": HAM_RONG})[0]
    response = as_user("cityoffice").post("/api/v1/hotspots", json={"name": "Quán karaoke", "inspection": uuid})
    assert response.status_code == 201, response.text
    assert response.json()["establishment_id"] == est_id and response.json()["ward"] == HAM_RONG


def test_counts_per_ward_and_scope(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    ham = city.post("/api/v1/hotspots", json={"name": "A", "ward": HAM_RONG}).json()
    city.post("/api/v1/hotspots", json={"name": "B", "ward": HAM_RONG})
    dong = city.post("/api/v1/hotspots", json={"name": "C", "ward": DONG_THO}).json()
    city.post(f"/api/v1/hotspots/{ham['id']}/status", json={"status": "monitored", "evidence": "theo dõi"})
    counts = {c["ward"]: c for c in city.get("/api/v1/hotspots/counts").json()}
    assert len(counts) == 34
    assert (counts[HAM_RONG]["active"], counts[HAM_RONG]["monitored"]) == (1, 1)
    assert counts[DONG_THO]["active"] == 1
    police = as_user("police.hamrong")
    assert [c["ward"] for c in police.get("/api/v1/hotspots/counts").json()] == [HAM_RONG]
    assert {h["name"] for h in police.get("/api/v1/hotspots").json()} == {"A", "B"}
    assert police.get(f"/api/v1/hotspots/{dong['id']}").status_code == 404
    assert police.post(f"/api/v1/hotspots/{dong['id']}/status",
                       json={"status": "monitored", "evidence": "x"}).status_code == 404
    assert police.post("/api/v1/hotspots", json={"name": "D", "ward": DONG_THO}).status_code == 422
    assert as_user("inspector1").post("/api/v1/hotspots", json={"name": "E", "ward": HAM_RONG}).status_code == 403


def test_the_map_layer_is_served_locally_and_escapes_names(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    est = city.get("/api/v1/establishments", params={"ward": HAM_RONG, "limit": 1}).json()["items"][0]
    city.post("/api/v1/hotspots", json={"name": EVIL, "establishment_id": est["id"]})
    page = city.get("/hotspots").text
    assert "/vendor/leaflet/leaflet.js" in page and "circleMarker" in page
    assert EVIL not in page
    assert "cdn" not in page.lower() and "unpkg" not in page
    assert city.get("/vendor/leaflet/leaflet.js").status_code == 200
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", page)
    assert inline and all("nonce=" in attrs for attrs in inline)  # the CSP lets only the request's scripts run
