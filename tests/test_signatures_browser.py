"""Real Chromium at 360×740: the inspector and a witness sign the checklist with the mouse (the representative
refused), the record is sent, and the server holds both signatures in the body and both PNGs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.live import LiveServer
from tests.submissions import establishment
from tests.test_phone_browser import PHONE, VIETNAM, execute, fill, karaoke_answers, login, off_loop, outbox_sent

pytestmark = pytest.mark.browser


def draw(page: Page, canvas: str, wiggle: int) -> None:
    page.locator(canvas).scroll_into_view_if_needed()
    box = page.locator(canvas).bounding_box()
    assert box is not None
    x, y = box["x"] + 20, box["y"] + box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(x + step * 22, y + (wiggle if step % 2 else -wiggle), steps=3)
    page.mouse.up()


def test_signing_with_the_mouse_stores_the_signatures(browser: Browser, server: LiveServer, database_url: str,
                                                      tmp_path: Path) -> None:
    establishment_id, lat, lon = off_loop(establishment, database_url, "karaoke")
    context = browser.new_context(viewport=PHONE, timezone_id=VIETNAM, permissions=["geolocation"],
                                  geolocation={"latitude": lat, "longitude": lon, "accuracy": 8})
    query = "SELECT id, signatures FROM inspections WHERE establishment_id = :e"
    before = {r[0] for r in execute(database_url, query, {"e": establishment_id})}
    page = login(context, server.url)
    page.goto(f"{server.url}/phone/check/{establishment_id}")
    answers = karaoke_answers(violation=False)
    answers.update(representative_signed="no", refusal_note="Từ chối ký, không đồng ý với kết luận",
                   witness_name="Nguyễn Văn Chứng, 12 Lê Lợi")
    fill(page, answers)
    pads = page.locator("#sig-pads .sig")
    expect(pads.locator("xpath=self::*[@data-role='representative']")).to_be_hidden()  # refused: no pad
    draw(page, "#sig-pads .sig[data-role=inspector] canvas", 18)
    page.locator("#sig-pads .sig[data-role=inspector] input").fill("Lê Văn Kiểm")
    page.wait_for_timeout(600)  # phone.js keeps the answers' draft 300 ms after a change
    page.reload()  # what was signed survives a reload of the tab
    expect(page.locator("#sig-pads .sig[data-role=inspector] input")).to_have_value("Lê Văn Kiểm")
    page.wait_for_function("""() => { const c = document.querySelector('#sig-pads .sig[data-role=inspector] canvas');
        return c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v !== 0); }""")
    page.click("#submit")  # the witness has not signed yet: refused on the phone
    expect(page.locator("#sig-error")).to_contain_text("người chứng kiến")
    draw(page, "#sig-pads .sig[data-role=witness] canvas", 12)
    page.locator("#sig-pads .sig[data-role=witness] input").fill("Nguyễn Văn Chứng")
    page.locator("#signatures").scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "signatures.png"))
    print("screenshot:", tmp_path / "signatures.png")
    page.click("#submit")
    expect(page.locator("#done")).to_be_visible()
    outbox_sent(page)
    rows = [r for r in execute(database_url, query, {"e": establishment_id}) if r[0] not in before]
    assert len(rows) == 1
    inspection_id, raw = rows[0]
    signatures = json.loads(raw) if isinstance(raw, str) else raw
    assert [(s["role"], s["name"]) for s in signatures] == [("inspector", "Lê Văn Kiểm"),
                                                           ("witness", "Nguyễn Văn Chứng")]
    stored = execute(database_url, "SELECT sha256, content_type FROM attachments WHERE inspection_id = :i",
                     {"i": inspection_id})
    assert sorted(stored) == sorted((s["sha256"], "image/png") for s in signatures)
    context.close()
