"""Weight and speed of the checklist page on a phone: the bytes of the page with every script and stylesheet
it loads (found in the rendered HTML; raw and gzip -6; the service worker it registers is shown apart), the time
until it is ready to answer in Chromium on a slow-3G profile with 4× CPU throttling (cold: no cache, no service
worker; warm: served by the service worker), and the weight of the offline business list
(``/api/v1/phone/establishments``) per 1,000 businesses. Exits 1 when a budget is missed: page with its CSS and
JS at most 25 KB gzip, ready cold (median of the runs) under 2 s, the offline list at most 60 KB gzip per 1,000
businesses (issue 14).

    .venv/bin/python -m bench.phone_weight [--runs 3]

Slow 3G here is Lighthouse's classic profile: 400 ms round trip, 400 kbit/s down and up.
"""

from __future__ import annotations

import argparse
import gzip
import re
import statistics
import sys
import tempfile
import time
from contextlib import closing
from html.parser import HTMLParser
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from bench.budgets import Budget, Verdict, report
from bench.common import DEMO_PASSWORD, drop_database, machine, seeded_database, table
from tests.crash import submissions
from tests.live import LiveServer

WEIGHT = Budget("checklist page + every script and stylesheet it loads (gzip -6)", "<=", 25, "KB")
READY_COLD = Budget("checklist ready, cold, slow 3G + 4× CPU (median)", "<", 2, "s")
OFFLINE_LIST = Budget("offline business list, per 1,000 businesses (gzip -6)", "<=", 60, "KB")
BUDGETS = (WEIGHT, READY_COLD, OFFLINE_LIST)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
READY = "#summary:not([hidden])"  # phone.js has evaluated the skip logic: the page answers taps
OFFLINE = "/api/v1/phone/establishments"
#: A service worker a script registers: shown with the page's weight, not counted in it (see ``weights``).
WORKER = re.compile(r"""serviceWorker\.register\(\s*['"]([^'"]+)['"]""")


def check(gzip_bytes: int, cold_seconds: list[float], offline_bytes_per_1000: float) -> list[Verdict]:
    return [WEIGHT.check(gzip_bytes / 1024), READY_COLD.check(statistics.median(cold_seconds)),
            OFFLINE_LIST.check(offline_bytes_per_1000 / 1024)]


class _Loads(HTMLParser):
    """The same-origin scripts and stylesheets a page loads, in document order, once each."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        url = a.get("src") if tag == "script" else (
            a.get("href") if tag == "link" and "stylesheet" in (a.get("rel") or "").lower().split() else None)
        if url and url.startswith("/") and not url.startswith("//") and url not in self.urls:
            self.urls.append(url)


def loads(html: str) -> list[str]:
    parser = _Loads()
    parser.feed(html)
    return parser.urls


def logged_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=url)
    client.post("/api/v1/session", json={"username": "inspector1", "password": DEMO_PASSWORD}).raise_for_status()
    return client


def _row(name: str, raw: int, gz: int) -> list[str]:
    return [name, f"{raw:,}", f"{gz:,}"]


def weights(client: httpx.Client, path: str) -> tuple[list[list[str]], int]:
    """A row per resource (raw and gzip -6 bytes) and the gzip total of the page and what its HTML loads; then,
    outside the total, the service workers those scripts register (installed in the background, once, off the
    page's load; the issue's budget is the page with its own JS and CSS)."""
    page = client.get(path)
    page.raise_for_status()
    bodies = {path: page.content} | {name: client.get(name).raise_for_status().content for name in loads(page.text)}
    rows, total_raw, total_gz = [], 0, 0
    for name, body in bodies.items():
        gz = len(gzip.compress(body, 6))
        total_raw, total_gz = total_raw + len(body), total_gz + gz
        rows.append(_row(name, len(body), gz))
    rows.append(_row("total", total_raw, total_gz))
    workers = dict.fromkeys(w for b in bodies.values() for w in WORKER.findall(b.decode("utf-8", "replace")))
    for name in workers:
        body = client.get(name).raise_for_status().content
        rows.append(_row(f"{name} (service worker, not in the total)", len(body), len(gzip.compress(body, 6))))
    return rows, total_gz


def offline_list(client: httpx.Client) -> tuple[list[list[str]], float]:
    """The offline list of inspector1 (the city team: every business that is not closed), and its gzip bytes
    per 1,000 businesses (the fixed part, field names and ward names, is counted in full at every size)."""
    response = client.get(OFFLINE)
    response.raise_for_status()
    body, count = response.content, len(response.json()["rows"])
    gz = len(gzip.compress(body, 6))
    per = 1000 / count
    return [_row(f"{OFFLINE}, {count:,} businesses", len(body), gz),
            _row("per 1,000 businesses", round(len(body) * per), round(gz * per))], gz * per


def render_times(url: str, path: str, runs: int) -> tuple[list[float], list[float]]:
    cold, warm = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        for _ in range(runs):
            for mode in ("cold", "warm"):
                context = browser.new_context(viewport={"width": 360, "height": 740},
                                              service_workers="block" if mode == "cold" else "allow")
                context.request.post(url + "/api/v1/session",
                                     data={"username": "inspector1", "password": DEMO_PASSWORD})
                page = context.new_page()
                if mode == "warm":  # install the service worker and let it keep the page
                    page.goto(url + path)
                    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
                    page.reload()
                    page.wait_for_selector(READY)
                cdp = context.new_cdp_session(page)
                cdp.send("Network.enable")
                cdp.send("Network.emulateNetworkConditions", SLOW_3G)
                cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
                start = time.perf_counter()
                page.goto(url + path, wait_until="commit")
                page.wait_for_selector(READY, timeout=60_000)
                (cold if mode == "cold" else warm).append(time.perf_counter() - start)
                context.close()
        browser.close()
    return cold, warm


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = seeded_database("sqlite", Path(tmp))
        try:
            establishment_id = next(b["establishment_id"] for _, b in submissions(db, 40, seed=3)
                                    if b["form_id"] == "karaoke")
            path = f"/phone/check/{establishment_id}"
            with LiveServer(db, Path(tmp) / "data") as server, closing(logged_in(server.url)) as client:
                sizes, total_gz = weights(client, path)
                listed, per_1000 = offline_list(client)
                cold, warm = render_times(server.url, path, args.runs)
        finally:
            drop_database(db)
    print(machine())
    print(f"karaoke checklist ({path}), bytes")
    print(table(sizes, ["resource", "raw", "gzip -6"]))
    print(f"render ready on slow 3G + 4x CPU, median of {args.runs}")
    print(table([["cold (no cache)", f"{statistics.median(cold):.2f} s"],
                 ["warm (service worker)", f"{statistics.median(warm):.2f} s"]], ["load", "time"]))
    print("offline business list (inspector1), bytes")
    print(table(listed, ["response", "raw", "gzip -6"]))
    return report(check(total_gz, cold, per_1000))


if __name__ == "__main__":
    sys.exit(main())
