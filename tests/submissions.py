"""Valid phone submissions and small images for the inspection tests (built like the seed's history)."""

from __future__ import annotations

import hashlib
import io
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from PIL import Image

from forms import registry
from seed.history import answers_for
from tests.dbs import execute


def establishment(database_url: str, kind: str = "karaoke", ward: str | None = None,
                  located: bool = True) -> tuple[int, float | None, float | None]:
    sql = ("SELECT e.id, e.lat, e.lon FROM establishments e JOIN wards w ON w.id = e.ward_id "
           "WHERE e.type = :kind AND e.status = 'active'")
    params: dict[str, Any] = {"kind": kind}
    if ward:
        sql += " AND w.code = :ward"
        params["ward"] = ward
    if located:
        sql += " AND e.lat IS NOT NULL"
    rows = execute(database_url, sql + " ORDER BY e.id LIMIT 1", params)
    assert rows, f"no {kind} establishment in the seed"
    return rows[0]


def violation_item(form_id: str = "karaoke") -> str:
    """The first yes/no checklist item whose answer "no" is a violation (not a mere flag)."""
    form = registry.get(form_id)
    return next(q.id for _, q in form.questions()
                if q.kind == "yes_no_na" and q.violation_answers == ["no"] and not q.flag_only and q.required)


def body(database_url: str, kind: str = "karaoke", ward: str | None = None, photo: str | None = None,
         lat_offset: float = 0.0, seed: int = 1) -> dict[str, Any]:
    """A submission for the first ``kind`` business (of ``ward``); with ``photo`` (a sha256) it has one
    violation and that photo as evidence."""
    establishment_id, lat, lon = establishment(database_url, kind, ward)
    form = registry.for_type(kind)[-1]
    started = datetime.now(UTC) - timedelta(minutes=40)
    answers = answers_for(form, random.Random(seed), started, "Lê Văn Kiểm, Nguyễn Thị Tra, Trịnh Minh Đội")
    outcome = "compliant"
    if photo:
        answers[violation_item(form.id)] = "no"
        answers["outcome"] = outcome = "violations"
        answers["evidence_photos"] = [photo]
    return {
        "establishment_id": establishment_id, "form_id": form.id, "form_version": form.version,
        "started_at": started.isoformat(), "submitted_at": (started + timedelta(minutes=35)).isoformat(),
        "location": {"lat": lat + lat_offset, "lon": lon, "accuracy_m": 9.0, "captured_at": started.isoformat()},
        "answers": answers, "outcome": outcome, "notes": "",
    }


def sent_with_photo(phone: httpx.Client, database_url: str, photo: bytes, ward: str | None = None) -> str:
    """A violation record whose evidence is ``photo``, sent as the phone sends it (PUT); its UUID."""
    uid = new_uuid()
    sent = phone.put(f"/api/v1/inspections/{uid}",
                     json=body(database_url, ward=ward, photo=hashlib.sha256(photo).hexdigest()))
    assert sent.status_code == 201, sent.text
    return uid


def upload(phone: httpx.Client, uid: str, photo: bytes) -> httpx.Response:
    """The upload of a sent record's photo (201 stored, 200 it was already there)."""
    return phone.post(f"/api/v1/inspections/{uid}/attachments", files={"file": ("a.jpg", photo, "image/jpeg")})


def new_uuid() -> str:
    return str(uuid.uuid4())


def image(fmt: str = "JPEG", size: tuple[int, int] = (64, 48), colour: tuple[int, int, int] = (200, 30, 30),
          mode: str = "RGB") -> bytes:
    buf = io.BytesIO()
    Image.new(mode, size, colour if mode == "RGB" else 0).save(buf, fmt)
    return buf.getvalue()
