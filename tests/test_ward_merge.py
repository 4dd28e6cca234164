"""Units that merge: the city's real 2019 merger (Resolution 786/NQ-UBTVQH14, in force 2019-12-01).

A fresh database gets the 37 units of 2013 (from the CLI), businesses inside every unit (points inside the
three merged pairs and elsewhere, a few without a point) and inspections in 2018; then an admin imports the
34 units of 2023 valid from 2019-12-01. 2018 is still counted in the 37 units with the same figures, 2020 in
the 34, the merged wards' counts are the sums of their parts, nothing is lost, and user scopes follow.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from litestar.testing import TestClient

from maps.units import UnitsProblem, derive_mapping, read_units
from maps.wards import WardIndex
from server.app import create_app
from server.settings import Settings
from tests.conftest import DEMO_PASSWORD, SECRET, login
from tests.dbs import Databases, execute, run

OLD = Path(__file__).parent / "data" / "thanh-hoa-city-wards-2013-source.geojson"
NEW = Path(__file__).parents[1] / "seed" / "data" / "thanh-hoa-city-wards-2023.geojson"
#: new code -> the old codes it was made of (seed/data/README.md, "The three dissolves")
MERGED = {"15913": ["15868", "15913"], "15922": ["15922", "16009"], "16435": ["16379", "16435"]}
NO_POINT = ["16009", "14755"]  # one business without a point: in a merged unit and in an unchanged one


def _utc(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


async def _populate(engine: Any) -> None:
    """Users, a form, businesses in every 2013 unit, inspections in 2018 (one visit recorded in 2020 in an
    old unit, as if the import came late), plans for 2018 and 2020."""
    from sqlalchemy import select
    from sqlalchemy.ext.asyncio import AsyncSession

    from server.auth import UserIn, create_user
    from server.auth.models import Role, User
    from server.inspections.models import FormVersion, Inspection
    from server.planning.models import Plan
    from server.registry import record_versions
    from server.registry.models import Establishment
    from server.wards.models import Ward

    index = WardIndex.from_geojson(json.loads(OLD.read_text(encoding="utf-8")))
    rng = random.Random(2019)
    async with AsyncSession(engine) as session, session.begin():
        await create_user(session, None, UserIn(username="admin", full_name="Quản trị", password=DEMO_PASSWORD,
                                                roles=[Role.ADMIN]))
        await create_user(session, None, UserIn(username="city", full_name="Thành phố", password=DEMO_PASSWORD,
                                                roles=[Role.CITY_OFFICE]))
        await create_user(session, None, UserIn(username="police.taoxuyen", full_name="CA Tào Xuyên",
                                                password=DEMO_PASSWORD, roles=[Role.WARD_POLICE],
                                                wards=["15868", "15913"]))
        inspector = await session.scalar(select(User.id).where(User.username == "city"))
        form = FormVersion(form_id="karaoke", version=1, definition={}, sha256="0" * 64)
        session.add(form)
        session.add_all(Plan(year=y, title=f"Kế hoạch {y}", starts_on=date(y, 1, 1), ends_on=date(y, 12, 31))
                        for y in (2018, 2020))
        wards = {w.code: w.id for w in await session.scalars(select(Ward))}
        businesses = []
        for code in sorted(wards):
            count = 3 if any(code in parts for parts in MERGED.values()) else 2
            for n in range(count):
                lat, lon = index.random_point_in(code, rng)
                businesses.append(Establishment(ward_id=wards[code], type="karaoke", name=f"Karaoke {code}-{n}",
                                                lat=lat, lon=lon, opened_on=date(2015, 1, 1)))
            if code in NO_POINT:
                businesses.append(Establishment(ward_id=wards[code], type="bar", name=f"Quán {code} không tọa độ",
                                                opened_on=date(2015, 1, 1)))
        session.add_all(businesses)
        await session.flush()
        await record_versions(session, None, date(2015, 1, 1))
        visits = [(b, _utc(2018, 6, 15)) for b in businesses if b.name.endswith("-0")]
        pointless = next(b for b in businesses if b.name == "Quán 16009 không tọa độ")
        visits.append((pointless, _utc(2018, 7, 1)))  # a business without a point, visited too
        late = next(b for b in businesses if b.name == "Karaoke 16379-1")
        visits.append((late, _utc(2020, 3, 2)))
        december = next(b for b in businesses if b.name == "Karaoke 16009-1")
        visits.append((december, _utc(2019, 12, 15)))  # after the merger, in the merger's year
        for b, at in visits:
            session.add(Inspection(uuid=str(uuid.uuid4()), establishment_id=b.id, ward_id=b.ward_id, year=at.year,
                                   inspector_id=inspector, form_version_id=form.id, started_at=at,
                                   submitted_at=at, outcome="compliant", body_sha256="0" * 64))


def _figures(client: TestClient, year: int) -> dict[str, tuple[int, int]]:
    body = client.get("/api/v1/coverage", params={"year": year}).json()
    return {w["code"]: (w["active"], w["inspected"]) for w in body["wards"]}


@pytest.fixture
def city_2013(databases: Databases, tmp_path: Path) -> Iterator[tuple[Settings, str]]:
    """A fresh database with the 2013 units loaded by the CLI, and its businesses and inspections."""
    from server.cli import main
    from server.migrate import upgrade

    url = databases.new()
    run(upgrade, url)
    env = {"KIEMTRA_DATABASE_URL": url, "KIEMTRA_SECRET_KEY": SECRET, "KIEMTRA_DATA_DIR": str(tmp_path / "data")}
    result = CliRunner().invoke(main, ["wards", "import", str(OLD), "--from", "2013-01-01"], env=env)
    assert result.exit_code == 0, result.output
    assert "37 units from 2013-01-01, 0 ended" in result.output
    run(_populate, url)
    yield Settings(database_url=url, data_dir=str(tmp_path / "data"), secret_key=SECRET,
                   demo_password=DEMO_PASSWORD, tile_url=""), url


def _post(client: TestClient, path: Path, valid_from: str, mapping: str | None = None) -> Any:
    data = {"valid_from": valid_from} | ({"mapping": mapping} if mapping is not None else {})
    return client.post("/api/v1/wards/imports", data=data,
                       files={"file": (path.name, path.read_bytes(), "application/geo+json")})


def test_the_2019_merger_keeps_2018_in_37_units_and_counts_2020_in_34(city_2013: tuple[Settings, str]) -> None:
    settings, url = city_2013
    with TestClient(create_app(settings)) as admin, TestClient(create_app(settings)) as city, \
            TestClient(create_app(settings)) as police:
        login(admin, "admin"), login(city, "city"), login(police, "police.taoxuyen")
        before_2018 = _figures(city, 2018)
        assert len(before_2018) == 37
        assert sum(a for a, _ in before_2018.values()) == 2 * 37 + 6 + 2  # 3 in each merged part, 2 points-less
        assert sum(i for _, i in before_2018.values()) == 37 + 1

        response = _post(admin, NEW, "2019-12-01")
        assert response.status_code == 201, response.text
        report = response.json()
        assert (report["ended"], report["created"], report["valid_from"]) == (37, 34, "2019-12-01")
        assert report["moved"] == 2 * 37 + 6 + 2 and report["unplaced"] == 0
        assert (report["by_point"], report["by_mapping"]) == (2 * 37 + 6, 2)
        for new, olds in MERGED.items():
            assert all(report["mapping"][old] == [new] for old in olds)
        rows = {w["code"]: w for w in report["wards"]}
        assert rows["16009"]["by_mapping"] == 1 and rows["16009"]["to"] == ["15922"]
        assert rows["15868"]["by_point"] == 3 and rows["15868"]["to"] == ["15913"]
        assert report["visits_moved"] == 2 and report["users"] == 1

        # 2018: the 37 units, figures unchanged
        assert _figures(city, 2018) == before_2018
        # 2020: the 34 units, merged wards the sums of their parts, nothing lost
        after = _figures(city, 2020)
        assert len(after) == 34
        for new, olds in MERGED.items():
            assert after[new][0] == sum(before_2018[o][0] for o in olds) == 6 + (new == "15922")
        for code, (active, _) in after.items():
            if code not in MERGED:
                assert active == before_2018[code][0]
        assert sum(a for a, _ in after.values()) == sum(a for a, _ in before_2018.values())
        assert after["16435"][1] == 1 and sum(i for _, i in after.values()) == 1  # the visit of March 2020
        # 2019 has no plan: counted in the units of 1 January 2019, the 37, on the registry of their last day
        # (30/11/2019), a visit in December in the new Long Anh counted in the Hoằng Anh its business was in
        in_2019 = _figures(city, 2019)
        assert {code: active for code, (active, _) in in_2019.items()} == \
            {code: active for code, (active, _) in before_2018.items()}
        assert {code: n for code, (_, n) in in_2019.items() if n} == {"16009": 1}
        assert city.get("/api/v1/coverage", params={"year": 2019}).json()["months"] == [0] * 11 + [1]

        # the ward police of the old Tào Xuyên and Hoằng Lý now also hold the new Tào Xuyên
        assert [w["code"] for w in police.get("/api/v1/wards").json()] == ["15913"]
        assert set(_figures(police, 2020)) == {"15913"} and set(_figures(police, 2018)) == {"15868", "15913"}
        # the registry's wards are the new ones; the audit says so
        assert len(admin.get("/api/v1/wards").json()) == 34
        events = execute(url, "SELECT action, target_id FROM audit_events WHERE action = 'ward.import'")
        assert len(events) == 2 and events[-1][1] == "2019-12-01"
        # the versions kept 2018's wards: one version until 2019-12-01, the next from then
        moved = execute(url, "SELECT count(*) FROM establishment_versions WHERE recorded_from = '2019-12-01'")
        assert moved[0][0] == 2 * 37 + 6 + 2


def test_a_ward_report_uses_the_units_its_year_counts_in(city_2013: tuple[Settings, str]) -> None:
    """A plan that starts after a merger counts its year in the new units: its ward reports (T5–T11) take the
    same units as its coverage, not those of 1 January."""
    settings, _ = city_2013
    with TestClient(create_app(settings)) as admin, TestClient(create_app(settings)) as city:
        login(admin, "admin"), login(city, "city")
        assert _post(admin, NEW, "2019-12-01").status_code == 201
        plan = city.post("/api/v1/plans", json={"year": 2019, "starts_on": "2019-12-01", "ends_on": "2019-12-31"})
        assert plan.status_code == 201, plan.text
        assert "16009" not in _figures(city, 2019) and "15922" in _figures(city, 2019)  # Hoằng Anh merged away
        assert city.get("/api/v1/plans/2019/wards/16009").status_code == 404
        assert city.get("/api/v1/plans/2019/wards/16009/activities").status_code == 404
        assert city.get("/api/v1/plans/2019/wards/15922").status_code == 200
        assert city.get("/api/v1/plans/2018/wards/16009").status_code == 200  # 2018 still has the 37 units


def test_an_import_is_refused_whole_when_something_is_wrong(city_2013: tuple[Settings, str]) -> None:
    settings, url = city_2013
    with TestClient(create_app(settings)) as admin, TestClient(create_app(settings)) as city:
        login(admin, "admin"), login(city, "city")
        assert _post(city, NEW, "2019-12-01").status_code == 403
        bad_date = _post(admin, NEW, "01-12-2019")
        assert bad_date.status_code == 422 and bad_date.json()["errors"][0]["path"] == "valid_from"
        unknown = _post(admin, NEW, "2019-12-01", json.dumps({"99999": "15913", "16009": "00001"}))
        assert unknown.status_code == 422
        assert {e["path"] for e in unknown.json()["errors"]} == {"mapping.99999", "mapping.16009"}
        assert _post(admin, NEW, "2019-12-01", "[1, 2]").status_code == 422
        assert _post(admin, NEW, "2019-12-01", "[" * 100_000).status_code == 422
        deep = Path(settings.data_dir).parent / "deep.geojson"
        deep.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
        assert _post(admin, deep, "2019-12-01").status_code == 422
        odd = {"type": "FeatureCollection", "features": [
            {"properties": {"code": "1", "name": "A", "full_name": "Phường A", "kind": "phường"}, "geometry": g}
            for g in ({"type": "Polygon", "coordinates": [[1]]}, {"type": "Point", "coordinates": [105, 19]},
                      {"type": "Polygon"}, "x", [])]}
        deep.write_text(json.dumps(odd), encoding="utf-8")
        assert _post(admin, deep, "2019-12-01").status_code == 422
        broken = json.loads(NEW.read_text(encoding="utf-8"))
        broken["features"][2]["properties"]["kind"] = "thị trấn"
        del broken["features"][5]["properties"]["code"]
        path = Path(settings.data_dir).parent / "broken.geojson"
        path.write_text(json.dumps(broken), encoding="utf-8")
        bad_file = _post(admin, path, "2019-12-01")
        assert bad_file.status_code == 422
        assert {e["path"] for e in bad_file.json()["errors"]} == {"file.features[2].properties.kind",
                                                                 "file.features[5].properties.code"}
        assert _post(admin, NEW, "2012-06-01").status_code == 409  # before the set in force
        assert execute(url, "SELECT count(*) FROM wards") == [(37,)]
        assert execute(url, "SELECT count(*) FROM wards WHERE valid_to IS NOT NULL") == [(0,)]


def test_an_explicit_mapping_places_businesses_without_a_point(city_2013: tuple[Settings, str]) -> None:
    settings, url = city_2013
    with TestClient(create_app(settings)) as admin:
        login(admin, "admin")
        mapping = json.dumps({"16009": "16435", "14755": ["14755", "14758"]})  # odd on purpose
        report = _post(admin, NEW, "2019-12-01", mapping).json()
        rows = {w["code"]: w for w in report["wards"]}
        assert rows["16009"]["by_mapping"] == 1 and "16435" in rows["16009"]["to"]
        assert rows["14755"]["unplaced"] == 1 and report["unplaced"] == 1  # two targets: left where it was
        stays = execute(url, "SELECT w.valid_to FROM establishments e JOIN wards w ON w.id = e.ward_id "
                             "WHERE e.name = 'Quán 14755 không tọa độ'")
        assert str(stays[0][0])[:10] == "2019-11-30"


def test_the_import_page_shows_the_report(city_2013: tuple[Settings, str]) -> None:
    settings, _ = city_2013
    with TestClient(create_app(settings)) as admin:
        login(admin, "admin")
        page = admin.get("/admin/wards/import")
        assert page.status_code == 200 and "/admin/wards/import" in admin.get("/").text
        token = page.text.split('name="_csrf_token" value="', 1)[1].split('"', 1)[0]
        wrong = admin.post("/admin/wards/import", data={"_csrf_token": token, "valid_from": "31/02/2019"},
                           files={"file": (NEW.name, NEW.read_bytes(), "application/geo+json")})
        assert wrong.status_code == 422 and 'id="ward-import-errors"' in wrong.text
        assert "ngày hiệu lực không hợp lệ: nhập dd/mm/yyyy" in wrong.text
        broken = json.loads(NEW.read_text(encoding="utf-8"))
        broken["features"][2]["properties"]["kind"] = "thị trấn"
        refused = admin.post("/admin/wards/import", data={"_csrf_token": token, "valid_from": "01/12/2019"},
                             files={"file": ("broken.geojson", json.dumps(broken).encode(), "application/geo+json")})
        assert refused.status_code == 422 and "Đơn vị thứ 3, thuộc tính kind: loại phải là phường hoặc xã" in \
            refused.text and "file.features" not in refused.text
        done = admin.post("/admin/wards/import", data={"_csrf_token": token, "valid_from": "01/12/2019"},
                          files={"file": (NEW.name, NEW.read_bytes(), "application/geo+json")})
        assert done.status_code == 200, done.text
        assert "01/12/2019" in done.text and done.text.count("<tr data-code=") == 37
        assert "censusVN2009" in done.text


def test_the_mapping_is_derived_from_merged_from_and_identical_codes() -> None:
    old = [(f["properties"]["code"], f["properties"]["full_name"])
           for f in json.loads(OLD.read_text(encoding="utf-8"))["features"]]
    new = read_units(json.loads(NEW.read_text(encoding="utf-8")))
    mapping = derive_mapping(old, new)
    assert len(mapping) == 37 and {t for targets in mapping.values() for t in targets} == {u.code for u in new}
    assert {old: targets[0] for old, targets in mapping.items() if old != targets[0]} == {
        "15868": "15913", "16009": "15922", "16379": "16435"}
    with pytest.raises(UnitsProblem) as caught:
        read_units({"type": "FeatureCollection", "features": [{"properties": {"code": "1"}, "geometry": None}]})
    assert {p for p, _ in caught.value.problems} == {"features[0].properties.name", "features[0].properties.full_name",
                                                    "features[0].properties.kind", "features[0].geometry"}


def test_a_point_just_outside_every_unit_goes_to_the_nearest_one_far_outside_to_none() -> None:
    from maps.units import place

    index = WardIndex.from_geojson(json.loads(NEW.read_text(encoding="utf-8")))
    west, south, _, _ = index.city_outline().bounds
    lat, lon = index.random_point_in("15913", random.Random(1))
    assert place(index, lat, lon) == index.locate(lat, lon) == "15913"
    corner = min(index.codes, key=lambda c: index.geometry(c).bounds[0])  # the unit reaching furthest west
    y = index.geometry(corner).representative_point().y
    x = min(px for px, py in index.geometry(corner).exterior.coords if abs(py - y) < 0.01)
    assert index.locate(y, x - 0.005) is None  # about 500 m west of the city
    assert place(index, y, x - 0.005) == corner
    assert place(index, y, x - 0.05) is None  # about 5 km: too far to guess
    assert place(index, south - 1, west - 1) is None
