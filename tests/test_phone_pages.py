"""The phone pages over plain HTTP: today's list and nearby, the checklist as a plain form (JavaScript off)
with post/redirect/get, and business names rendered inert everywhere."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from litestar.testing import TestClient

from tests.dbs import execute
from tests.phone_forms import form_fields, parse
from tests.submissions import body, establishment, image, new_uuid

Login = Callable[[str], TestClient]
XSS = "<img src=x onerror=alert(1)>"


def post_checklist(phone: TestClient, establishment_id: int, fields: list[tuple[str, str]],
                   files: list[tuple[str, tuple[str, bytes, str]]] | None = None):  # type: ignore[no-untyped-def]
    page = phone.get(f"/phone/check/{establishment_id}")
    assert page.status_code == 200
    hidden = parse(page.text).hidden
    data: dict[str, list[str]] = {}
    for name, value in [*hidden.items(), *fields]:
        data.setdefault(name, []).append(value)
    return phone.post(f"/phone/check/{establishment_id}", data=data, files=files or [("none", ("", b"", ""))],
                      follow_redirects=False), hidden["_uuid"]


def test_checklist_without_javascript_is_saved_and_redirects(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    establishment_id, _, _ = establishment(database_url)
    photo = image()
    response, uid = post_checklist(phone, establishment_id, form_fields(violation=True),
                                   [("q.evidence_photos", ("cam.jpg", photo, "image/jpeg"))])
    assert response.status_code == 303, response.text[:2000]
    assert response.headers["location"] == f"/inspections/{uid}?saved=1"
    record = phone.get(response.headers["location"])
    assert record.status_code == 200 and 'id="saved"' in record.text
    out = phone.get(f"/api/v1/inspections/{uid}").json()
    assert out["flags"] == ["no_fix"] and out["location"] is None and len(out["violations"]) == 1
    assert out["attachments"] == [hashlib.sha256(photo).hexdigest()]
    hidden = {"_csrf_token": phone.cookies.get("kiemtra_csrf", ""), "_uuid": uid, "_form_id": "karaoke",
              "_form_version": "1"}
    page = phone.get(f"/phone/check/{establishment_id}")
    hidden["_csrf_token"] = parse(page.text).hidden["_csrf_token"]
    again = phone.post(f"/phone/check/{establishment_id}", data={**hidden, "q.outcome": "compliant"},
                       follow_redirects=False)  # the same form posted twice (back button, double tap)
    assert again.status_code == 303 and again.headers["location"] == f"/inspections/{uid}"
    assert execute(database_url, "SELECT count(*) FROM inspections WHERE uuid = :u", {"u": uid}) == [(1,)]


def test_refused_plain_form_shows_the_errors_and_keeps_the_answers(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    establishment_id, _, _ = establishment(database_url)
    fields = [(n, v) for n, v in form_fields() if n != "q.representative_name"]
    response, uid = post_checklist(phone, establishment_id, fields)
    assert response.status_code == 422
    assert 'id="errors"' in response.text and "answers.representative_name" not in response.text
    assert '<a href="#q-representative_name">«Họ tên người đại diện cơ sở có mặt»: cần có câu trả lời.</a>' \
        in response.text  # the question by its label, linked to it
    assert re.search(r'name="q.team_members" rows="2">Lê Văn Kiểm', response.text)
    assert execute(database_url, "SELECT count(*) FROM inspections WHERE uuid = :u", {"u": uid}) == [(0,)]


def test_plain_form_drops_answers_the_skip_logic_hides(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    establishment_id, _, _ = establishment(database_url)
    fields = [(n, v) for n, v in form_fields() if n != "q.outcome"] + [("q.outcome", "closed_at_visit")]
    response, uid = post_checklist(phone, establishment_id, fields)
    assert response.status_code == 303, response.text[:3000]
    answers = phone.get(f"/api/v1/inspections/{uid}").json()["answers"]
    assert "representative_name" not in answers and answers["outcome"] == "closed_at_visit"


def test_today_and_nearby(as_user: Login, database_url: str) -> None:
    phone = as_user("inspector1")
    assert 'id="today"' in phone.get("/phone").text
    establishment_id, lat, lon = establishment(database_url)
    page = phone.get("/phone", params={"lat": lat, "lon": lon}).text
    found = re.findall(r'href="/phone/check/(\d+)"', page.split('id="found"')[1])
    assert found[0] == str(establishment_id) and len(found) == 15
    distances = [int(d) for d in re.findall(r'class="badge">(\d+) m<', page)]
    assert distances == sorted(distances) and distances[0] == 0
    assert str(establishment_id) in phone.get("/phone", params={"q": "karaoke"}).text
    assert as_user("police.hamrong").get("/phone").status_code == 403


def test_checklist_page_carries_the_skip_logic_and_no_verification(as_user: Login, database_url: str) -> None:
    page = as_user("inspector1").get(f"/phone/check/{establishment(database_url)[0]}").text
    assert "data-rel='{\"q\":" in page or "data-rel='{\"not\":" in page
    assert 'capture="environment"' in page and 'accept="image/*"' in page
    assert 'name="_csrf_token"' in page and "verification" not in page
    assert '<script src="/static/phone.js" defer></script>' in page


def test_service_worker_is_served_from_the_root(client: TestClient) -> None:
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"


def test_business_names_render_inert_on_every_page(as_user: Login, database_url: str) -> None:
    establishment_id, lat, lon = establishment(database_url)
    execute(database_url, "UPDATE establishments SET name = :n, address = :n WHERE id = :i",
            {"n": XSS, "i": establishment_id})
    phone = as_user("inspector1")
    uid = new_uuid()
    sent = body(database_url)
    sent["answers"]["findings"] = XSS
    sent["notes"] = XSS
    assert phone.put(f"/api/v1/inspections/{uid}", json=sent).status_code == 201
    pages = [phone.get("/phone", params={"lat": lat, "lon": lon}), phone.get("/phone", params={"q": "img"}),
             phone.get(f"/phone/check/{establishment_id}"), phone.get(f"/inspections/{uid}"),
             phone.get("/inspections"), as_user("cityoffice").get(f"/inspections/{uid}")]
    for response in pages:
        assert response.status_code == 200
        assert XSS not in response.text and "&lt;img src=x onerror=alert(1)&gt;" in response.text
        assert not [a for tag, a in parse(response.text).tags if "onerror" in a]
