"""A phone shared by two inspectors, in real Chromium: the IndexedDB outbox keeps each item's owner and sends
only the logged-in user's items, so one inspector's unsent submission is never filed under the next one's
session. The app runs as a real uvicorn process on this test's database."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.conftest import DEMO_PASSWORD
from tests.live import LiveServer
from tests.submissions import establishment
from tests.test_phone_browser import (
    PHONE,
    SEEDED,
    VIETNAM,
    execute,
    fill,
    karaoke_answers,
    off_loop,
    outbox_sent,
)
from tests.test_phone_browser import seeded_until as seeded_until  # the fixture, for this module's tests too

pytestmark = pytest.mark.browser
SENDING = "**/api/v1/inspections/**"
OUTBOX = """() => new Promise((ok, ko) => {
  const r = indexedDB.open('kiemtra', 1);
  r.onerror = () => ko(r.error);
  r.onsuccess = () => {
    const q = r.result.transaction('outbox').objectStore('outbox').getAll();
    q.onsuccess = () => { r.result.close(); ok(q.result.map(i => [i.owner || null, !!i.sent, i.error || null])); };
    q.onerror = () => ko(q.error);
  };
})"""
PASS_ENDED = """() => {
  const box = document.querySelector('#outbox');
  if (!box.dataset.synced) window.dispatchEvent(new Event('online'));
  return !!box.dataset.synced;
}"""


def user_id(database_url: str, username: str) -> int:
    return execute(database_url, "SELECT id FROM users WHERE username = :u", {"u": username})[0][0]


def login(page: Page, url: str, username: str) -> None:
    page.goto(url + "/login?next=/phone")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("form[action='/login'] button, form[action='/login'] [type=submit]")
    page.wait_for_url("**/phone")


def logout(page: Page) -> None:
    page.click("form[action='/logout'] button")
    page.wait_for_url("**/login")


def block_sending(context: BrowserContext) -> None:
    def refuse(route: Route) -> None:
        route.abort()
    context.route(SENDING, refuse)


def sending_pass(page: Page) -> None:
    """Wait until a whole sending pass of phone.js has run on this page (it stamps #outbox[data-synced])."""
    page.evaluate("delete document.querySelector('#outbox').dataset.synced")
    page.wait_for_function(PASS_ENDED, polling=500, timeout=30_000)


def inspections(database_url: str, establishment_id: int) -> list[tuple[Any, ...]]:
    return execute(database_url, "SELECT inspector_id FROM inspections WHERE establishment_id = :e AND id > :last",
                   {"e": establishment_id, "last": SEEDED[database_url]})


def by_user(database_url: str, inspector_id: int) -> list[tuple[Any, ...]]:
    return execute(database_url, "SELECT uuid FROM inspections WHERE inspector_id = :i AND id > :last",
                   {"i": inspector_id, "last": SEEDED[database_url]})


def submit_offline(context: BrowserContext, page: Page, url: str, establishment_id: int) -> None:
    page.goto(f"{url}/phone/check/{establishment_id}")
    fill(page, karaoke_answers(violation=False))
    context.set_offline(True)
    page.click("#submit")
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#outbox")).to_have_text("1 chưa gửi")


def phone(browser: Browser, lat: float, lon: float) -> BrowserContext:
    return browser.new_context(viewport=PHONE, timezone_id=VIETNAM, permissions=["geolocation"],
                               geolocation={"latitude": lat, "longitude": lon, "accuracy": 8})


def inspector1_left_one_offline(
    browser: Browser, server: LiveServer, database_url: str
) -> tuple[int, int, int, BrowserContext, Page]:
    """inspector1 submits a karaoke visit offline; (business, inspector1's id, inspector2's id, phone, page)."""
    establishment_id, lat, lon = off_loop(establishment, database_url, "karaoke")
    context = phone(browser, lat, lon)
    page = context.new_page()
    login(page, server.url, "inspector1")
    submit_offline(context, page, server.url, establishment_id)
    return (establishment_id, user_id(database_url, "inspector1"), user_id(database_url, "inspector2"),
            context, page)


def test_items_of_the_previous_inspector_wait_for_that_inspector(
    browser: Browser, server: LiveServer, database_url: str
) -> None:
    establishment_id, first, second, context, page = inspector1_left_one_offline(browser, server, database_url)
    assert page.evaluate(OUTBOX) == [[str(first), False, None]]

    block_sending(context)  # back online, but the server never gets it before the logout
    context.set_offline(False)
    sending_pass(page)
    logout(page)
    context.unroute(SENDING)

    login(page, server.url, "inspector2")
    expect(page.locator("#outbox")).to_have_text("1 chưa gửi của người dùng khác")
    sending_pass(page)
    assert inspections(database_url, establishment_id) == []
    assert by_user(database_url, second) == []
    assert page.evaluate(OUTBOX) == [[str(first), False, None]]  # kept, not sent, not marked
    page.goto(f"{server.url}/phone/check/{establishment_id}")
    expect(page.locator("#outbox")).to_have_text("1 chưa gửi của người dùng khác")
    sending_pass(page)
    assert inspections(database_url, establishment_id) == []

    logout(page)
    login(page, server.url, "inspector1")
    outbox_sent(page)
    assert page.evaluate(OUTBOX) == []
    assert inspections(database_url, establishment_id) == [(first,)]
    assert by_user(database_url, second) == []
    context.close()


def test_a_tab_left_open_by_the_previous_inspector_sends_nothing(
    browser: Browser, server: LiveServer, database_url: str
) -> None:
    establishment_id, first, second, context, left_open = inspector1_left_one_offline(browser, server, database_url)
    block_sending(context)
    context.set_offline(False)

    other = context.new_page()  # another tab: inspector1 logs out there and inspector2 logs in
    other.goto(server.url + "/phone")
    expect(other.locator("#outbox")).to_have_text("1 chưa gửi")
    logout(other)
    login(other, server.url, "inspector2")
    context.unroute(SENDING)
    expect(other.locator("#outbox")).to_have_text("1 chưa gửi của người dùng khác")
    sending_pass(other)

    sending_pass(left_open)  # still rendered for inspector1, but the cookie is inspector2's now
    assert inspections(database_url, establishment_id) == []
    assert by_user(database_url, second) == []
    assert left_open.evaluate(OUTBOX) == [[str(first), False, None]]
    left_open.reload()
    expect(left_open.locator("#outbox")).to_have_text("1 chưa gửi của người dùng khác")
    context.close()
