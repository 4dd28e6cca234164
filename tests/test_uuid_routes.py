"""One parser for an inspection's UUID on every route: any case reaches the same record, anything that is not
a UUID is a 422 (never a 404 or a silently made-up UUID). Driven by the route table, so a route added later
is covered the day it is added."""

from __future__ import annotations

from collections.abc import Callable

from litestar.testing import TestClient

from server.app import create_app
from server.settings import Settings
from tests.dbs import execute
from tests.phone_forms import form_fields, parse
from tests.reviewing import HAM_RONG, inspection_in
from tests.submissions import establishment

Login = Callable[[str], TestClient]


def uuid_routes(settings: Settings) -> list[tuple[str, str]]:
    """(method, path) of every route whose path names an inspection by ``{uuid}`` and nothing else."""
    app = create_app(settings)
    found = []
    for route in app.routes:
        if "{uuid" not in route.path or route.path.count("{") != 1:
            continue
        found += [(method, route.path) for method in sorted(route.methods) if method not in ("HEAD", "OPTIONS")]
    return found


def url(path: str, uuid: str) -> str:
    return path.replace("{uuid:str}", uuid).replace("{uuid}", uuid)


def test_the_route_table_has_uuid_routes(settings: Settings) -> None:
    routes = uuid_routes(settings)
    assert ("GET", "/inspections/{uuid:str}") in routes and ("PUT", "/api/v1/inspections/{uuid:str}") in routes
    assert ("POST", "/api/v1/inspections/{uuid:str}/review") in routes


def test_every_read_answers_an_upper_case_uuid_as_the_lower_case_one(settings: Settings, as_user: Login,
                                                                    database_url: str) -> None:
    uuid = inspection_in(database_url, HAM_RONG)
    police = as_user("police.hamrong")
    reads = [path for method, path in uuid_routes(settings) if method == "GET"]
    assert len(reads) >= 3
    for path in reads:
        lower = police.get(url(path, uuid))
        upper = police.get(url(path, uuid.upper()))
        assert lower.status_code < 500 and lower.status_code != 404, (path, lower.status_code)
        assert upper.status_code == lower.status_code, (path, upper.status_code, lower.status_code)


def test_a_review_of_an_upper_case_uuid_reaches_the_record(as_user: Login, database_url: str) -> None:
    uuid = inspection_in(database_url, HAM_RONG)
    police = as_user("police.hamrong")
    decided = police.post(f"/api/v1/inspections/{uuid.upper()}/review", json={"decision": "approve", "comment": ""})
    assert decided.status_code == 200, decided.text
    assert decided.json()["inspection"] == uuid
    assert execute(database_url, "SELECT review_state FROM inspections WHERE uuid = :u", {"u": uuid}) == [("approved",)]


#: A body each route accepts (by the last part of its path), so that only the id is wrong.
VALID_BODIES = {
    "attachments": {"files": {"file": ("a.jpg", b"not read", "image/jpeg")}},
    "review": {"json": {"decision": "approve", "comment": ""}},
    "follow-ups": {"json": {"kind": "remediation", "note": "x"}},
}


def test_anything_but_a_uuid_is_a_422_on_every_api_route(settings: Settings, as_user: Login) -> None:
    police, inspector = as_user("police.hamrong"), as_user("inspector1")
    api = [(m, p) for m, p in uuid_routes(settings) if p.startswith("/api/")]
    assert len(api) >= 5
    for method, path in api:
        client = inspector if method == "PUT" else police
        body = VALID_BODIES.get(path.rsplit("/", 1)[-1], {"json": {}})  # a good body: only the id is wrong
        response = client.request(method, url(path, "not-a-uuid"), **body)
        assert response.status_code == 422, (method, path, response.status_code)
        assert any(e["path"] == "uuid" for e in response.json().get("errors", [])), (method, path, response.text)


def test_a_form_post_with_a_broken_uuid_is_refused_and_stores_nothing(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    establishment_id, _, _ = establishment(database_url)
    page = phone.get(f"/phone/check/{establishment_id}")
    hidden = {**parse(page.text).hidden, "_uuid": "not-a-uuid"}
    data: dict[str, list[str]] = {}
    for name, value in [*hidden.items(), *form_fields()]:
        data.setdefault(name, []).append(value)
    before = execute(database_url, "SELECT count(*) FROM inspections")
    response = phone.post(f"/phone/check/{establishment_id}", data=data, files=[("none", ("", b"", ""))],
                          follow_redirects=False)
    assert response.status_code == 422
    assert 'name="_uuid"' in response.text  # the form comes back, with a fresh UUID to send again
    assert execute(database_url, "SELECT count(*) FROM inspections") == before
