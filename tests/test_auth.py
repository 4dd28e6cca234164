"""Logins, sessions, lockout, CSRF and each role's home page, as the personas do them."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from tests.conftest import DEMO_PASSWORD, login
from tests.dbs import execute


def csrf_of(client: TestClient, path: str = "/login") -> str:
    page = client.get(path)
    match = re.search(r'name="_csrf_token" value="([^"]+)"', page.text)
    assert match, "the page has no CSRF field"
    return match.group(1)


def test_api_login_sets_an_httponly_lax_cookie(client: TestClient) -> None:
    response = client.post("/api/v1/session", json={"username": "inspector1", "password": DEMO_PASSWORD})
    assert response.status_code == 201
    assert response.json()["roles"] == ["inspector"]
    cookie = response.headers["set-cookie"]
    assert "kiemtra_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/api/v1/wards").status_code == 200


def test_wrong_password_is_401_with_a_json_problem(client: TestClient) -> None:
    response = client.post("/api/v1/session", json={"username": "inspector1", "password": "wrong-password"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "bad_credentials"
    assert client.get("/api/v1/wards").status_code == 401


def test_unknown_user_looks_like_a_wrong_password(client: TestClient) -> None:
    response = client.post("/api/v1/session", json={"username": "nobody", "password": "whatever-123"})
    assert response.status_code == 401 and response.json()["code"] == "bad_credentials"


def test_five_failures_in_a_minute_lock_the_user_out_from_that_address(client: TestClient) -> None:
    for _ in range(5):
        failed = client.post("/api/v1/session", json={"username": "cityoffice", "password": "nope-nope"})
        assert failed.status_code == 401
    locked = client.post("/api/v1/session", json={"username": "cityoffice", "password": DEMO_PASSWORD})
    assert locked.status_code == 429
    assert locked.json()["code"] == "too_many_attempts"
    # another user from the same address is not locked
    assert client.post("/api/v1/session", json={"username": "admin", "password": DEMO_PASSWORD}).status_code == 201


def test_logout_revokes_the_session_server_side(client: TestClient, database_url: str) -> None:
    login(client, "teamlead")
    token = client.cookies.get("kiemtra_session")
    assert client.delete("/api/v1/session").status_code == 204
    client.cookies.set("kiemtra_session", token)  # a stolen copy of the cookie
    assert client.get("/api/v1/wards").status_code == 401
    rows = execute(database_url, "SELECT count(*) FROM sessions WHERE revoked_at IS NOT NULL")
    assert rows[0][0] == 1


def test_html_login_logout_round_trip(client: TestClient) -> None:
    token = csrf_of(client)
    response = client.post("/login", data={"username": "inspector1", "password": DEMO_PASSWORD, "next": "/wards",
                                           "_csrf_token": token}, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/wards"
    assert "Lê Văn Kiểm" in client.get("/").text
    logout = client.post("/logout", data={"_csrf_token": csrf_of(client, "/")}, follow_redirects=False)
    assert logout.status_code == 303
    assert client.get("/", follow_redirects=False).headers["location"].startswith("/login")


def test_html_login_with_a_wrong_password_shows_an_error_and_no_session(client: TestClient) -> None:
    response = client.post("/login", data={"username": "inspector1", "password": "bad-password",
                                           "_csrf_token": csrf_of(client)})
    assert response.status_code == 401
    assert "Sai tên đăng nhập hoặc mật khẩu" in response.text
    assert client.get("/", follow_redirects=False).status_code == 303


def test_html_form_post_without_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"username": "inspector1", "password": DEMO_PASSWORD})
    assert response.status_code == 403
    assert client.cookies.get("kiemtra_session") is None


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:x"])
def test_login_never_redirects_off_site(client: TestClient, target: str) -> None:
    response = client.post("/login", data={"username": "inspector1", "password": DEMO_PASSWORD, "next": target,
                                           "_csrf_token": csrf_of(client)}, follow_redirects=False)
    assert response.headers["location"] == "/"


@pytest.mark.parametrize(
    ("username", "section", "absent"),
    [
        ("inspector1", "visits", "coverage"),
        ("teamlead", "plan", "queue"),
        ("police.hamrong", "queue", "plan"),
        ("cityoffice", "coverage", "visits"),
    ],
)
def test_each_role_has_its_home_page(as_user, username: str, section: str, absent: str) -> None:  # type: ignore[no-untyped-def]
    page = as_user(username).get("/")
    assert page.status_code == 200
    assert f'id="{section}"' in page.text
    assert f'id="{absent}"' not in page.text


def test_admin_home_links_to_user_administration(as_user) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    assert 'href="/admin/users"' in admin.get("/").text
    assert "police.hamrong" in admin.get("/admin/users").text


def test_pages_redirect_to_login_when_logged_out(client: TestClient) -> None:
    response = client.get("/wards", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fwards"
