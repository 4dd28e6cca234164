"""Photo evidence through the app, for ``bench.load``: uploads and downloads per second with the photos kept in
the app machine's data directory and in an S3 store (SeaweedFS on localhost), one after the other in the same run.

Each store gets its own app process on the same database; an inspector sends one record whose answers name
the photos, uploads them (8 at a time), then downloads each five times (8 at a time).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import random
import time
import uuid
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import httpx
from PIL import Image

from bench.common import DEMO_PASSWORD
from tests.live import LiveServer
from tests.seaweed import SeaweedFS
from tests.submissions import body

#: What one form takes: 50 evidence photos and 50 others.
MOST = 100
CONCURRENCY = 8
DOWNLOADS_EACH = 5


def phone_photos(n: int) -> list[bytes]:
    """``n`` distinct JPEGs of about 240 KB (1280×960 noisy gradients, like a phone's after its resize)."""
    out = []
    for i in range(n):
        noise = Image.effect_noise((320, 240), 48).convert("RGB").resize((1280, 960))
        tint = Image.new("RGB", (1280, 960), (random.Random(i).randrange(256), 90, 160))
        buf = io.BytesIO()
        Image.blend(noise, tint, 0.4).save(buf, "JPEG", quality=82)
        out.append(buf.getvalue())
    return out


async def through(url: str, sent: dict[str, Any], photos: list[bytes]) -> tuple[float, float, int]:
    """(uploads per second, downloads per second, failed requests) against one app machine; ``sent`` is the
    record whose answers name the photos."""
    shas = [hashlib.sha256(p).hexdigest() for p in photos]
    failed = 0
    gate = asyncio.Semaphore(CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        await client.post("/api/v1/session", json={"username": "inspector1", "password": DEMO_PASSWORD})
        uid = str(uuid.uuid4())
        assert (await client.put(f"/api/v1/inspections/{uid}", json=sent)).status_code == 201

        async def call(request: Awaitable[httpx.Response]) -> None:
            nonlocal failed
            async with gate:
                try:
                    response = await request
                    failed += response.status_code >= 400
                except httpx.HTTPError:
                    failed += 1

        started = time.perf_counter()
        await asyncio.gather(*(call(client.post(f"/api/v1/inspections/{uid}/attachments",
                                                files={"file": ("p.jpg", p, "image/jpeg")})) for p in photos))
        uploads = len(photos) / (time.perf_counter() - started)
        started = time.perf_counter()
        await asyncio.gather(*(call(client.get(f"/api/v1/inspections/{uid}/attachments/{sha}"))
                               for sha in shas * DOWNLOADS_EACH))
        downloads = len(shas) * DOWNLOADS_EACH / (time.perf_counter() - started)
    return uploads, downloads, failed


def photo_rates(database_url: str, workdir: Path, n: int) -> dict[str, tuple[float, float, int]]:
    """Store name -> (uploads/s, downloads/s, failed requests), the local directory first."""
    photos = phone_photos(min(n, MOST))
    shas = [hashlib.sha256(p).hexdigest() for p in photos]
    sent = body(database_url, photo=shas[0])
    sent["answers"]["evidence_photos"], sent["answers"]["photos"] = shas[:50], shas[50:MOST]
    store = SeaweedFS(workdir / "seaweedfs").start()
    rates = {}
    try:
        for name, env in (("local directory", {}),
                          ("S3 (SeaweedFS)", {"KIEMTRA_BLOB_URL": store.url(), **store.env})):
            server = LiveServer(database_url, workdir / f"photos-{len(rates)}", env=env).start(timeout_s=120)
            try:
                rates[name] = asyncio.run(through(server.url, sent, photos))
            finally:
                server.kill()
    finally:
        store.stop()
    return rates
