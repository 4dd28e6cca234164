"""Risk-ranked targets: a ward's active businesses not inspected in the year, each part of the score shown."""

from __future__ import annotations

from datetime import UTC, date, datetime

from server.planning.targets import TYPE_WEIGHTS, WEIGHTS
from server.tips.models import Hotspot, Tip
from tests.dbs import execute, run

HAM_RONG = "14755"
XSS = "<img src=x onerror=alert(1)>"


def add(url: str, *rows: object) -> None:
    from server.db import make_sessionmaker

    async def go(engine) -> None:  # type: ignore[no-untyped-def]
        async with make_sessionmaker(engine)() as session, session.begin():
            session.add_all(rows)

    run(go, url)


def test_targets_are_uninspected_active_businesses_ordered_by_a_visible_score(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    body = as_user("teamlead").get("/api/v1/targets", params={"ward": HAM_RONG, "year": 2023}).json()
    assert body["ward"] == HAM_RONG and body["year"] == 2023 and body["as_of"] == "2023-12-31"
    ids = [t["id"] for t in body["items"]]
    assert ids and body["total"] == len(ids)
    inspected = {r[0] for r in execute(database_url, "SELECT establishment_id FROM inspections WHERE year = 2023 "
                                                     "AND review_state <> 'rejected'")}  # a rejected visit is none
    assert not inspected & set(ids)
    ward_active = {r[0] for r in execute(database_url, "SELECT e.id FROM establishments e JOIN wards w ON "
                                         "w.id = e.ward_id WHERE w.code = :c AND e.status = 'active'", {"c": HAM_RONG})}
    assert set(ids) == ward_active - inspected
    scores = [t["score"] for t in body["items"]]
    assert scores == sorted(scores, reverse=True)
    for t in body["items"]:
        assert abs(t["score"] - sum(t["parts"].values())) < 0.05
        assert t["parts"]["type"] == TYPE_WEIGHTS[t["type"]]
    assert body["weights"]["never_inspected"] == WEIGHTS["never_inspected"]


def test_history_violations_tips_and_hotspots_raise_the_score(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    # In 2024 the businesses inspected in 2023 are candidates again, with months since and violations.
    row = execute(database_url, "SELECT i.establishment_id, e.lat, e.lon FROM inspections i JOIN establishments e "
                                "ON e.id = i.establishment_id JOIN wards w ON w.id = e.ward_id WHERE w.code = :c "
                                "ORDER BY i.id LIMIT 1", {"c": HAM_RONG})[0]
    eid, lat, lon = row
    execute(database_url, "UPDATE inspections SET violation_count = 2 WHERE establishment_id = :e", {"e": eid})
    now = datetime(2024, 3, 1, tzinfo=UTC)
    ward_id = execute(database_url, "SELECT id FROM wards WHERE code = :c", {"c": HAM_RONG})[0][0]
    add(database_url,
        Tip(received_at=now, channel="hotline", establishment_id=eid, ward_id=ward_id, description="x"),
        Tip(received_at=now, channel="hotline", lat=lat + 0.001, lon=lon, ward_id=ward_id, description="near"),
        Tip(received_at=now, channel="hotline", lat=lat + 0.01, lon=lon, ward_id=ward_id, description="far"),
        Tip(received_at=now, channel="hotline", establishment_id=eid, status="resolved", description="done"),
        Hotspot(name="h", ward_id=ward_id, lat=lat, lon=lon + 0.001, opened_on=date(2024, 1, 1)),
        Hotspot(name="gone", ward_id=ward_id, lat=lat, lon=lon, status="eradicated", opened_on=date(2024, 1, 1)))
    body = as_user("teamlead").get("/api/v1/targets", params={"ward": HAM_RONG, "year": 2024}).json()
    t = next(t for t in body["items"] if t["id"] == eid)
    assert (t["open_tips"], t["active_hotspots"]) == (2, 1)  # linked + 110 m; not 1.1 km, resolved, eradicated
    assert t["violations_before"] >= 2
    assert t["parts"]["violations"] == min(t["violations_before"] * WEIGHTS["per_violation"], WEIGHTS["violations_cap"])
    assert t["parts"]["tips"] == 2 * WEIGHTS["per_tip"] and t["parts"]["hotspots"] == WEIGHTS["per_hotspot"]
    assert t["parts"]["never_inspected"] == 0 and t["months_since_last"] is not None
    assert t["parts"]["months_since_last"] == min(t["months_since_last"], WEIGHTS["months_cap"])


def test_ward_police_only_their_wards_and_the_page_escapes_names(as_user, database_url) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    assert police.get("/api/v1/targets", params={"ward": "14758", "year": 2023}).status_code == 404
    assert police.get("/api/v1/targets", params={"ward": HAM_RONG, "year": 2023}).status_code == 200
    assert as_user("inspector1").get("/api/v1/targets", params={"ward": HAM_RONG, "year": 2023}).status_code == 403
    body = police.get("/api/v1/targets", params={"ward": HAM_RONG, "year": 2023}).json()
    execute(database_url, "UPDATE establishments SET name = :n WHERE id = :i", {"n": XSS, "i": body["items"][0]["id"]})
    page = as_user("teamlead").get("/targets", params={"ward": HAM_RONG, "year": 2023}).text
    assert XSS not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert 'name="id"' in page and 'action="/routes"' in page
    assert "Phường Đông Thọ" not in police.get("/targets").text
