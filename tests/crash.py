"""Crash durability: concurrent submissions, a SIGKILL in the middle, a restart, a full replay.

Shared by the test (small) and the bench (many kills)."""

from __future__ import annotations

import random
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from forms import registry
from seed.history import answers_for
from tests.conftest import DEMO_PASSWORD
from tests.dbs import execute
from tests.live import LiveServer


def submissions(database_url: str, n: int, seed: int = 7) -> list[tuple[str, dict[str, Any]]]:
    """``n`` valid submissions (uuid, body) for distinct businesses, as a phone would send them."""
    rng = random.Random(seed)
    rows = execute(database_url, "SELECT id, type, lat, lon FROM establishments WHERE lat IS NOT NULL ORDER BY id")
    out = []
    for establishment_id, kind, lat, lon in rng.sample(rows, n):
        form = registry.for_type(kind)[-1]
        started = datetime.now(UTC) - timedelta(minutes=40)
        out.append((str(uuid.uuid4()), {
            "establishment_id": establishment_id, "form_id": form.id, "form_version": form.version,
            "started_at": started.isoformat(), "submitted_at": (started + timedelta(minutes=35)).isoformat(),
            "location": {"lat": lat, "lon": lon, "accuracy_m": 9.0, "captured_at": started.isoformat()},
            "answers": answers_for(form, rng, started, "Lê Văn Kiểm, Nguyễn Thị Tra, Trịnh Minh Đội"),
            "outcome": "compliant", "notes": "",
        }))
    return out


def login(url: str, password: str = DEMO_PASSWORD) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    response = client.post("/api/v1/session", json={"username": "inspector1", "password": password})
    response.raise_for_status()
    return client


@dataclass
class Round:
    acknowledged: set[str] = field(default_factory=set)
    failed: int = 0


def crash_round(server: LiveServer, batch: list[tuple[str, dict[str, Any]]], kill_after: int,
                threads: int = 8, password: str = DEMO_PASSWORD) -> Round:
    """Send ``batch`` concurrently; SIGKILL the server once ``kill_after`` submissions were acknowledged."""
    result = Round()
    lock = threading.Lock()
    client = login(server.url, password)

    def send(item: tuple[str, dict[str, Any]]) -> None:
        uid, body = item
        try:
            response = client.put(f"/api/v1/inspections/{uid}", json=body)
        except httpx.HTTPError:
            with lock:
                result.failed += 1
            return
        with lock:
            if response.status_code in (200, 201):
                result.acknowledged.add(uid)
                if len(result.acknowledged) >= kill_after:
                    server.kill()
            else:
                result.failed += 1

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(send, batch))
    server.kill()
    client.close()
    return result


def replay(url: str, batch: list[tuple[str, dict[str, Any]]], password: str = DEMO_PASSWORD) -> list[int]:
    """Send every submission again (what the phones' outboxes do); returns the status codes."""
    client = login(url, password)
    try:
        return [client.put(f"/api/v1/inspections/{uid}", json=body).status_code for uid, body in batch]
    finally:
        client.close()


def stored(database_url: str, uuids: list[str]) -> dict[str, int]:
    rows = execute(database_url, "SELECT uuid, count(*) FROM inspections GROUP BY uuid")
    wanted = set(uuids)
    return {u: n for u, n in rows if u in wanted}


def run_crash(database_url: str, data_dir: Path, n: int, kill_after: int,
              password: str = DEMO_PASSWORD) -> tuple[Round, dict[str, int], list[int]]:
    batch = submissions(database_url, n)
    server = LiveServer(database_url, data_dir).start()
    try:
        first = crash_round(server, batch, kill_after, password=password)
    finally:
        server.kill()
    with LiveServer(database_url, data_dir) as again:
        codes = replay(again.url, batch, password)
    return first, stored(database_url, [u for u, _ in batch]), codes
