"""Every HTML page, as every demo role, in Vietnamese and in English, speaks the user's language: no internal
enum value, no ISO date, no login where a name belongs, no message in the other language.

The pages come from the route table (GET handlers outside the API schema), so a page added later and not
visited here fails the test. Visible text is parsed from the HTML (script and style left out); the demo
data (names, addresses, notes) is taken out before the language checks, since it stays as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from litestar.handlers import HTTPRouteHandler
from litestar.testing import TestClient
from sqlalchemy import JSON, String
from sqlalchemy import Text as SqlText

from forms import get
from forms.xlsform import to_xlsx
from server import labels
from server.calendar import local_today
from server.db import Base
from server.inspections.record import LEGAL_GROUNDS
from server.routes import ROUTES
from tests.dbs import execute

#: Every demo role: the city team, its lead, a ward's police, a ward's own inspection team, the city office, admin.
ROLES = ["inspector1", "teamlead", "police.hamrong", "to.14755", "cityoffice", "admin"]
LOGINS = re.compile(r"\b(inspector\d|teamlead|police\.[a-z]+|cityoffice|to\.\d{5})\b")
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
#: Pages that are files, not HTML (downloads, the service worker): their path ends with an extension; and the
#: OpenRosa XML documents (form list, manifest).
FILE = re.compile(r"\.[a-z]+$|/formList$|/manifest$")
#: Query strings some pages need (the route page plans the businesses it is given).
QUERIES = {"/routes": "?id={establishment_id}&id={other_id}&id={third_id}"}
#: Empty filters are no filters, and paging links keep working: each of these must open like the page itself.
EMPTY_FILTERS = ["/inspections?ward=&state=&offset=50", "/registry?ward=&type=&status=&q=&last=&day=&page=2",
                 "/review?ward=&state=&type=&violations=&flag=&year=&offset=", "/tips?status=&ward=&overdue=",
                 "/hotspots?status=&ward=", "/follow-ups?status=&kind=", "/coverage?year=&order=",
                 "/assignments?date=", "/audit?action=&actor=&day="]
#: Vietnamese letters that English never uses.
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùýĐ]", re.I)
ENGLISH_WORDS = re.compile(
    r"\b(the|invalid|missing|unknown|not found|required|must|error|page|submitted|returned|approved|planned|"
    r"done|open|cancelled|individual|organisation|violations|compliant|inspector|admin|team lead)\b", re.I)
#: Values that are also words of the Vietnamese labels or of business names (karaoke, massage, bar...).
SHARED_WORDS = {"karaoke", "massage", "bar", "email", "online", "phường", "xã", "TG", "TB", "KN", "TC", "PA", "U1",
                "U2", "U3"}


class Text(HTMLParser):
    """The visible text nodes of a page, minus those in elements that hold a login on purpose (``.login``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, bool]] = []
        self.nodes: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "img", "input", "meta", "link", "hr", "source", "area", "wbr", "col"}:
            return
        classes = (dict(attrs).get("class") or "").split()
        hidden = tag in {"script", "style", "template"} or "login" in classes or bool(
            self.stack and self.stack[-1][1])
        self.stack.append((tag, hidden))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and not (self.stack and self.stack[-1][1]):
            self.nodes.append(" ".join(data.split()))


def visible_text(html: str) -> list[str]:
    parser = Text()
    parser.feed(html)
    return parser.nodes


def leaves(value: Any) -> list[str]:
    """The strings inside a JSON value (answers, violations, form definitions)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in leaves(v)]
    if isinstance(value, list):
        return [s for v in value for s in leaves(v)]
    return []


def data_strings(database_url: str) -> list[str]:
    """Every text value in the demo database (names, addresses, notes...), longest first."""
    found: set[str] = set()
    codes = {v for kind in labels.values().values() for v in kind}
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String | SqlText | JSON) and c.name not in {
            "password_hash", "token_hash", "username", "action", "before", "after"}]
        for column in columns:
            distinct = "" if isinstance(column.type, JSON) else "DISTINCT "  # PostgreSQL has no json equality
            for (value,) in execute(database_url, f'SELECT {distinct}"{column.name}" FROM {table.name}'):
                values = leaves(json.loads(value) if isinstance(column.type, JSON) and isinstance(value, str)
                                else value)
                found |= {" ".join(v.split()) for v in values if len(v) > 2 and v not in codes
                          and not LOGINS.search(v)}
    found |= set(LEGAL_GROUNDS)  # the decrees a record cites, by their official Vietnamese titles
    return sorted(found, key=len, reverse=True)


def page_paths() -> list[str]:
    paths = []
    for handler in ROUTES:
        if isinstance(handler, HTTPRouteHandler) and "GET" in handler.http_methods and not handler.include_in_schema:
            paths.extend(handler.paths)
    return sorted(set(paths))


def every_state(as_user: Callable[[str], TestClient], database_url: str) -> dict[str, str]:
    """Demo data in Phường Hàm Rồng that fills every state the pages show (stops, follow-ups, flags, tips,
    hotspots), and the path parameters that open it."""
    ward = "14755"
    one = lambda sql: execute(database_url, sql)[0][0]  # noqa: E731
    ward_id = one(f"SELECT id FROM wards WHERE code = '{ward}'")
    uuid, inspection_id = execute(database_url, "SELECT i.uuid, i.id FROM inspections i JOIN follow_ups f ON "
                                  f"f.inspection_id = i.id WHERE i.ward_id = {ward_id} ORDER BY i.id")[0]
    execute(database_url, "UPDATE inspections SET flags = :f, distance_m = 212.4, accuracy_m = 135 WHERE id = :i",
            {"f": '["far_from_registered_point", "poor_accuracy"]', "i": inspection_id})
    follow_ups = [r[0] for r in execute(database_url, f"SELECT f.id FROM follow_ups f JOIN inspections i ON "
                                        f"i.id = f.inspection_id WHERE i.ward_id = {ward_id} ORDER BY f.id")]
    for status, fid in zip(("done", "cancelled"), follow_ups[1:], strict=False):
        execute(database_url, "UPDATE follow_ups SET status = :s, fine_vnd = 15000000, subject_kind = "
                "'individual' WHERE id = :i", {"s": status, "i": fid})
    places = [r[0] for r in execute(database_url, f"SELECT id FROM establishments WHERE ward_id = {ward_id} AND "
                                    "lat IS NOT NULL AND status = 'active' ORDER BY id LIMIT 5")]
    team = one("SELECT id FROM teams WHERE kind = 'city'")
    lead = as_user("teamlead")
    made = lead.post("/api/v1/assignments", json={"team_id": team, "date": local_today().isoformat(),
                                                  "establishment_ids": places})
    assert made.status_code == 201, made.text
    assignment = made.json()
    for stop, status in zip(assignment["stops"], ("planned", "done", "not_found", "closed", "refused_entry"),
                            strict=True):
        execute(database_url, "UPDATE assignment_stops SET status = :s WHERE id = :i", {"s": status, "i": stop["id"]})
    police = as_user("police.hamrong")
    tip = police.post("/api/v1/tips", json={"channel": "hotline", "establishment_id": places[0]})
    assert tip.status_code == 201, tip.text
    spot = police.post("/api/v1/hotspots", json={"name": "Khu nhà nghỉ ven đê", "tip_id": tip.json()["id"]})
    assert spot.status_code == 201, spot.text
    content_hash = one(f"SELECT body_sha256 FROM inspections WHERE uuid = '{uuid}'")
    xlsform = {"file": ("karaoke.xlsx", to_xlsx(get("karaoke")))}
    draft = as_user("cityoffice").post("/api/v1/forms/xlsform", files=xlsform)  # a checklist draft to preview
    assert draft.status_code == 201, draft.text
    device = as_user("admin").post("/api/v1/device-tokens", json={"username": "inspector1", "name": "A15"})
    assert device.status_code == 201, device.text
    returned = one("SELECT i.uuid FROM inspections i JOIN users u ON u.id = i.inspector_id WHERE "
                   "u.username = 'inspector1' AND i.review_state = 'returned' ORDER BY i.id")
    return {"/inspections/{uuid:str}/edit": {"uuid": returned},  # type: ignore[dict-item]
            "establishment_type": "karaoke", "year": "2023", "content_hash": content_hash,
            "establishment_id": str(places[0]), "other_id": str(places[1]),
            "third_id": str(places[2]), "uuid": uuid, "code": ward, "tip_id": str(tip.json()["id"]),
            "hotspot_id": str(spot.json()["id"]), "assignment_id": str(assignment["id"]),
            "import_id": str(draft.json()["id"]), "form_id": "karaoke",
            "token": device.json()["server_url"].rsplit("/", 1)[1]}


def fill(path: str, values: dict[str, str]) -> str:
    values = {**values, **values.get(path, {})}  # type: ignore[dict-item]
    url = re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: values[m.group(1)], path)
    return url + QUERIES.get(path, "").format(**values)


def switch_language(client: TestClient, lang: str) -> None:
    page = client.get("/").text
    token = re.search(r'name="_csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    client.post("/language", data={"language": lang, "next": "/", "_csrf_token": token})
    assert f'<html lang="{lang}">' in client.get("/").text


def problems_of(nodes: list[str], lang: str, data: list[str], english: set[str]) -> list[str]:
    found = []
    codes = {v for kind in labels.values().values() for v in kind} - SHARED_WORDS
    for node in nodes:
        text = node
        for value in data:
            if value in text:
                text = text.replace(value, " ")
        if m := ISO_DATE.search(node):
            found.append(f"ISO date {m.group()!r} in {node!r}")
        if m := LOGINS.search(text):
            found.append(f"login {m.group()!r} in {node!r}")
        words = set(re.findall(r"[\w.]+", text))
        if leaked := sorted(w for w in words if w in codes and ("_" in w or lang == "vi" or
                                                              re.search(rf"→\s*{w}\b|\b{w}\s*→|:\s*{w}\s*$", text))):
            found.append(f"internal value {leaked} in {node!r}")
        if lang == "en" and VIETNAMESE.search(text) and text.strip() not in {"Tiếng Việt"}:
            found.append(f"Vietnamese in the English page: {node!r}")
        if lang == "vi" and (m := ENGLISH_WORDS.search(text)) and text.strip() != "English":
            found.append(f"English {m.group()!r} in the Vietnamese page: {node!r}")
        if lang == "vi" and text.strip() in english:
            found.append(f"English message in the Vietnamese page: {node!r}")
    return found


def english_messages() -> set[str]:
    from babel.messages.pofile import read_po

    from tests.test_i18n import PO

    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    return {m.string for m in catalog if m.id and isinstance(m.string, str) and m.string != m.id
            and len(m.string) > 3}


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_every_page_speaks_the_users_language(as_user: Callable[[str], TestClient], database_url: str,
                                              lang: str) -> None:
    values = every_state(as_user, database_url)
    data, english = data_strings(database_url), english_messages()
    paths = page_paths()
    assert len(paths) > 30 and "/" in paths and "/review" in paths
    shown: dict[str, list[str]] = {p: [] for p in paths}
    problems: list[str] = []
    for role in ROLES:
        client = as_user(role)
        switch_language(client, lang)
        for path in [*paths, *EMPTY_FILTERS]:
            url = fill(path, values) if path in shown else path
            response = client.get(url)
            assert response.status_code in {200, 403, 404}, (role, url, response.status_code, response.text[:300])
            if response.status_code != 200:
                continue
            shown.setdefault(path, []).append(role)
            if FILE.search(path.split("?")[0]):
                assert "text/html" not in response.headers["content-type"], url
                continue
            assert response.headers["content-type"].startswith("text/html"), (url, response.headers)
            problems += [f"{role} {url}: {p}" for p in problems_of(visible_text(response.text), lang, data, english)]
    assert not [p for p, roles in shown.items() if not roles], "pages no role could open"
    assert not problems, "\n".join(sorted({re.sub(r"\d", "9", p) for p in problems}))


#: (role, url, status) of the error pages: a bad filter (400), a page the role may not open (403), a record that
#: is not there (404), a conflict (409 comes with the tip's own page, see tests/test_error_language.py).
ERROR_PAGES = [("inspector1", "/registry?page=abc", 400), ("police.hamrong", "/review?flag=bogus", 400),
               ("inspector1", "/admin/users", 403), ("to.14755", "/review", 403),
               ("inspector1", "/registry/999999", 404), ("police.hamrong", "/tips/999999", 404)]


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_error_pages_speak_the_users_language(as_user: Callable[[str], TestClient], database_url: str,
                                              lang: str) -> None:
    data, english = data_strings(database_url), english_messages()
    clients: dict[str, TestClient] = {}
    problems: list[str] = []
    for role, url, status in ERROR_PAGES:
        if role not in clients:
            clients[role] = as_user(role)
            switch_language(clients[role], lang)
        response = clients[role].get(url)
        assert response.status_code == status, (role, url, response.status_code)
        assert f'<html lang="{lang}">' in response.text and 'id="problem"' in response.text
        problems += [f"{role} {url}: {p}" for p in problems_of(visible_text(response.text), lang, data, english)]
    assert not problems, "\n".join(problems)


def test_the_checks_catch_what_they_are_for() -> None:
    """The heuristics themselves: each kind of leak is found, proper text passes."""
    assert problems_of(["Kết quả: violations"], "vi", [], set())
    assert problems_of(["(submitted → returned)"], "en", [], set())
    assert problems_of(["far_from_registered_point"], "en", [], set())
    assert problems_of(["Số liệu tính đến ngày 2023-12-31"], "vi", [], set())
    assert problems_of(["police.hamrong"], "vi", [], set())
    assert problems_of(["Kết quả hiện tại"], "en", [], set())
    assert problems_of(["say why you return"], "vi", [], set())
    assert problems_of(["Wards and communes"], "vi", [], {"Wards and communes"})
    assert not problems_of(["Kết quả: Phát hiện vi phạm · 31/12/2023"], "vi", [], set())
    assert not problems_of(["Hello, Nguyễn Văn An"], "en", ["Nguyễn Văn An"], set())
    assert visible_text('<p>A<script>x()</script><small class="login">police.hamrong</small></p>') == ["A"]
