"""Every route of the app × every method it declares, with hostile input, as nobody and as two roles:
never a 5xx, nobody writes anything, no hostile body creates a record. The routes come from the app itself,
so an endpoint is covered the day it is added (issue 18)."""

from __future__ import annotations

import hashlib
import re
import typing
from collections.abc import Callable, Iterator
from typing import Any

import msgspec
import pytest
from litestar.testing import TestClient

from server.csrf import session_csrf_token
from tests.conftest import SECRET
from tests.dbs import execute

JSON = {"content-type": "application/json"}
DEEP = b"[" * 10_000 + b"]" * 10_000
HUGE = b" " * (11 * 1024 * 1024)
BOUNDARY = "hostile"


def sample_value(name: str, kind: str, samples: dict[str, str]) -> str:
    if name in samples:
        return samples[name]
    return {"int": "1", "path": "app.css"}.get(kind, "x")


def concrete(path: str, samples: dict[str, str]) -> str:
    return re.sub(r"\{(\w+):(\w+)\}", lambda m: sample_value(m.group(1), m.group(2), samples), path)


def struct_of(handler: Any) -> type[msgspec.Struct] | None:
    data = handler.parsed_fn_signature.parameters.get("data")
    annotation = data.annotation if data is not None else None
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation if isinstance(annotation, type) and issubclass(annotation, msgspec.Struct) else None


def hostile_bodies(handler: Any) -> Iterator[tuple[str, bytes, dict[str, str]]]:
    """(label, body, headers) for one unsafe method of one handler."""
    fields = list(getattr(struct_of(handler), "__struct_fields__", ())) or ["name", "id"]
    yield "nested 10,000 deep", DEEP, JSON
    yield "11 MB", HUGE, JSON
    yield "invalid UTF-8", b'{"' + fields[0].encode() + b'": "\xff\xfe\xc3("}', JSON
    yield "NUL bytes", msgspec.json.encode({f: "a\u0000b" for f in fields}), JSON
    yield "wrong types", msgspec.json.encode({f: [[{"x": None}]] for f in fields}), JSON
    yield "huge numbers", msgspec.json.encode({f: 10**30 for f in fields}).replace(b"1e30", b"1" + b"0" * 30), JSON
    yield "not JSON", b"{\x00", JSON
    yield "text/plain", b'{"a": 1}', {"content-type": "text/plain"}
    yield "form", b"_csrf_token=x&a=%00%ff&" + b"&".join(f.encode() + b"=%00" for f in fields),\
        {"content-type": "application/x-www-form-urlencoded"}
    yield "multipart junk", (f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.xlsx\""
                             f"\r\n\r\nPK\x03\x04junk\r\n--{BOUNDARY}--\r\n").encode(),\
        {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    yield "multipart without boundary", b"--x\r\n", {"content-type": "multipart/form-data"}
    yield "no content type", b"\x00\x01", {}


QUERIES = ["?limit=-1&offset=99999999999999999999999&year=0&q=%00%ff&ward=%00&page=-5&date=0000-00-00"
           "&status=%27&tip=%00&next=%09//evil.example&error=%ff",
           "?limit=1000000000&year=99999&overdue=maybe&stream=x&mine=2"]


@pytest.fixture
def samples(database_url: str) -> dict[str, str]:
    uuid = execute(database_url, "SELECT uuid FROM inspections ORDER BY id LIMIT 1")[0][0]
    form_id = execute(database_url, "SELECT form_id FROM form_versions ORDER BY form_id LIMIT 1")[0][0]
    return {"uuid": str(uuid), "form_id": str(form_id), "code": "14755", "token": "0" * 64, "sha256": "0" * 64,
            "establishment_type": "karaoke", "path": "openapi.json", "file_path": "app.css"}


def arm_csrf(client: TestClient) -> None:
    """Send a valid CSRF token with every request, so that hostile form posts reach their handlers."""
    session = client.cookies.get("kiemtra_session")
    if session:
        token = session_csrf_token(SECRET, hashlib.sha256(session.encode()).hexdigest())
    else:
        client.get("/login")
        token = client.cookies["kiemtra_csrf"]
    client.headers["x-csrftoken"] = token


def exercise(client: TestClient, samples: dict[str, str]) -> list[str]:
    """Send every hostile request the route table allows; return those answered with a 5xx."""
    arm_csrf(client)
    failures: list[str] = []
    pairs = [(route, method, handler) for route in client.app.routes
             for method, (handler, _kwargs) in getattr(route, "route_handler_map", {}).items()]
    logout = {("/api/v1/session", "DELETE"), ("/logout", "POST")}
    pairs.sort(key=lambda p: (p[0].path, p[1]) in logout)  # logging out goes last
    for route, method, handler in pairs:
        path = concrete(route.path, samples)
        if True:
            if method in ("GET", "HEAD", "OPTIONS"):
                requests = [(q, b"", {}) for q in QUERIES] if method == "GET" else [("", b"", {})]
                for query, body, headers in requests:
                    response = client.request(method, path + query, content=body, headers=headers,
                                              follow_redirects=False)
                    if response.status_code >= 500:
                        failures.append(f"{method} {path}{query}: {response.status_code}")
                continue
            for label, body, headers in hostile_bodies(handler):
                response = client.request(method, path, content=body, headers=headers, follow_redirects=False)
                if response.status_code >= 500:
                    failures.append(f"{method} {path} ({label}): {response.status_code} {response.text[:120]}")
    return failures


def audit_events(database_url: str) -> int:
    return execute(database_url, "SELECT count(*) FROM audit_events")[0][0]


def test_nobody_gets_a_5xx_or_writes_anything(client: TestClient, database_url: str,
                                              samples: dict[str, str]) -> None:
    before = audit_events(database_url)
    assert exercise(client, samples) == []
    assert audit_events(database_url) == before
    assert execute(database_url, "SELECT count(*) FROM tips WHERE source = 'public'") == [(0,)]


#: What hostile input must never create or change (nothing in it is a valid record).
RECORDS = ("users", "user_roles", "user_wards", "establishments", "inspections", "attachments", "reviews",
           "follow_ups", "tips", "tip_events", "hotspots", "hotspot_events", "assignments", "assignment_stops",
           "plans", "teams", "wards", "webhook_outbox")


def record_counts(database_url: str) -> dict[str, int]:
    return {table: execute(database_url, f"SELECT count(*) FROM {table}")[0][0] for table in RECORDS}


@pytest.mark.parametrize("username", ["police.hamrong", "cityoffice"])
def test_no_role_gets_a_5xx_from_hostile_input(as_user: Callable[[str], TestClient], samples: dict[str, str],
                                               database_url: str, username: str) -> None:
    before = record_counts(database_url)
    assert exercise(as_user(username), samples) == []
    assert record_counts(database_url) == before
