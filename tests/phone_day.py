"""Helpers of the inspector's-day browser tests: the pages a phone shows, a returned record, a team's day."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from server.calendar import local_today
from tests.conftest import DEMO_PASSWORD
from tests.test_phone_browser import execute

#: Every visible link, button, input, select, textarea and disclosure of a phone page, with its size; radio and
#: check boxes of the checklist are transparent overlays as large as their labels (they are what a tap hits).
TARGETS = """() => {
  const out = [];
  for (const e of document.querySelectorAll('a[href], button, input, select, textarea, summary, label.menu-btn')) {
    if (e.type === 'hidden' || e.closest('[hidden]') || e.closest('details:not([open]) > :not(summary)')) continue;
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    if (!r.width || !r.height || s.visibility === 'hidden' || s.display === 'none') continue;
    const text = (e.textContent || e.value || '').trim().slice(0, 30);
    const name = `${e.tagName.toLowerCase()}#${e.id}.${e.className} "${text}"`;
    if (r.width < 43.5 || r.height < 43.5) out.push(`${name} ${Math.round(r.width)}x${Math.round(r.height)}`);
  }
  return out;
}"""
FITS = """() => [document.documentElement.scrollWidth, window.innerWidth,
                document.querySelector('header.top').getBoundingClientRect().height]"""


def api(url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    assert client.post("/api/v1/session", json={"username": username, "password": DEMO_PASSWORD}).status_code == 201
    return client


def user_id(database_url: str, username: str) -> int:
    return execute(database_url, "SELECT id FROM users WHERE username = :u", {"u": username})[0][0]


def returned_records(database_url: str, username: str = "inspector1") -> list[str]:
    """The uuids of this inspector's records a reviewer returned (the seed returns a few)."""
    return [r[0] for r in execute(
        database_url, "SELECT uuid FROM inspections WHERE review_state = 'returned' AND inspector_id = :i "
                      "ORDER BY id", {"i": user_id(database_url, username)})]


def record_of(database_url: str, uuid: str) -> tuple[Any, ...]:
    return execute(database_url, "SELECT version, review_state, notes FROM inspections WHERE uuid = :u",
                   {"u": uuid})[0]


def assign_today(url: str, database_url: str, establishment_ids: list[int]) -> int:
    """The city team's stops for today (made by its lead through the API); the assignment's id."""
    team = execute(database_url, "SELECT t.id FROM teams t WHERE t.kind = 'city'")[0][0]
    lead = api(url, "teamlead")
    try:
        r = lead.post("/api/v1/assignments", json={"team_id": team, "date": local_today().isoformat(),
                                                   "establishment_ids": establishment_ids})
        assert r.status_code == 201, r.text
        return r.json()["id"]
    finally:
        lead.close()


def one_per_type(database_url: str) -> dict[str, int]:
    rows = execute(database_url, "SELECT type, MIN(id) FROM establishments WHERE status = 'active' GROUP BY type")
    return {t: i for t, i in rows}


def today() -> date:
    return local_today()


def inspections_of(database_url: str, establishment_id: int) -> set[str]:
    """The uuids of a business's inspections (tests compare them before and after: the seed has history)."""
    return {r[0] for r in execute(database_url, "SELECT uuid FROM inspections WHERE establishment_id = :e",
                                  {"e": establishment_id})}


HELD = """() => new Promise((ok, ko) => {
  const r = indexedDB.open('kiemtra', 1);
  r.onerror = () => ko(r.error);
  r.onsuccess = () => {
    const q = r.result.transaction('outbox').objectStore('outbox').getAll();
    q.onsuccess = () => {
      r.result.close();
      ok(q.result.map(i => ({ uuid: i.uuid, body: i.body, error: i.error || null })));
    };
  };
})"""
