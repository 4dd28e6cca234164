"""Every API route refuses strangers (401) and wrong roles (403); ward police see only their wards."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings

#: Logging in, and checking a printed record's code (issue 17: anyone holding the code may ask).
PUBLIC_API = {("POST", "/api/v1/session"), ("GET", "/api/v1/verify/{content_hash:str}")}


def api_routes() -> list[tuple[str, str]]:
    app = create_app(Settings(secret_key="k" * 40, database_url="sqlite+aiosqlite:///:memory:"))
    out = []
    for route in app.routes:
        if not route.path.startswith("/api/"):
            continue
        for method in sorted(route.methods):
            if method in ("HEAD", "OPTIONS") or (method, route.path) in PUBLIC_API:
                continue
            out.append((method, re.sub(r"\{(\w+):int\}", "1", re.sub(r"\{(\w+):str\}", "x", route.path))))
    return out


@pytest.mark.parametrize(("method", "path"), api_routes())
def test_every_api_route_needs_a_login(client: TestClient, method: str, path: str) -> None:
    response = client.request(method, path, json={})
    if response.status_code == 415:  # an upload route takes only multipart: send it the kind it takes
        response = client.request(method, path, files={"file": ("x.bin", b"x", "application/octet-stream")})
    assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
    assert response.json()["code"] == "not_authenticated"


ADMIN_ONLY = [("GET", "/api/v1/users"), ("POST", "/api/v1/users"), ("PATCH", "/api/v1/users/1"),
              ("POST", "/api/v1/users/1/password")]
CITY_ONLY = [("GET", "/api/v1/audit/verify")]


@pytest.mark.parametrize("username", ["inspector1", "teamlead", "police.hamrong", "cityoffice"])
@pytest.mark.parametrize(("method", "path"), ADMIN_ONLY)
def test_user_administration_is_for_admins_only(as_user, username: str, method: str, path: str) -> None:  # type: ignore[no-untyped-def]
    response = as_user(username).request(method, path, json={"password": "long-enough-1"})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize("username", ["inspector1", "teamlead", "police.hamrong"])
def test_audit_check_is_for_the_city_office(as_user, username: str) -> None:  # type: ignore[no-untyped-def]
    assert as_user(username).get("/api/v1/audit/verify").status_code == 403
    assert as_user(username).get("/audit").status_code == 403


def test_ward_police_see_only_their_ward(as_user) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    wards = police.get("/api/v1/wards").json()
    assert [w["code"] for w in wards] == ["14755"]
    page = police.get("/api/v1/establishments", params={"limit": 500}).json()
    assert page["total"] > 0
    assert {e["ward"] for e in page["items"]} == {"14755"}
    assert police.get("/api/v1/establishments", params={"ward": "14758"}).json() == {
        "items": [], "total": 0, "limit": 50, "offset": 0}


def test_ward_police_get_404_for_another_wards_establishment(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    dong_tho = city.get("/api/v1/establishments", params={"ward": "14758", "limit": 1}).json()["items"][0]
    police = as_user("police.hamrong")
    response = police.get(f"/api/v1/establishments/{dong_tho['id']}")
    assert response.status_code == 404
    assert dong_tho["name"] not in response.text
    assert as_user("police.dongtho").get(f"/api/v1/establishments/{dong_tho['id']}").status_code == 200


def test_ward_police_home_and_wards_page_stay_in_scope(as_user) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    wards_page = police.get("/wards").text
    assert "Phường Hàm Rồng" in wards_page and "Phường Đông Thọ" not in wards_page
    home = police.get("/").text
    assert "Phường Đông Thọ" not in home
