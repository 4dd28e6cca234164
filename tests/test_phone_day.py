"""The inspector's whole day in real Chromium on a 360×740 phone (issue 14): every phone page fits the screen
with 44×44 px targets and a small header; a returned record is fixed and resent (online and offline) and the
reviewer sees the next version; the checklist in sections; drafts; the outbox page; the offline day."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests.live import LiveServer
from tests.phone_day import (
    FITS,
    HELD,
    TARGETS,
    api,
    assign_today,
    inspections_of,
    one_per_type,
    record_of,
    returned_records,
)
from tests.submissions import body, establishment, image, new_uuid
from tests.test_phone_browser import PHONE, VIETNAM, execute, fill, karaoke_answers, login, off_loop, outbox_sent

pytestmark = pytest.mark.browser


def phone(browser: Browser, lat: float = 19.807, lon: float = 105.776) -> BrowserContext:
    return browser.new_context(viewport=PHONE, timezone_id=VIETNAM, locale="vi-VN", permissions=["geolocation"],
                               geolocation={"latitude": lat, "longitude": lon, "accuracy": 8})


def test_every_phone_page_fits_360_px_with_44_px_targets_and_a_small_header(
    browser: Browser, server: LiveServer, database_url: str
) -> None:
    types = off_loop(one_per_type, database_url)
    returned = off_loop(returned_records, database_url)
    assert returned, "the seed returns records to inspector1"
    assignment = off_loop(assign_today, server.url, database_url, list(types.values())[:3])
    context = phone(browser)
    page = login(context, server.url)
    pages = ["/", "/phone", "/phone?q=karaoke", "/phone/outbox", "/phone/offline", f"/inspections/{returned[0]}/edit",
             f"/inspections/{returned[0]}", f"/inspections/{returned[0]}/history", f"/assignments/{assignment}",
             *[f"/phone/check/{i}" for i in types.values()]]
    problems: dict[str, Any] = {}
    for path in pages:
        response = page.goto(server.url + path)
        assert response is not None and response.status == 200, path
        width, inner, header = page.evaluate(FITS)
        small = page.evaluate(TARGETS)
        if width > inner or header > 0.12 * 740 or small:
            problems[path] = {"scrollWidth": width, "header": header, "small": small}
    assert problems == {}, __import__("json").dumps(problems, indent=1, ensure_ascii=False)
    context.close()


def edit_and_resend(context: BrowserContext, page: Page, url: str, uuid: str, note: str, offline: bool) -> None:
    page.goto(url + "/")
    page.click(f"#returned li[data-uuid='{uuid}'] a")  # the home page's link opens the fix-and-resend checklist
    page.wait_for_url(f"**/inspections/{uuid}/edit")
    expect(page.locator("#review-comment")).to_be_visible()
    expect(page.locator("#submit")).to_have_text("Gửi lại biên bản")
    expect(page.locator("#q-outcome input:checked")).to_have_count(1)  # prefilled with the current version
    until(page, "() => navigator.serviceWorker.controller !== null")
    if offline:
        context.set_offline(True)
        page.reload()  # the edit page comes from the service worker
        expect(page.locator("#review-comment")).to_be_visible()
    page.fill("textarea[name=notes]", note)
    page.click("#submit")
    expect(page.locator("#done")).to_be_visible()
    expect(page.locator("#checklist")).to_be_hidden()  # no blank form for the same business again


def test_a_returned_record_is_fixed_and_resent_online_and_offline_and_the_reviewer_sees_version_2(
    browser: Browser, server: LiveServer, database_url: str
) -> None:
    first, second = off_loop(returned_records, database_url)[:2]
    assert off_loop(record_of, database_url, first)[:2] == (1, "returned")
    context = phone(browser)
    page = login(context, server.url)

    edit_and_resend(context, page, server.url, first, "Đã bổ sung: bình chữa cháy có tem kiểm định.", offline=False)
    expect(page.locator("#done")).to_have_attribute("data-state", "sent")
    expect(page.locator("#done-record")).to_have_attribute("href", f"/inspections/{first}")
    assert off_loop(record_of, database_url, first) == (2, "submitted", "Đã bổ sung: bình chữa cháy có tem kiểm định.")

    edit_and_resend(context, page, server.url, second, "Sửa lại khi không có mạng.", offline=True)
    expect(page.locator("#done")).to_have_attribute("data-state", "held")
    expect(page.locator("#outbox")).to_have_text("1 chưa gửi")
    assert off_loop(record_of, database_url, second)[:2] == (1, "returned")
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    outbox_sent(page)
    assert off_loop(record_of, database_url, second) == (2, "submitted", "Sửa lại khi không có mạng.")
    context.close()

    reviewer = api(server.url, "cityoffice")
    try:
        history = reviewer.get(f"/api/v1/inspections/{first}/history").json()
    finally:
        reviewer.close()
    assert history["inspection"]["version"] == 2
    assert history["inspection"]["notes"] == "Đã bổ sung: bình chữa cháy có tem kiểm định."
    assert [v["version"] for v in history["versions"]] == [1]  # version 1 is kept
    assert history["versions"][0]["body"]["notes"] != history["inspection"]["notes"]


def test_the_checklist_in_sections_with_errors_under_questions_removable_photos_and_a_draft(
    browser: Browser, server: LiveServer, database_url: str
) -> None:
    establishment_id, lat, lon = off_loop(establishment, database_url, "karaoke")
    known = off_loop(inspections_of, database_url, establishment_id)
    context = phone(browser, lat, lon)
    page = login(context, server.url)
    page.goto(f"{server.url}/phone/check/{establishment_id}")
    expect(page.locator("#summary")).to_have_text(re.compile("chưa có kết luận"))  # no verdict before answers
    expect(page.locator("#summary")).not_to_contain_text("Không phát hiện vi phạm")
    expect(page.locator("#jump a[data-sec]")).to_have_count(8)
    legal = page.locator("#jump a[data-sec=legal] .cnt")
    expect(legal).to_have_text("0/8")
    total = page.locator("#progress-text").inner_text()

    page.click("#submit")  # nothing answered: an error under every required question, and a jump to the first
    expect(page.locator("#missing")).to_be_visible()
    bad = page.locator("fieldset.bad")
    assert bad.count() > 10
    expect(page.locator("fieldset.bad .qerr")).to_have_count(bad.count())
    page.locator("#q-karaoke_business_licence_valid").scroll_into_view_if_needed()
    page.click("#to-first")
    expect(bad.first).to_be_in_viewport()

    page.locator("#q-karaoke_business_registration_valid label:has(input[value='no']) span").click()
    expect(legal).to_have_text("1/8")
    expect(page.locator("#q-karaoke_business_registration_valid .qerr")).to_have_count(0)
    assert page.locator("#progress-text").inner_text() != total
    expect(page.locator("#summary")).to_contain_text("(1)")  # a violation, now that there is an answer

    photo = page.locator("#q-photos input[type=file]")
    same = {"name": "a.png", "mimeType": "image/png", "buffer": image("PNG", size=(800, 600))}
    photo.set_input_files(same)
    expect(page.locator("#q-photos .thumbs img")).to_have_count(1)
    photo.set_input_files(same)  # the same photo again is attached once
    page.locator("#q-photos input[type=file]").set_input_files(
        {"name": "b.png", "mimeType": "image/png", "buffer": image("PNG", size=(640, 640))})
    expect(page.locator("#q-photos .thumbs img")).to_have_count(2)
    page.locator("#q-photos .thumb .remove").last.click()
    expect(page.locator("#q-photos .thumbs img")).to_have_count(1)

    until(page, DRAFT_HAS_PHOTO, f"/phone/check/{establishment_id}")
    page.reload()  # the draft comes back: the answer and the photo
    expect(page.locator("#held")).to_contain_text("bản nháp")
    expect(page.locator("#q-karaoke_business_registration_valid input[value='no']")).to_be_checked()
    expect(page.locator("#q-photos .thumbs img")).to_have_count(1)
    expect(legal).to_have_text("1/8")

    answers = karaoke_answers(violation=False)
    fill(page, answers)
    page.locator("#q-karaoke_business_registration_valid label:has(input[value='yes']) span").click()
    page.click("#submit")
    expect(page.locator("#done")).to_have_attribute("data-state", "sent", timeout=30_000)
    expect(page.locator("#done-text")).to_have_text("Đã gửi biên bản lên máy chủ.")
    expect(page.locator("#checklist")).to_be_hidden()
    new = off_loop(inspections_of, database_url, establishment_id) - known
    assert len(new) == 1
    uuid = new.pop()
    expect(page.locator("#done-record")).to_have_attribute("href", f"/inspections/{uuid}")
    page.click("#done-record")
    page.wait_for_url(f"**/inspections/{uuid}")
    photos = execute(database_url, "SELECT count(*) FROM attachments a JOIN inspections i ON i.id = a.inspection_id "
                                   "WHERE i.uuid = :u", {"u": uuid})
    assert photos == [(1,)]
    page.goto(f"{server.url}/phone/check/{establishment_id}")  # the draft went with the submission
    expect(page.locator("#q-karaoke_business_registration_valid input:checked")).to_have_count(0)
    context.close()


DRAFT_HAS_PHOTO = """key => new Promise(ok => {
  const r = indexedDB.open('kiemtra-drafts', 1);
  r.onupgradeneeded = () => r.result.createObjectStore('drafts', { keyPath: 'key' });
  r.onsuccess = () => {
    const q = r.result.transaction('drafts').objectStore('drafts').get(key);
    q.onsuccess = () => { r.result.close(); ok(!!q.result && (q.result.photos.photos || []).length === 1); };
  };
})"""
ADD_REFUSED = """([user, body]) => new Promise((ok, ko) => {
  const r = indexedDB.open('kiemtra', 1);
  r.onsuccess = () => {
    const t = r.result.transaction('outbox', 'readwrite');
    t.objectStore('outbox').put({ uuid: '0b6a3f6e-1c0e-4f4e-9a55-3d2a3c1f0e01', owner: user,
      at: new Date().toISOString(), name: 'Bản sai', photos: [],
      body: Object.assign({}, body, { form_version: 999 }) });
    t.oncomplete = () => { r.result.close(); ok(true); };
    t.onerror = () => ko(t.error);
  };
})"""


def until(page: Page, script: str, arg: Any = None, tries: int = 150) -> None:
    """Evaluate ``script`` (it may return a promise) until it is true, every 200 ms."""
    for _ in range(tries):
        if page.evaluate(script, arg):
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"never true: {script}")


COUNT_PERSIST = """window.persistAsked = 0;
if (navigator.storage && navigator.storage.persist) {
  const ask = navigator.storage.persist.bind(navigator.storage);
  navigator.storage.persist = () => { window.persistAsked++; return ask(); };
}"""


def submit_offline(context: BrowserContext, page: Page, url: str, establishment_id: int) -> None:
    page.goto(f"{url}/phone/check/{establishment_id}")
    fill(page, karaoke_answers(violation=False))
    context.set_offline(True)
    page.click("#submit")
    expect(page.locator("#done")).to_have_attribute("data-state", "held")
    expect(page.locator("#done-text")).to_contain_text("Chưa có mạng")


def test_the_outbox_page_lists_sends_refuses_discards_exports_and_imports(
    browser: Browser, server: LiveServer, database_url: str, tmp_path: Path
) -> None:
    establishment_id, lat, lon = off_loop(establishment, database_url, "karaoke")
    known = off_loop(inspections_of, database_url, establishment_id)
    context = phone(browser, lat, lon)
    page = login(context, server.url)
    page.goto(server.url + "/phone/outbox")
    expect(page.locator("#empty")).to_be_visible()
    expect(page.locator("#persist")).not_to_be_empty()  # what the browser said to navigator.storage.persist()
    context.add_init_script(COUNT_PERSIST)
    submit_offline(context, page, server.url, establishment_id)
    assert page.evaluate("window.persistAsked") == 1  # asked again when the record is first held
    body = page.evaluate(HELD)[0]["body"]
    page.evaluate(ADD_REFUSED, [page.locator("#outbox").get_attribute("data-user"), body])

    page.goto(server.url + "/phone/outbox")  # offline: from the service worker
    items = page.locator("#items li")
    expect(items).to_have_count(2)
    expect(page.locator("#items li[data-state=waiting]")).to_have_count(2)
    context.set_offline(False)
    page.click("#send-all")
    refused = page.locator("#items li[data-state=refused]")
    expect(refused).to_have_count(1, timeout=30_000)
    expect(items).to_have_count(1)  # the good one was sent and left the phone
    # the server's own words (its detail and the field's message, in Vietnamese), not a field path
    expect(refused.locator(".reason")).to_have_text(
        "Phiên bản mẫu biên bản không tồn tại. Không có mẫu karaoke phiên bản 999.")
    page.screenshot(path=str(tmp_path / "outbox-refused.png"), full_page=True)
    assert len(off_loop(inspections_of, database_url, establishment_id) - known) == 1

    page.once("dialog", lambda d: d.dismiss())
    refused.locator("button.drop").click()
    expect(items).to_have_count(1)  # not confirmed: kept
    page.once("dialog", lambda d: d.accept())
    refused.locator("button.drop").click()
    expect(items).to_have_count(0)
    expect(page.locator("#empty")).to_be_visible()

    # A phone that breaks with an item held: export it, import it on another device, send it from there.
    other_id = off_loop(execute, database_url, "SELECT id FROM establishments WHERE type = 'karaoke' AND id <> :e "
                        "AND status = 'active' ORDER BY id LIMIT 1", {"e": establishment_id})[0][0]
    known = off_loop(inspections_of, database_url, other_id)
    submit_offline(context, page, server.url, other_id)
    page.goto(server.url + "/phone/outbox")
    with page.expect_download() as download:
        page.click("#export")
    exported = tmp_path / "outbox.json"
    download.value.save_as(exported)
    expect(page.locator("#transfer-msg")).to_contain_text("1")

    device = phone(browser, lat, lon)
    second = login(device, server.url)
    second.goto(server.url + "/phone/outbox")
    second.locator("#import").set_input_files(str(exported))
    expect(second.locator("#transfer-msg")).to_contain_text("Đã nhập: 1")
    outbox_sent(second)  # sent from the second device (its list was empty before the import: wait on IndexedDB)
    expect(second.locator("#items li")).to_have_count(0)
    assert len(off_loop(inspections_of, database_url, other_id) - known) == 1
    second.locator("#import").set_input_files(str(exported))  # the same file again: the server keeps it single
    expect(second.locator("#transfer-msg")).to_contain_text("Đã nhập: 1")
    outbox_sent(second)
    context.set_offline(False)  # and the first phone's copy, sent when it is back online
    page.evaluate("window.dispatchEvent(new Event('online'))")
    outbox_sent(page)
    expect(page.locator("#items li")).to_have_count(0)
    assert len(off_loop(inspections_of, database_url, other_id) - known) == 1
    device.close()
    context.close()


LIST_HELD = """() => caches.match('/api/v1/phone/establishments').then(r => !!r)
  .then(ok => ok && caches.match('/phone/form/karaoke').then(r => !!r))"""


def test_the_whole_day_offline_a_business_never_opened_near_me_and_our_offline_page(
    browser: Browser, server: LiveServer, database_url: str
) -> None:
    rows = off_loop(execute, database_url, "SELECT id, name, lat, lon FROM establishments WHERE type = 'karaoke' "
                                           "AND status = 'active' AND lat IS NOT NULL ORDER BY id")
    never_opened, name, lat, lon = rows[3]
    known = off_loop(inspections_of, database_url, never_opened)
    context = phone(browser, lat + 0.00001, lon)
    page = login(context, server.url)
    until(page, "() => navigator.serviceWorker.controller !== null")
    page.reload()  # the service worker keeps the day when /phone is opened online
    until(page, LIST_HELD)

    context.set_offline(True)
    page.click("#locate")  # near me, from the list kept on the phone
    expect(page.locator("#near-note")).to_contain_text("Không có mạng")
    first = page.locator("#found li a").first
    expect(first).to_have_attribute("href", f"/phone/check/{never_opened}")
    expect(page.locator("#found li").first.locator(".badge")).to_have_text(re.compile(r"^[0-3] m$"))  # ~1 m off

    first.click()  # a checklist never opened before, offline
    page.wait_for_url(f"**/phone/check/{never_opened}")
    expect(page.locator("#name")).to_have_text(name)
    fill(page, karaoke_answers(violation=False))
    page.click("#submit")
    expect(page.locator("#done")).to_have_attribute("data-state", "held")
    assert off_loop(inspections_of, database_url, never_opened) == known

    response = page.goto(server.url + "/registry")  # not held offline: our page, not the browser's error
    assert response is not None and response.status == 200
    expect(page.locator("#offline-page")).to_be_visible()

    context.set_offline(False)
    page.goto(server.url + "/phone")
    outbox_sent(page)
    assert len(off_loop(inspections_of, database_url, never_opened) - known) == 1
    context.close()


PUT_ITEM = """([user, uuid, body]) => new Promise((ok, ko) => {
  const r = indexedDB.open('kiemtra', 1);
  r.onupgradeneeded = () => r.result.createObjectStore('outbox', { keyPath: 'uuid' });
  r.onsuccess = () => {
    const t = r.result.transaction('outbox', 'readwrite');
    t.objectStore('outbox').put({ uuid, owner: user, at: new Date().toISOString(), name: 'Karaoke', photos: [], body });
    t.oncomplete = () => { r.result.close(); ok(true); };
    t.onerror = () => ko(t.error);
  };
})"""
SW_CHANGES = """() => { window.swChanges = 0;
  navigator.serviceWorker.addEventListener('controllerchange', () => { window.swChanges += 1; }); }"""
TOOK_OVER = """() => window.swChanges > 0
  || ((navigator.serviceWorker.controller || {}).scriptURL || '').includes('/sw.js?v=update')"""


def test_twenty_records_through_fifty_toggles_reloads_a_worker_update_and_a_lost_answer_arrive_once(
    browser: Browser, server: LiveServer, database_url: str
) -> None:
    bodies = [off_loop(body, database_url, "karaoke", None, None, 0.0, seed) for seed in range(20)]
    establishment_id = bodies[0]["establishment_id"]
    known = off_loop(inspections_of, database_url, establishment_id)
    uuids = [new_uuid() for _ in bodies]
    context = phone(browser)
    page = login(context, server.url)
    until(page, "() => navigator.serviceWorker.controller !== null")
    me = page.locator("#outbox").get_attribute("data-user")

    lost: list[int] = []

    def lose_the_answer(route: Any) -> None:
        """The server commits the PUT, the phone never hears back (the first time)."""
        if route.request.method == "PUT" and not lost:
            lost.append(0)  # taken before the round trip: a PUT from another pass meanwhile goes through
            try:
                lost[0] = route.fetch().status
            except PlaywrightError:  # the phone went offline on the way: no answer to lose; the next PUT is
                lost.clear()
            route.abort()
        else:
            route.continue_()
    context.route(f"**/api/v1/inspections/{uuids[3]}", lose_the_answer)

    updated = False
    for step in range(50):
        if step < 20:
            page.evaluate(PUT_ITEM, [me, uuids[step], bodies[step]])
        offline = step % 2 == 0
        context.set_offline(offline)
        if not offline:
            page.evaluate("window.dispatchEvent(new Event('online'))")
        if step % 5 == 4:
            try:
                page.reload(wait_until="domcontentloaded", timeout=60_000)
            except PlaywrightTimeoutError:  # a loaded machine: open the page again, as a person would
                page.goto(server.url + "/phone", wait_until="domcontentloaded", timeout=60_000)
        if step == 25:  # a new service worker (another script URL, same scope) takes over mid-way
            page.evaluate(SW_CHANGES)
            for attempt in range(3):  # like the browser, try the update again if an attempt fails or hangs:
                # another script URL each time (registering the same one joins the stuck job; a new one ends it)
                page.evaluate(f"navigator.serviceWorker.register('/sw.js?v=update{attempt}').catch(() => null)")
                try:
                    until(page, TOOK_OVER, tries=150)
                except AssertionError:
                    continue
                updated = True
                break
    context.set_offline(False)
    page.goto(server.url + "/phone")
    outbox_sent(page)

    # The answer that was lost was a commit: 201, or 200 when another sending pass had stored the record first
    # (two passes can overlap across a reload; the server keeps it single either way).
    assert updated, "the new service worker never took over"
    assert len(lost) == 1 and lost[0] in (200, 201), lost
    stored = off_loop(execute, database_url, "SELECT uuid FROM inspections WHERE establishment_id = :e",
                      {"e": establishment_id})
    mine = [u for (u,) in stored if u not in known]
    assert sorted(mine) == sorted(uuids)  # every record once, nothing else
    assert page.evaluate(HELD) == []
    context.close()
