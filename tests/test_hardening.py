"""Issue 18, one test per finding: cross-site writes, the session-bound form token, OPTIONS, JSON depth and
size, trusted proxies, Retry-After, no-store (the rest are in tests/test_hardening_data.py)."""

from __future__ import annotations

import asyncio
import hashlib
import re
from pathlib import Path

import pytest
from litestar.testing import TestClient

from server.csrf import session_csrf_token
from server.proxies import client_address, parse_networks, trusted_proxies_middleware
from server.request_limits import MAX_JSON_DEPTH, too_deep
from server.settings import Settings, SettingsError
from tests.conftest import DEMO_PASSWORD, SECRET
from tests.dbs import execute

TIP = {"channel": "hotline", "ward": "14755", "description": "ồn ào sau 23 giờ"}


def tips_count(database_url: str) -> int:
    return execute(database_url, "SELECT count(*) FROM tips")[0][0]


def token_of(client: TestClient, path: str) -> str:
    match = re.search(r'name="_csrf_token" value="([^"]+)"', client.get(path).text)
    assert match, f"{path} has no CSRF field"
    return match.group(1)


# --- 1. cross-site writes through the JSON API, login CSRF, the form token bound to the session ---

@pytest.mark.parametrize(("content_type", "body"), [
    ("text/plain", '{"channel": "phone"}'),
    ("application/x-www-form-urlencoded", "channel=phone"),
    ("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=a\r\n\r\n1\r\n--x--\r\n"),
    (None, '{"channel": "phone"}'),
])
def test_api_writes_accept_only_json(as_user, database_url: str, content_type: str | None, body: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    before = tips_count(database_url)
    headers = {"content-type": content_type} if content_type else {}
    response = city.post("/api/v1/tips", content=body.encode(), headers=headers)
    assert response.status_code == 415, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "unsupported_media_type" and "application/json" in response.json()["detail"]
    assert tips_count(database_url) == before


def test_uploads_declared_multipart_still_accept_multipart_and_nothing_else(as_user) -> None:  # type: ignore[no-untyped-def]
    lead = as_user("teamlead")
    as_json = lead.post("/api/v1/imports/establishments", json={"file": "x"})
    assert as_json.status_code == 415 and "multipart/form-data" in as_json.json()["detail"]
    as_multipart = lead.post("/api/v1/imports/establishments", files={"file": ("a.csv", b"name\n", "text/csv")})
    assert as_multipart.status_code != 415


@pytest.mark.parametrize("headers", [
    {"origin": "https://evil.example"},
    {"origin": "null"},
    {"origin": "http://testserver.local.evil.example"},
    {"sec-fetch-site": "cross-site"},
    {"sec-fetch-site": "same-site", "origin": "http://testserver.local"},
])
def test_cross_site_json_writes_are_refused(as_user, database_url: str, headers: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    before = tips_count(database_url)
    response = city.post("/api/v1/tips", json=TIP, headers=headers)
    assert response.status_code == 403, response.text
    assert response.json()["code"] == "cross_site"
    assert tips_count(database_url) == before


def test_same_origin_and_non_browser_json_writes_pass(as_user, database_url: str) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    before = tips_count(database_url)
    same = {"origin": "http://testserver.local", "sec-fetch-site": "same-origin"}
    assert city.post("/api/v1/tips", json=TIP, headers=same).status_code == 201
    assert city.post("/api/v1/tips", json=TIP).status_code == 201  # no Origin: not a browser acting for a site
    assert tips_count(database_url) == before + 2


def test_login_csrf_is_refused_on_the_api_and_the_form(client: TestClient) -> None:
    evil = {"origin": "https://evil.example", "sec-fetch-site": "cross-site"}
    api = client.post("/api/v1/session", json={"username": "inspector1", "password": DEMO_PASSWORD}, headers=evil)
    assert api.status_code == 403 and api.json()["code"] == "cross_site"
    as_text = client.post("/api/v1/session", content=b'{"username": "inspector1", "password": "x"}',
                          headers={"content-type": "text/plain"})
    assert as_text.status_code == 415
    form = client.post("/login", data={"username": "inspector1", "password": DEMO_PASSWORD,
                                       "_csrf_token": token_of(client, "/login")}, headers=evil,
                       follow_redirects=False)
    assert form.status_code == 403
    assert client.cookies.get("kiemtra_session") is None


def test_form_token_is_bound_to_the_session(as_user) -> None:  # type: ignore[no-untyped-def]
    police = as_user("police.hamrong")
    other = as_user("police.hamrong")  # same person, another session
    token = token_of(police, "/tips/new")
    session_hash = hashlib.sha256(police.cookies["kiemtra_session"].encode()).hexdigest()
    assert token == session_csrf_token(SECRET, session_hash)
    assert token != token_of(other, "/tips/new")
    form = {"channel": "hotline", "ward": "14755", "description": "tin báo thử"}
    # a token of another session, or a token planted as cookie and form field (cookie tossing): refused
    refused = other.post("/tips/new", data={**form, "_csrf_token": token}, follow_redirects=False)
    assert refused.status_code == 403
    planted = "a" * 64 + "b" * 64
    other.cookies.set("kiemtra_csrf", planted)
    assert other.post("/tips/new", data={**form, "_csrf_token": planted}, follow_redirects=False).status_code == 403
    # the session's own token works
    ok = police.post("/tips/new", data={**form, "_csrf_token": token}, follow_redirects=False)
    assert ok.status_code == 303, ok.text


def test_the_login_page_token_dies_with_the_login(client: TestClient) -> None:
    anonymous_token = token_of(client, "/login")
    client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD, "_csrf_token": anonymous_token})
    assert client.post("/logout", data={"_csrf_token": anonymous_token}).status_code == 403
    assert client.post("/logout", data={"_csrf_token": token_of(client, "/")}, follow_redirects=False) \
        .status_code == 303


# --- 7. OPTIONS ---

@pytest.mark.parametrize("path", ["/api/v1/wards", "/login", "/api/v1/tips/1/actions", "/tips/1", "/"])
def test_options_is_an_empty_answer_with_allow(client: TestClient, path: str, caplog: pytest.LogCaptureFixture) -> None:
    response = client.options(path)
    assert response.status_code == 204 and response.content == b""
    assert "OPTIONS" in response.headers["allow"]
    assert "unhandled error" not in caplog.text


def test_options_lists_the_methods_of_the_route(client: TestClient) -> None:
    assert set(client.options("/api/v1/session").headers["allow"].split(", ")) == {"DELETE", "OPTIONS", "POST"}


# --- 8. deeply nested and oversized JSON ---

def test_json_depth_scan() -> None:
    assert not too_deep(b'{"a": [1, {"b": [2]}]}')
    assert too_deep(b"[" * (MAX_JSON_DEPTH + 1) + b"]" * (MAX_JSON_DEPTH + 1))
    assert not too_deep(b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH)
    assert not too_deep(b'{"a": "' + b"[" * 1000 + b'"}')  # brackets in a string do not nest
    assert not too_deep(b'{"a": "\\"' + b"{" * 1000 + b'"}')  # an escaped quote does not end the string
    assert too_deep(b'{"a": "\\\\"' + b", " + b"[" * 1000)  # an escaped backslash does not escape the quote


@pytest.mark.parametrize("path", ["/api/v1/tips", "/api/v1/session",
                                  "/api/v1/inspections/0b7c1f0e-0000-4000-8000-000000000000"])
def test_deeply_nested_json_is_a_400(as_user, path: str, caplog: pytest.LogCaptureFixture) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    body = b"[" * 10_000 + b"]" * 10_000
    response = city.request("PUT" if "inspections" in path else "POST", path, content=body,
                            headers={"content-type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "too_deep"
    assert "unhandled error" not in caplog.text


def test_oversized_json_is_a_413_before_it_is_read(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    response = city.post("/api/v1/tips", content=b" " * (11 * 1024 * 1024),
                         headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["code"] == "too_large"


# --- 10. trusted proxies, Retry-After, no-store ---

def test_forwarded_for_counts_only_from_trusted_proxies() -> None:
    nets = parse_networks("10.0.0.5, 172.16.0.0/12")
    assert client_address("203.0.113.9", "1.2.3.4", nets) == "203.0.113.9"  # not a proxy: header ignored
    assert client_address("10.0.0.5", "1.2.3.4", nets) == "1.2.3.4"
    assert client_address("10.0.0.5", "6.6.6.6, 1.2.3.4, 172.16.3.4", nets) == "1.2.3.4"  # left part is the client's
    assert client_address("10.0.0.5", "not-an-ip", nets) == "10.0.0.5"
    assert client_address("127.0.0.1", "1.2.3.4", ()) == "127.0.0.1"  # default: no proxy trusted
    with pytest.raises(SettingsError):
        Settings(secret_key=SECRET, trusted_proxies="10.0.0.300")


def test_rotating_forwarded_for_does_not_dodge_the_lockout(client: TestClient) -> None:
    for i in range(5):
        client.post("/api/v1/session", json={"username": "inspector1", "password": "wrong"},
                    headers={"x-forwarded-for": f"198.51.100.{i}"})
    locked = client.post("/api/v1/session", json={"username": "inspector1", "password": DEMO_PASSWORD},
                         headers={"x-forwarded-for": "198.51.100.99"})
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 300
    assert locked.headers["cache-control"] == "no-store"


def test_the_middleware_sets_the_client_behind_a_trusted_proxy() -> None:
    seen: list[object] = []

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        seen.append((scope["client"], scope["scheme"]))

    middleware = trusted_proxies_middleware("10.0.0.5")(app)
    for peer in ("10.0.0.5", "192.0.2.1"):
        scope = {"type": "http", "client": (peer, 1234), "scheme": "http",
                 "headers": [(b"x-forwarded-for", b"198.51.100.7"), (b"x-forwarded-proto", b"https")]}
        asyncio.run(middleware(scope, None, None))  # type: ignore[arg-type]
    assert seen == [(("198.51.100.7", 1234), "https"), (("192.0.2.1", 1234), "http")]


def test_trusted_proxies_is_in_the_settings_and_the_readme() -> None:
    assert "trusted_proxies" in Settings.__struct_fields__
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    assert "| `KIEMTRA_TRUSTED_PROXIES` | none |" in readme


def test_public_report_429_says_when_to_come_back(client: TestClient) -> None:
    token = token_of(client, "/report")
    form = {"_csrf_token": token, "description": "x", "website": "filled"}  # honeypot: nothing stored
    statuses = [client.post("/report", data=form, follow_redirects=False) for _ in range(31)]
    last = statuses[-1]
    assert last.status_code == 429 and last.headers["retry-after"] == "60"


def test_tip_pages_reveal_and_exports_are_never_cached(as_user) -> None:  # type: ignore[no-untyped-def]
    city = as_user("cityoffice")
    tip_id = city.post("/api/v1/tips", json={**TIP, "reporter_name": "Nguyễn Văn A"}).json()["id"]
    for path in ("/tips", f"/tips/{tip_id}", "/tips/export.csv", "/api/v1/tips", f"/api/v1/tips/{tip_id}",
                 "/api/v1/exports/inspections.csv", "/coverage/report.xlsx"):
        response = city.get(path)
        assert response.status_code == 200, path
        assert response.headers["cache-control"] == "no-store", path
    reveal = city.post(f"/api/v1/tips/{tip_id}/reporter")
    assert reveal.status_code == 200 and reveal.headers["cache-control"] == "no-store"
    assert "no-store" not in city.get("/wards").headers.get("cache-control", "")
