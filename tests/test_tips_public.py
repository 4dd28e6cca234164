"""The citizens' form: no login, no tracking, size limit, inert scripts, per-address rate limit, honeypot."""

from __future__ import annotations

import re

from litestar.testing import TestClient

from server.tips.public import MAX_BODY_BYTES, POSTS_PER_WINDOW
from tests.dbs import execute

SCRIPT = "<script>alert('x')</script>"


def token(client: TestClient) -> str:
    page = client.get("/report")
    assert page.status_code == 200
    return re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)


def post(client: TestClient, csrf: str, **fields: str):  # type: ignore[no-untyped-def]
    body = {"_csrf_token": csrf, "address": "Số 12 phố Trường Thi", "description": "Quán có dấu hiệu mại dâm"}
    body.update(fields)
    return client.post("/report", data=body)


def tips(database_url: str) -> int:
    return execute(database_url, "SELECT count(*) FROM tips")[0][0]


def test_the_page_needs_no_login_and_loads_nothing_from_elsewhere(client: TestClient) -> None:
    page = client.get("/report")
    assert page.status_code == 200 and "<form" in page.text
    assert not re.search(r'(src|href)="(https?:)?//', page.text)
    assert set(page.cookies.keys()) <= {"kiemtra_csrf"}


def test_a_report_lands_as_received(client: TestClient, database_url: str) -> None:
    before = tips(database_url)
    response = post(client, token(client), ward="14755", contact="0988 000 111")
    assert response.status_code == 200 and 'id="thanks"' in response.text
    assert tips(database_url) == before + 1
    row = execute(database_url, "SELECT status, source, channel, reporter_contact, anonymous, next_due_at IS NOT NULL "
                                "FROM tips ORDER BY id DESC LIMIT 1")[0]
    assert row[:4] == ("received", "public", "online", "0988 000 111")
    assert not row[4] and row[5]  # the 24-hour classification clock runs


def test_an_oversize_body_is_refused_before_parsing(client: TestClient, database_url: str) -> None:
    before = tips(database_url)
    response = post(client, token(client), description="x" * (MAX_BODY_BYTES + 1))
    assert response.status_code == 413
    assert tips(database_url) == before


def test_over_long_fields_are_refused_and_nothing_stored(client: TestClient, database_url: str) -> None:
    before = tips(database_url)
    response = post(client, token(client), name="n" * 201)
    assert response.status_code == 422
    assert tips(database_url) == before


def test_script_in_every_field_is_stored_as_text_and_shown_inert(client: TestClient, as_user,  # type: ignore[no-untyped-def]
                                                                 database_url: str) -> None:
    csrf = token(client)
    refused = post(client, csrf, ward=SCRIPT, address=SCRIPT, description=SCRIPT, name=SCRIPT, contact=SCRIPT)
    assert refused.status_code == 422 and SCRIPT not in refused.text and "&lt;script&gt;" in refused.text
    response = post(client, csrf, address=SCRIPT, description=SCRIPT, name=SCRIPT, contact=SCRIPT)
    assert response.status_code == 200
    tid, address, description, name = execute(
        database_url, "SELECT id, address, description, reporter_name FROM tips ORDER BY id DESC LIMIT 1")[0]
    assert address == description == name == SCRIPT  # stored exactly as sent
    city = as_user("cityoffice")
    for path in ("/tips", f"/tips/{tid}"):
        page = city.get(path).text
        assert SCRIPT not in page and "&lt;script&gt;" in page
    page = city.get(f"/tips/{tid}").text
    csrf_city = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)
    revealed = city.post(f"/tips/{tid}/reporter", data={"_csrf_token": csrf_city}).text
    assert SCRIPT not in revealed and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in revealed
    api = city.get(f"/api/v1/tips/{tid}")
    assert api.headers["content-type"].startswith("application/json") and api.json()["description"] == SCRIPT


def test_the_honeypot_answers_like_success_and_stores_nothing(client: TestClient, database_url: str) -> None:
    before = tips(database_url)
    audit = execute(database_url, "SELECT count(*) FROM audit_events")[0][0]
    response = post(client, token(client), website="http://spam.example")
    assert response.status_code == 200 and 'id="thanks"' in response.text
    assert tips(database_url) == before
    assert execute(database_url, "SELECT count(*) FROM audit_events")[0][0] == audit


def test_more_than_30_posts_a_minute_from_one_address_get_429(client: TestClient, database_url: str) -> None:
    csrf = token(client)
    before = tips(database_url)
    codes = [post(client, csrf, description=f"tin {i}", website="bot" if i % 2 else "").status_code
             for i in range(POSTS_PER_WINDOW)]
    assert codes == [200] * POSTS_PER_WINDOW
    refused = post(client, csrf, description="one too many")
    assert refused.status_code == 429 and refused.headers["retry-after"] == "60"
    assert tips(database_url) == before + POSTS_PER_WINDOW // 2  # honeypot posts count but are not stored
    # the counter lives in the database (shared by every worker), keyed by a keyed hash, not the address
    rows = execute(database_url, "SELECT DISTINCT client FROM tip_public_posts")
    assert len(rows) == 1 and "testclient" not in rows[0][0]
    # once the window has moved on the address may post again
    execute(database_url, "DELETE FROM tip_public_posts")
    assert post(client, csrf, description="next minute").status_code == 200
