"""Photo evidence: images recognised by content, capped in bytes and pixels, stored once by sha256.

The bytes live under ``<data dir>/blobs/<first two hex digits>/<sha256>`` (written and fsynced before the
transaction commits, so a 2xx never points at a missing file); the database keeps one ``Attachment`` row per
inspection and photo. Photo answers of a form are lists of sha256: a photo can only be attached to an
inspection whose answers refer to it, so every stored photo is evidence for something in the record.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.actions import Action
from server.audit.services import record
from server.auth.identity import CurrentUser
from server.auth.models import Role
from server.errors import AppError, FieldError, not_found
from server.inspections.models import Attachment, FormVersion, Inspection

MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Photo:
    """An accepted image, not yet stored."""

    data: bytes
    sha256: str
    content_type: str
    width: int
    height: int


def inspect_image(data: bytes) -> Photo:
    """Recognise JPEG, PNG or WebP by content (never by name or declared type); 413 when too big."""
    if len(data) > MAX_BYTES:
        raise AppError(413, "too_large", f"a photo may have at most {MAX_BYTES // (1024 * 1024)} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format, image.size
                if kind in FORMATS and width * height <= MAX_PIXELS:
                    image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AppError(413, "too_many_pixels", f"a photo may have at most {MAX_PIXELS // 1_000_000} megapixels") \
            from None
    except Exception:
        raise AppError(415, "unsupported_media_type", "not a JPEG, PNG or WebP image") from None
    if kind not in FORMATS:
        raise AppError(415, "unsupported_media_type", "not a JPEG, PNG or WebP image")
    if width * height > MAX_PIXELS:
        raise AppError(413, "too_many_pixels", f"a photo may have at most {MAX_PIXELS // 1_000_000} megapixels")
    return Photo(data, hashlib.sha256(data).hexdigest(), FORMATS[kind], width, height)


def blob_path(data_dir: Path, sha256: str) -> Path:
    """Where the bytes of a photo live; ``sha256`` must be 64 lowercase hex digits (no path tricks)."""
    if not SHA256.fullmatch(sha256):
        raise not_found("attachment")
    return data_dir / "blobs" / sha256[:2] / sha256


def write_blob(data_dir: Path, photo: Photo) -> Path:
    """Store the bytes once (atomically, fsynced); the same photo again reuses the file."""
    path = blob_path(data_dir, photo.sha256)
    if path.exists() and path.stat().st_size == len(photo.data):
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(photo.data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return path


async def photo_questions(session: AsyncSession, inspection: Inspection) -> list[str]:
    """Ids of the photo questions of the form version the inspection was filled on."""
    form = await session.get(FormVersion, inspection.form_version_id)
    assert form is not None
    return [q["id"] for s in form.definition["sections"] for q in s["questions"] if q["kind"] == "photo"]


async def referenced_photos(session: AsyncSession, inspection: Inspection) -> list[str]:
    """Every sha256 the answers refer to, in form order, without repeats."""
    shas: list[str] = []
    for qid in await photo_questions(session, inspection):
        shas += [s for s in inspection.answers.get(qid) or [] if s not in shas]
    return shas


def may_attach(user: CurrentUser, inspection: Inspection) -> bool:
    """The inspector who made the record, or a team lead within scope (the visit was a team's)."""
    return inspection.inspector_id == user.id or (user.has(Role.TEAM_LEAD) and user.sees_ward(inspection.ward_id))


async def attach(session: AsyncSession, user: CurrentUser, inspection: Inspection, photo: Photo,
                 data_dir: Path) -> tuple[Attachment, bool]:
    """Attach a photo the answers refer to; returns (row, created). The same photo again is not an error."""
    if not may_attach(user, inspection):
        raise AppError(403, "forbidden", "only the inspector who made the record may add photos")
    existing = await session.scalar(select(Attachment).where(Attachment.inspection_id == inspection.id,
                                                             Attachment.sha256 == photo.sha256))
    if existing is not None:
        return existing, False
    if photo.sha256 not in await referenced_photos(session, inspection):
        raise AppError(422, "invalid", "photo not referenced",
                       [FieldError("file", "not_referenced",
                                   "no photo answer of this inspection refers to this photo's sha256")])
    write_blob(data_dir, photo)
    row = Attachment(inspection_id=inspection.id, sha256=photo.sha256, content_type=photo.content_type,
                     size=len(photo.data), width=photo.width, height=photo.height, uploaded_by=user.id)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:  # the same photo attached by a concurrent request
        existing = await session.scalar(select(Attachment).where(Attachment.inspection_id == inspection.id,
                                                                 Attachment.sha256 == photo.sha256))
        if existing is None:
            raise
        return existing, False
    await record(session, user.id, Action.ATTACHMENT_ADD, "inspection", inspection.uuid,
                 after={"sha256": photo.sha256, "content_type": photo.content_type, "size": len(photo.data),
                        "width": photo.width, "height": photo.height})
    return row, True


async def find_attachment(session: AsyncSession, inspection: Inspection, sha256: str) -> Attachment:
    if not SHA256.fullmatch(sha256):
        raise not_found("attachment")
    row = await session.scalar(select(Attachment).where(Attachment.inspection_id == inspection.id,
                                                        Attachment.sha256 == sha256))
    if row is None:
        raise not_found("attachment")
    return row
