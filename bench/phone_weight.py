"""Weight and speed of the checklist page on a phone: the bytes of the page with its CSS and JS (raw and
gzip -6), and the time until it is ready to answer in Chromium on a slow-3G profile with 4× CPU throttling
(cold: no cache, no service worker; warm: served by the service worker). Exits 1 when a budget is missed:
page + CSS + JS at most 25 KB gzip, ready cold (median of the runs) under 2 s.

    .venv/bin/python -m bench.phone_weight [--runs 3]

Slow 3G here is Lighthouse's classic profile: 400 ms round trip, 400 kbit/s down and up.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from bench.budgets import Budget, Verdict, report
from bench.common import DEMO_PASSWORD, drop_database, machine, seeded_database, table
from tests.crash import submissions
from tests.live import LiveServer

WEIGHT = Budget("checklist page + app.css + phone.js (gzip -6)", "<=", 25, "KB")
READY_COLD = Budget("checklist ready, cold, slow 3G + 4× CPU (median)", "<", 2, "s")
BUDGETS = (WEIGHT, READY_COLD)
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run"]
SLOW_3G = {"offline": False, "latency": 400, "downloadThroughput": 400_000 / 8, "uploadThroughput": 400_000 / 8}
READY = "#summary:not([hidden])"  # phone.js has evaluated the skip logic: the page answers taps


def check(gzip_bytes: int, cold_seconds: list[float]) -> list[Verdict]:
    return [WEIGHT.check(gzip_bytes / 1024), READY_COLD.check(statistics.median(cold_seconds))]


def weights(url: str, path: str) -> tuple[list[list[str]], int]:
    """A row per resource (raw and gzip -6 bytes) and the gzip total."""
    client = httpx.Client(base_url=url)
    client.post("/api/v1/session", json={"username": "inspector1", "password": DEMO_PASSWORD}).raise_for_status()
    rows, total_raw, total_gz = [], 0, 0
    for name in (path, "/static/app.css", "/static/phone.js"):
        body = client.get(name).content
        gz = len(gzip.compress(body, 6))
        total_raw, total_gz = total_raw + len(body), total_gz + gz
        rows.append([name, f"{len(body):,}", f"{gz:,}"])
    rows.append(["total", f"{total_raw:,}", f"{total_gz:,}"])
    return rows, total_gz


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
            with LiveServer(db, Path(tmp) / "data") as server:
                sizes, total_gz = weights(server.url, path)
                cold, warm = render_times(server.url, path, args.runs)
        finally:
            drop_database(db)
    print(machine())
    print(f"karaoke checklist ({path}), bytes")
    print(table(sizes, ["resource", "raw", "gzip -6"]))
    print(f"render ready on slow 3G + 4x CPU, median of {args.runs}")
    print(table([["cold (no cache)", f"{statistics.median(cold):.2f} s"],
                 ["warm (service worker)", f"{statistics.median(warm):.2f} s"]], ["load", "time"]))
    return report(check(total_gz, cold))


if __name__ == "__main__":
    sys.exit(main())
