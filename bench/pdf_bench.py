"""Evidence (issue 17): the biên bản as PDF, and the audit check against its signed checkpoints.

    .venv/bin/python -m bench.pdf_bench [--runs 3] [--events 100000] [--every 1000] [--skip-audit] [--out F]

PDF: the demo seed in a SQLite file; a karaoke record (52 questions, every relevant one answered, several
violations) with 4 photos as a phone sends them (1600×1200 JPEG) and 2 signatures, through
``GET /inspections/{uuid}/record.pdf`` in-process (context, template, WeasyPrint). The first render loads
Pango and the fonts; the budget is on the median of ``--runs`` renders after it (a server renders many).

Audit: a fresh PostgreSQL database (``KIEMTRA_BENCH_POSTGRES``) gets ``--events`` chained audit events, with
a signed checkpoint every ``--every`` events (``write_checkpoint``, as the app writes them), then
``server.audit.verify`` walks them all. The figure is the time per million events (measured on ``--events``;
exactly 1 M with ``--events 1000000``, as ``bench.run --full`` runs it).

Budgets: PDF < 1.5 s (median) and < 2 MB; audit verify with checkpoints < 30 s per 1 M events on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from bench.budgets import Budget, Verdict, report
from bench.common import DEMO_PASSWORD, drop_database, machine, new_database, seeded_database, table

PDF_TIME = Budget("record PDF, 52 questions + 4 photos (median)", "<", 1.5, "s")
PDF_SIZE = Budget("record PDF size", "<", 2, "MB")
AUDIT = Budget("audit verify with checkpoints, PostgreSQL, per 1 M events", "<", 30, "s")
BUDGETS = (PDF_TIME, PDF_SIZE, AUDIT)


def check(pdf_seconds: list[float] | None, pdf_bytes: int | None, audit_s_per_million: float | None) -> list[Verdict]:
    """The verdicts on what was measured (a part not run gives none)."""
    verdicts = []
    if pdf_seconds:
        verdicts.append(PDF_TIME.check(statistics.median(pdf_seconds)))
    if pdf_bytes is not None:
        verdicts.append(PDF_SIZE.check(pdf_bytes / 1e6))
    if audit_s_per_million is not None:
        verdicts.append(AUDIT.check(audit_s_per_million, "postgres"))
    return verdicts


def phone_photo(n: int) -> bytes:
    """A 1600×1200 JPEG at the phone's quality (0.82) with a photo's texture: gradients, shapes, grain."""
    rng = random.Random(n)
    image = Image.linear_gradient("L").resize((1600, 1200)).convert("RGB")
    draw = ImageDraw.Draw(image)
    for _ in range(60):
        x, y = rng.randrange(0, 1500), rng.randrange(0, 1100)
        draw.rectangle((x, y, x + rng.randrange(30, 400), y + rng.randrange(30, 300)),
                       fill=tuple(rng.randrange(0, 255) for _ in range(3)))
    grain = Image.effect_noise((1600, 1200), 18).convert("RGB")
    image = Image.blend(image.filter(ImageFilter.GaussianBlur(2)), grain, 0.12)
    buf = io.BytesIO()
    image.save(buf, "JPEG", quality=82)
    return buf.getvalue()


def signature_png(n: int) -> bytes:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    rng = random.Random(100 + n)
    points = [(20 + i * 28, 100 + rng.randrange(-60, 60)) for i in range(20)]
    draw.line(points, fill=(11, 27, 77, 255), width=3)
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def pdf_part(runs: int, workdir: Path, out: Path | None = None) -> tuple[list[float], int, float, int]:
    """(render times after the first, PDF bytes, first render, answered questions)."""
    from litestar.testing import TestClient

    from forms import registry
    from seed.history import answers_for
    from server.app import create_app
    from server.settings import Settings
    from tests.submissions import establishment

    url = seeded_database("sqlite", workdir)
    settings = Settings(database_url=url, data_dir=str(workdir / "data"), secret_key="b" * 40,
                        demo_password=DEMO_PASSWORD, tile_url="")
    form = registry.get("karaoke")
    business, lat, lon = establishment(url, "karaoke")
    started = datetime.now(UTC) - timedelta(minutes=50)
    answers = answers_for(form, random.Random(7), started, "Lê Văn Kiểm, Nguyễn Thị Tra, Trịnh Minh Đội",
                          violation_rate=0.3)
    photos, signs = [phone_photo(n) for n in range(4)], [signature_png(n) for n in range(2)]
    answers.update(outcome="violations", evidence_photos=[hashlib.sha256(p).hexdigest() for p in photos],
                   representative_signed="yes")
    answers.pop("refusal_note", None)
    answers.pop("witness_name", None)
    submitted = started + timedelta(minutes=45)
    body = {"establishment_id": business, "form_id": form.id, "form_version": form.version,
            "started_at": started.isoformat(), "submitted_at": submitted.isoformat(),
            "location": {"lat": lat, "lon": lon, "accuracy_m": 7.0, "captured_at": started.isoformat()},
            "answers": answers, "outcome": "violations", "notes": "",
            "signatures": [{"role": role, "name": name, "sha256": hashlib.sha256(data).hexdigest(),
                            "signed_at": submitted.isoformat()}
                           for (role, name), data in zip([("inspector", "Lê Văn Kiểm"),
                                                          ("representative", "Trần Văn Chủ")], signs, strict=True)]}
    uid = "3f1e0c2a-5b6d-4e7f-8a9b-0c1d2e3f4a5b"
    times: list[float] = []
    try:
        with TestClient(create_app(settings)) as client:
            client.post("/api/v1/session", json={"username": "inspector1", "password": DEMO_PASSWORD}
                        ).raise_for_status()
            put = client.put(f"/api/v1/inspections/{uid}", json=body)
            assert put.status_code == 201, put.text
            for n, data in enumerate(photos + signs):
                sent = client.post(f"/api/v1/inspections/{uid}/attachments",
                                   files={"file": (f"{n}.jpg", data, "application/octet-stream")})
                assert sent.status_code == 201, sent.text
            answered = len([q for q in put.json()["answers"]])
            started_at = time.perf_counter()
            first = client.get(f"/inspections/{uid}/record.pdf")
            first_s = time.perf_counter() - started_at
            assert first.status_code == 200 and first.content.startswith(b"%PDF")
            for _ in range(runs):
                started_at = time.perf_counter()
                response = client.get(f"/inspections/{uid}/record.pdf")
                times.append(time.perf_counter() - started_at)
            if out is not None:
                out.write_bytes(response.content)
            return times, len(response.content), first_s, answered
    finally:
        drop_database(url)


async def _audit(url: str, events: int, every: int, workdir: Path) -> tuple[float, Any, int]:
    """Fill the chain (checkpoint every ``every`` events), then time one verify."""
    import asyncpg

    from server.audit import create_key, key_path, verify, write_checkpoint
    from server.audit.services import GENESIS, canonical
    from server.db import make_engine, make_sessionmaker
    from server.migrate import upgrade
    from server.settings import Settings

    settings = Settings(database_url=url, data_dir=str(workdir / "audit"), secret_key="b" * 40, demo=False,
                        audit_checkpoint_every=every)
    create_key(key_path(settings))
    engine = make_engine(url)
    await upgrade(engine)
    raw = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
    sessionmaker = make_sessionmaker(engine)
    prev, at, n = GENESIS, datetime(2026, 1, 1, tzinfo=UTC), 0
    try:
        while n < events:
            rows = []
            for _ in range(min(every, events - n)):
                n += 1
                event = {"at": at + timedelta(seconds=n), "actor_id": None, "action": "establishment.update",
                         "target_type": "establishment", "target_id": str(n % 700 + 1),
                         "before": {"phone": f"0237 {n:06d}"}, "after": {"phone": f"0237 {n + 1:06d}"}}
                digest = hashlib.sha256(prev.encode() + canonical(event)).hexdigest()
                rows.append((n, event["at"], None, event["action"], event["target_type"], event["target_id"],
                             f'{{"phone": "0237 {n:06d}"}}', f'{{"phone": "0237 {n + 1:06d}"}}', prev, digest))
                prev = digest
            await raw.copy_records_to_table("audit_events", records=rows, columns=[
                "id", "at", "actor_id", "action", "target_type", "target_id", "before", "after", "prev_hash",
                "hash"])
            async with sessionmaker() as session:
                await write_checkpoint(session, settings, force=True)
        async with sessionmaker() as session:
            started = time.perf_counter()
            verdict = await verify(session, settings)
            seconds = time.perf_counter() - started
        return seconds, verdict, n
    finally:
        await raw.close()
        await engine.dispose()


def audit_part(events: int, every: int, workdir: Path) -> tuple[float, Any, int]:
    url = new_database("postgres", workdir)
    try:
        return asyncio.run(_audit(url, events, every, workdir))
    finally:
        drop_database(url)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="PDF renders timed after the first")
    parser.add_argument("--events", type=int, default=100_000, help="audit events (1000000 for the issue's size)")
    parser.add_argument("--every", type=int, default=1000, help="a signed checkpoint every this many events")
    parser.add_argument("--skip-audit", action="store_true", help="only the PDF (no PostgreSQL needed)")
    parser.add_argument("--out", type=Path, help="keep the PDF in this file, to look at it")
    args = parser.parse_args()
    print(f"machine: {machine()}\n")
    with tempfile.TemporaryDirectory(prefix="kiemtra-pdf-bench-") as tmp:
        times, size, first, answered = pdf_part(args.runs, Path(tmp), args.out)
        print(table([["record.pdf, first render (loads Pango and fonts)", f"{first:.2f} s", f"{size / 1e6:.2f} MB"],
                     *[[f"record.pdf, render {n + 1}", f"{t:.2f} s", ""] for n, t in enumerate(times)]],
                    ["what", "time", "size"]))
        print(f"\n{answered} answers, 4 photos 1600×1200, 2 signatures")
        per_million = None
        if not args.skip_audit:
            seconds, verdict, events = audit_part(args.events, args.every, Path(tmp))
            per_million = seconds * 1_000_000 / events
            print("\n" + table([["audit verify, PostgreSQL", f"{events:,}", f"{verdict.checkpoints:,}",
                                 f"{seconds:.1f} s", f"{per_million:.1f} s", "OK" if verdict.ok else verdict.reason]],
                               ["what", "events", "checkpoints", "time", "per 1 M events", "verdict"]))
            if not verdict.ok:
                print("the chain the bench wrote does not verify", file=sys.stderr)
                return 1
    return report(check(times, size, per_million))


if __name__ == "__main__":
    sys.exit(main())
