"""Real Chromium on a 360×740 phone with a mocked position: the offline outbox end to end, and the checklist
with JavaScript off. The app runs as a real uvicorn process on this test's database."""

from __future__ import annotations

import random
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from forms import registry
from seed.history import answers_for
from server.calendar import LOCAL_TZ
from tests.conftest import DEMO_PASSWORD
from tests.dbs import execute as execute_here
from tests.live import LiveServer
from tests.submissions import establishment, image, violation_item

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}
VIETNAM = "Asia/Ho_Chi_Minh"


#: True when this phone's outbox (IndexedDB) holds nothing: every record it kept was sent and answered with a 2xx.
OUTBOX_EMPTY = """() => new Promise((ok, ko) => {
  const r = indexedDB.open('kiemtra', 1);
  r.onupgradeneeded = () => r.result.createObjectStore('outbox', { keyPath: 'uuid' });
  r.onerror = () => ko(r.error);
  r.onsuccess = () => {
    const q = r.result.transaction('outbox').objectStore('outbox').count();
    q.onsuccess = () => { r.result.close(); ok(q.result === 0); };
    q.onerror = () => ko(q.error);
  };
})"""


def outbox_sent(page: Page, timeout: int = 60_000) -> None:
    """Wait until the phone has sent all it held, then check its outbox line is gone. The line alone proves nothing
    right after a page load: it is hidden in the HTML until phone.js has counted the outbox."""
    page.wait_for_function(OUTBOX_EMPTY, polling=250, timeout=timeout)
    expect(page.locator("#outbox")).to_be_hidden()


def off_loop(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a database helper (it uses asyncio.run) outside Playwright's event loop."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(fn, *args).result()


def execute(url: str, sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
    return off_loop(execute_here, url, sql, params)


def login(context: BrowserContext, url: str) -> Page:
    page = context.new_page()
    page.goto(url + "/login?next=/phone")
    page.fill("input[name=username]", "inspector1")
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/login'] button, form[action='/login'] [type=submit]")
    page.wait_for_url("**/phone")
    return page


def fill(page: Page, answers: dict[str, Any]) -> None:
    """Answer the checklist through its controls, in form order (as a person would)."""
    kinds = {q.id: q.kind for _, q in registry.get("karaoke").questions()}
    for qid, value in answers.items():
        box = page.locator(f"#q-{qid}")
        kind = kinds[qid]
        if kind in ("yes_no_na", "choice", "multi_choice"):
            for v in value if isinstance(value, list) else [value]:
                box.locator(f"label:has(input[value='{v}']) span").click()  # a label works without JS too
        elif kind == "datetime":
            local = datetime.fromisoformat(value).astimezone(LOCAL_TZ)
            box.locator("input").fill(local.strftime("%Y-%m-%dT%H:%M"))
        elif kind == "number":
            box.locator("input").fill(str(value))
        elif kind == "text":
            box.locator("textarea").fill(str(value))


def karaoke_answers(violation: bool) -> dict[str, Any]:
    form = registry.get("karaoke")
    started = datetime.now(UTC) - timedelta(minutes=20)
    answers = answers_for(form, random.Random(11), started, "Lê Văn Kiểm, Nguyễn Thị Tra, Trịnh Minh Đội")
    answers.pop("started_at")  # the page sets it from the phone's clock
    if violation:
        answers["outcome"] = "violations"
        answers[violation_item()] = "no"
    return answers


#: The last inspection id of each test's seeded database: the seed's history runs to yesterday, so a test's
#: own inspections are those after it.
SEEDED: dict[str, int] = {}


@pytest.fixture(autouse=True)
def seeded_until(database_url: str) -> None:
    SEEDED[database_url] = execute_here(database_url, "SELECT COALESCE(MAX(id), 0) FROM inspections")[0][0]


def new_inspections(database_url: str, establishment_id: int) -> list[tuple[Any, ...]]:
    return execute(database_url, "SELECT id, uuid, lat, lon, accuracy_m, flags, violation_count, outcome "
                                 "FROM inspections WHERE establishment_id = :e AND id > :last",
                   {"e": establishment_id, "last": SEEDED[database_url]})


def test_offline_submission_survives_a_reload_and_is_sent_once(
    browser: Browser, server: LiveServer, database_url: str
) -> None:
    establishment_id, lat, lon = off_loop(establishment, database_url, "karaoke")
    fix = {"latitude": lat + 0.0002, "longitude": lon, "accuracy": 8}
    context = browser.new_context(viewport=PHONE, timezone_id=VIETNAM, geolocation=fix, permissions=["geolocation"])
    page = login(context, server.url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.click("#locate")
    page.wait_for_url("**/phone?lat=*")
    page.click(f"#found a[href='/phone/check/{establishment_id}']")
    page.wait_for_url(f"**/phone/check/{establishment_id}")
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    expect(page.locator("#gps-text")).to_contain_text(" m ")  # the fix and the distance to the registered point

    fill(page, karaoke_answers(violation=True))
    page.locator("#q-evidence_photos input[type=file]").set_input_files(
        {"name": "camera.png", "mimeType": "image/png", "buffer": image("PNG", size=(2400, 1800))})
    expect(page.locator("#q-evidence_photos .thumbs img")).to_have_count(1)
    expect(page.locator("#summary")).to_contain_text("(1)")

    context.set_offline(True)
    page.click("#submit")
    expect(page.locator("#outbox")).to_have_text("1 chưa gửi")
    assert new_inspections(database_url, establishment_id) == []

    page.reload()
    expect(page.locator("#outbox")).to_have_text("1 chưa gửi")
    expect(page.locator("#name")).to_be_visible()

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    outbox_sent(page)
    page.reload()
    expect(page.locator("#outbox")).to_be_hidden()

    rows = new_inspections(database_url, establishment_id)
    assert len(rows) == 1, rows
    inspection_id, _, got_lat, got_lon, accuracy, flags, violations, outcome = rows[0]
    assert abs(got_lat - (lat + 0.0002)) < 1e-6 and abs(got_lon - lon) < 1e-6 and accuracy == 8
    assert flags in ("[]", []) and violations == 1 and outcome == "violations"
    photos = execute(database_url, "SELECT content_type, width, height FROM attachments WHERE inspection_id = :i",
                     {"i": inspection_id})
    assert photos == [("image/jpeg", 1600, 1200)]  # downscaled on the phone
    context.close()


def test_checklist_with_javascript_off_saves_a_submission(
    browser: Browser, server: LiveServer, database_url: str
) -> None:
    establishment_id, _, _ = off_loop(establishment, database_url, "karaoke")
    context = browser.new_context(viewport=PHONE, timezone_id=VIETNAM, java_script_enabled=False)
    page = login(context, server.url)
    page.goto(f"{server.url}/phone/check/{establishment_id}")
    fill(page, karaoke_answers(violation=False))
    page.click("#submit")
    page.wait_for_url("**/inspections/*?saved=1")
    expect(page.locator("#saved")).to_be_visible()
    rows = new_inspections(database_url, establishment_id)
    assert len(rows) == 1 and rows[0][2] is None and "no_fix" in str(rows[0][5])
    context.close()
