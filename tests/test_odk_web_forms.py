"""A client nobody here wrote: ODK Web Forms (`@getodk/web-forms` from npm, the form engine ODK Central serves)
renders each exported checklist in real Chromium from our OpenRosa endpoints (form, manifest, business list)
under a device token, a person fills it as an inspector would, and the instance Web Forms builds is posted to
`/submission`: the record is stored through the phone's submission path, geotagged against the business's
registered point, and shows in the ward police's review queue.

The host page (`tests/odk_web_forms/host.html`) does what ODK Central's does: fetch the form and its media,
mount the component, post its submission. The test serves it and the npm packages at the app's origin through
Playwright; the app itself serves nothing of it. `scripts/test` installs the packages (`npm ci`).
"""

from __future__ import annotations

import csv
import io
import mimetypes
import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, Route, expect

from forms import registry
from forms.spec import FormDefinition
from server.calendar import local_now
from tests.conftest import DEMO_PASSWORD
from tests.live import LiveServer
from tests.submissions import image
from tests.test_phone_browser import execute

pytestmark = pytest.mark.browser
WEB_FORMS = Path(__file__).parent / "odk_web_forms"
HOST = "/__odk_web_forms/"
HAM_RONG = "14755"  # the ward of the demo's police.hamrong
STRAIGHT_QUOTES = str.maketrans("“”‘’", "\"\"''")
OpenForm = Callable[[str, tuple[float, float]], Page]
FORMS = sorted({form.id for form in registry.all_forms()})


@pytest.fixture(scope="module")
def packages() -> Path:
    """The npm packages `scripts/test` installed (ODK Web Forms and the Vue it runs on)."""
    modules = WEB_FORMS / "node_modules"
    assert (modules / "@getodk/web-forms/dist/index.js").is_file(), (
        "ODK Web Forms is not installed: scripts/test runs `npm ci --prefix tests/odk_web_forms`")
    return modules


@pytest.fixture
def device(server: LiveServer) -> str:
    """The path prefix of a device token issued to inspector1 by the admin (what ODK Collect is set up with)."""
    with httpx.Client(base_url=server.url, timeout=30) as admin:
        assert admin.post("/api/v1/session", json={"username": "admin", "password": DEMO_PASSWORD}).status_code == 201
        issued = admin.post("/api/v1/device-tokens", json={"username": "inspector1", "name": "ODK Web Forms"})
        assert issued.status_code == 201, issued.text
        return "/key/" + issued.json()["server_url"].rsplit("/key/", 1)[1]


@pytest.fixture
def open_form(browser: Browser, server: LiveServer, device: str, packages: Path) -> Iterator[OpenForm]:
    """``open_form(form_id, (lat, lon))``: a 360 px phone standing at that point, on the host page of that form."""
    contexts = []

    def serve(route: Route) -> None:
        path = route.request.url.split(HOST, 1)[1].split("?", 1)[0]
        file = WEB_FORMS / path if path == "host.html" else packages / path
        kind = "text/javascript" if file.suffix == ".js" else mimetypes.guess_type(file.name)[0]
        route.fulfill(status=200, body=file.read_bytes(), content_type=kind or "application/octet-stream")

    def opened(form_id: str, point: tuple[float, float]) -> Page:
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN",
                                      geolocation={"latitude": point[0], "longitude": point[1], "accuracy": 6},
                                      permissions=["geolocation"])
        contexts.append(context)
        context.route(f"{server.url}{HOST}**", serve)
        page = context.new_page()
        page.goto(f"{server.url}{HOST}host.html?base={device}&form={form_id}")
        expect(page.locator(".form-initialization-status.ready")).to_have_count(1, timeout=30_000)
        return page

    yield opened
    for context in contexts:
        context.close()


def businesses(server: LiveServer, device: str, form_id: str) -> dict[int, str]:
    """The business list the manifest points to (id → label), as the form reads it."""
    manifest = httpx.get(f"{server.url}{device}/xforms/{form_id}/manifest", timeout=30)
    url = re.search(r"<downloadUrl>([^<]+)</downloadUrl>", manifest.text).group(1)  # type: ignore[union-attr]
    rows = list(csv.reader(io.StringIO(httpx.get(url, timeout=30).text)))
    assert rows[0] == ["name", "label"]
    return {int(row[0]): row[1] for row in rows[1:]}


def business_in_ham_rong(database_url: str, listed: dict[int, str]) -> tuple[int, float, float]:
    """A listed business of Hàm Rồng with a registered point (police.hamrong reviews it)."""
    rows = execute(database_url, "SELECT e.id, e.lat, e.lon FROM establishments e JOIN wards w ON w.id = e.ward_id "
                                 "WHERE w.code = :ward AND e.lat IS NOT NULL ORDER BY e.id", {"ward": HAM_RONG})
    return next((i, lat, lon) for i, lat, lon in rows if i in listed)


CLOSING = ("started_at", "team_members", "outcome", "ended_at", "representative_signed")


def question(page: Page, label: str) -> Locator:
    """A question of the rendered form, found by its label as a person reads it (pyxform writes quotation marks
    straight)."""
    text = label.translate(STRAIGHT_QUOTES)
    exact = page.locator("label").filter(has_text=re.compile("^" + re.escape(text) + "$"))
    return page.locator(".question-container").filter(has=exact).first


def moment(minutes_ago: int) -> str:
    """A time as a person types it into the form's dateTime field (local time, with its offset)."""
    return (local_now() - timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds")


def labels(form: FormDefinition) -> dict[str, str]:
    """Each question's Vietnamese label, by question id."""
    return {q.id: q.label.vi for _, q in form.questions()}


def start(page: Page, form: FormDefinition, label: str, outcome: str) -> None:
    """The visit part and the record's opening: business, location, start, team, outcome."""
    label_of = labels(form)
    question(page, "Cơ sở được kiểm tra").locator(".p-select").click()
    page.locator(".p-select-filter").fill(label.split(" — ")[0])
    page.locator(".p-select-overlay [role=option]").filter(has_text=re.compile("^" + re.escape(label) + "$")).click()
    question(page, "Vị trí của đoàn kiểm tra").get_by_role("button").click()
    page.get_by_role("button", name="Save location").click()
    question(page, label_of["started_at"]).locator("input").fill(moment(50))
    question(page, label_of["team_members"]).locator("input").fill("Lê Văn Kiểm, Nguyễn Thị Tra, Trịnh Minh Đội")
    choice = next(c.label.vi for _, q in form.questions() if q.id == "outcome" for c in q.choices or []
                  if c.id == outcome)
    question(page, label_of["outcome"]).get_by_text(choice, exact=True).click()


def finish(page: Page, form: FormDefinition, signed: str) -> tuple[str, str]:
    """The closing part; then Send. The server's status and message as the host page shows them."""
    label_of = labels(form)
    question(page, label_of["ended_at"]).locator("input").fill(moment(5))
    question(page, label_of["representative_signed"]).get_by_text(signed, exact=True).click()
    if signed != "Có":
        question(page, label_of["refusal_note"]).locator("input").fill("Không có người đại diện của cơ sở tại chỗ.")
    page.get_by_role("button", name="Send").click()
    result = page.locator("#result")
    expect(result).not_to_have_attribute("data-status", "", timeout=30_000)
    return result.get_attribute("data-status") or "", result.inner_text()


def in_review_queue(browser: Browser, server: LiveServer, uuid: str) -> str:
    """The ward police's review queue row of a record, as they see it in Chromium."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="vi-VN")
    try:
        page = context.new_page()
        page.goto(server.url + "/login?next=/review")
        page.fill("input[name=username]", "police.hamrong")
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.press("input[name=password]", "Enter")
        page.wait_for_url("**/review")
        row = page.locator(f"tr[data-uuid='{uuid}']")
        expect(row).to_have_count(1)
        return row.inner_text()
    finally:
        context.close()


@pytest.mark.parametrize("form_id", FORMS)
def test_each_exported_form_renders_in_web_forms_and_its_submission_reaches_the_review_queue(
        form_id: str, open_form: OpenForm, browser: Browser, server: LiveServer, device: str,
        database_url: str) -> None:
    form = registry.get(form_id)
    listed = businesses(server, device, form_id)
    business, lat, lon = business_in_ham_rong(database_url, listed)
    page = open_form(form_id, (lat + 0.0001, lon))  # about 11 m north of the registered point
    expect(page.get_by_role("heading", level=1, name=form.title.vi, exact=True)).to_be_visible()
    for section in form.sections:  # every part of the checklist is rendered, in Vietnamese
        expect(page.get_by_text(section.title.vi, exact=True).first).to_be_attached()
    start(page, form, listed[business], "closed_at_visit")
    status, message = finish(page, form, "Không áp dụng")
    assert (status, message) == ("201", "Đã nhận biên bản.")

    rows = execute(database_url, "SELECT uuid, outcome, distance_m, flags, review_state FROM inspections "
                                 "WHERE establishment_id = :e AND outcome = 'closed_at_visit' ORDER BY id DESC",
                   {"e": business})
    uuid, outcome, distance, flags, state = rows[0]
    assert outcome == "closed_at_visit" and state == "submitted"
    assert 5 < distance < 20 and "far_from_registered_point" not in str(flags)  # geotagged where the phone stood
    assert listed[business].split(" — ")[0] in in_review_queue(browser, server, uuid)


def test_a_record_with_a_violation_and_a_photo_from_web_forms(open_form: OpenForm, browser: Browser, server: LiveServer,
                                                              device: str, database_url: str) -> None:
    form = registry.get("hair_salon")
    listed = businesses(server, device, form.id)
    business, lat, lon = business_in_ham_rong(database_url, listed)
    page = open_form(form.id, (lat, lon))
    start(page, form, listed[business], "violations")
    answered = 0
    for _, q in form.questions():
        box = question(page, q.label.vi)
        if not q.required or q.kind == "photo" or q.id in CLOSING or box.count() == 0:
            continue  # optional, a photo (below), answered by start/finish, or not relevant
        if q.kind == "yes_no_na":  # the business registration is missing; everything else does not apply
            box.get_by_text("Không" if q.id == "salon_business_registration_valid" else "Không áp dụng",
                            exact=True).click()
        elif q.kind == "number":
            box.locator("input").press_sequentially("0")
        else:
            box.locator("input").fill("Nguyễn Thị Lan, chủ cơ sở")
        answered += 1
    assert answered >= 8
    question(page, "Ảnh chứng cứ vi phạm").locator("input[type=file]").set_input_files(
        files=[{"name": "bien-hieu.jpg", "mimeType": "image/jpeg", "buffer": image(size=(640, 480))}])
    status, message = finish(page, form, "Có")
    assert (status, message) == ("201", "Đã nhận biên bản."), message

    uuid, violations, count = execute(
        database_url, "SELECT uuid, violations, violation_count FROM inspections WHERE establishment_id = :e "
                      "AND outcome = 'violations' ORDER BY id DESC", {"e": business})[0]
    assert count == 1 and "salon_business_registration_valid" in str(violations)
    photos = execute(database_url, "SELECT a.sha256 FROM attachments a JOIN inspections i ON i.id = a.inspection_id "
                                   "WHERE i.uuid = :u", {"u": uuid})
    assert len(photos) == 1
    row = in_review_queue(browser, server, uuid)
    assert listed[business].split(" — ")[0] in row and "1" in row.split("\t")
