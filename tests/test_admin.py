"""User administration through the API and the admin page."""

from __future__ import annotations

import re

from tests.conftest import login


def test_admin_creates_a_ward_police_user_who_sees_only_that_ward(as_user, make_client) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    response = admin.post("/api/v1/users", json={"username": "police.dongve", "full_name": "CA Đông Vệ",
                                                 "password": "long-enough-1", "roles": ["ward_police"],
                                                 "wards": ["14782"]})
    assert response.status_code == 201
    assert response.json()["wards"] == ["14782"]
    police = login(make_client(), "police.dongve", "long-enough-1")
    assert [w["code"] for w in police.get("/api/v1/wards").json()] == ["14782"]


def test_bad_user_input_is_a_422_and_creates_nothing(as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    before = len(admin.get("/api/v1/users").json())
    cases = [
        {"username": "x", "full_name": "", "password": "short", "roles": ["inspector"]},
        {"username": "bad name!", "full_name": "", "password": "long-enough-1", "roles": ["inspector"]},
        {"username": "newuser", "full_name": "", "password": "long-enough-1", "roles": []},
        {"username": "newuser", "full_name": "", "password": "long-enough-1", "roles": ["inspector"],
         "wards": ["99999"]},
    ]
    for body in cases:
        response = admin.post("/api/v1/users", json=body)
        assert response.status_code == 422, body
        assert response.json()["errors"], body
    assert admin.post("/api/v1/users", json={"username": "x", "roles": ["emperor"]}).status_code == 400
    taken = admin.post("/api/v1/users", json={"username": "inspector1", "full_name": "", "password": "long-enough-1",
                                              "roles": ["inspector"]})
    assert taken.status_code == 409
    assert len(admin.get("/api/v1/users").json()) == before


def test_password_reset_revokes_sessions_and_sets_the_new_password(as_user, make_client) -> None:  # type: ignore[no-untyped-def]
    inspector = as_user("inspector2")
    admin = as_user("admin")
    target = next(u for u in admin.get("/api/v1/users").json() if u["username"] == "inspector2")
    assert admin.post(f"/api/v1/users/{target['id']}/password", json={"password": "brand-new-pass"}).status_code == 204
    assert inspector.get("/api/v1/wards").status_code == 401
    login(make_client(), "inspector2", "brand-new-pass")


def test_admin_page_creates_a_user_through_the_form(as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    page = admin.get("/admin/users").text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
    response = admin.post("/admin/users", data={"_csrf_token": token, "username": "lead2", "full_name": "Đội phó",
                                                "password": "long-enough-2", "roles": ["team_lead", "inspector"],
                                                "wards": ""})
    assert response.status_code == 200
    assert "lead2" in response.text
    lead = next(u for u in admin.get("/api/v1/users").json() if u["username"] == "lead2")
    assert lead["roles"] == ["inspector", "team_lead"]


def test_role_change_takes_effect_on_the_next_request(as_user) -> None:  # type: ignore[no-untyped-def]
    inspector = as_user("inspector2")
    admin = as_user("admin")
    target = next(u for u in admin.get("/api/v1/users").json() if u["username"] == "inspector2")
    assert admin.patch(f"/api/v1/users/{target['id']}", json={"roles": ["city_office"]}).status_code == 200
    assert inspector.get("/api/v1/audit/verify").status_code == 200
