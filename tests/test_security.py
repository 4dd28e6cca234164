"""Security properties a reviewer would probe: headers, cookies, CSRF on every HTML post, session
fixation, SQL injection through filters."""

from __future__ import annotations

import re

import pytest
from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings
from tests.conftest import DEMO_PASSWORD


def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    for path in ("/login", "/health", "/api/v1/wards"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src and "'nonce-" in script_src
        assert "frame-ancestors" in csp and "object-src 'none'" in csp
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "same-origin"


def test_each_response_gets_its_own_nonce(client: TestClient) -> None:
    first = client.get("/login").headers["content-security-policy"]
    second = client.get("/login").headers["content-security-policy"]
    assert first != second


def test_session_cookie_flags_and_secure_over_https(settings: Settings) -> None:
    with TestClient(create_app(settings), base_url="https://testserver.local") as https:
        response = https.post("/api/v1/session", json={"username": "inspector1", "password": DEMO_PASSWORD})
        cookie = response.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" in cookie


def html_post_routes() -> list[str]:
    app = create_app(Settings(secret_key="k" * 40, database_url="sqlite+aiosqlite:///:memory:"))
    paths = []
    for route in app.routes:
        if route.path.startswith(("/api/", "/static", "/vendor", "/schema", "/key/")) or "POST" not in route.methods:
            continue
        paths.append(re.sub(r"\{(\w+):int\}", "1", re.sub(r"\{(\w+):str\}", "x", route.path)))
    return sorted(paths)


@pytest.mark.parametrize("path", html_post_routes())
def test_every_html_post_needs_the_csrf_token(as_user, path: str) -> None:  # type: ignore[no-untyped-def]
    admin = as_user("admin")
    response = admin.post(path, data={"x": "1"}, follow_redirects=False)
    assert response.status_code == 403, f"POST {path} without a CSRF token answered {response.status_code}"


def test_login_issues_a_fresh_session_token_no_fixation(client: TestClient) -> None:
    planted = "attacker-chosen-token-0123456789"
    planted_header = {"Cookie": f"kiemtra_session={planted}"}
    response = client.post("/api/v1/session", json={"username": "inspector1", "password": DEMO_PASSWORD},
                           headers=planted_header)
    issued = re.search(r"kiemtra_session=([^;]+)", response.headers["set-cookie"]).group(1)
    assert issued != planted and len(issued) >= 40
    client.cookies.clear()
    assert client.get("/api/v1/wards", headers=planted_header).status_code == 401
    assert client.get("/api/v1/wards", headers={"Cookie": f"kiemtra_session={issued}"}).status_code == 200


@pytest.mark.parametrize("q", ["' OR '1'='1", "x'; DROP TABLE establishments; --", "%' UNION SELECT 1 --", "\\"])
def test_sql_injection_through_the_search_filter_is_just_text(as_user, database_url: str, q: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    response = city.get("/api/v1/establishments", params={"q": q})
    assert response.status_code == 200
    assert response.json()["total"] == 0
    assert city.get("/api/v1/establishments").json()["total"] == 700


@pytest.mark.parametrize("params", [{"ward": "14755' OR '1'='1"}, {"type": "karaoke' --"},
                                    {"status": "active' OR 1=1"}])
def test_sql_injection_through_enumerated_filters_is_refused(as_user, params: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    response = as_user("police.hamrong").get("/api/v1/establishments", params=params)
    assert response.status_code == 400


def test_unknown_page_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Không tìm thấy" in response.text
    assert client.get("/api/v1/no-such-thing").json()["code"] == "not_found"
