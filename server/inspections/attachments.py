"""Photo evidence: images recognised by content, capped in bytes and pixels, stored once by sha256.

The bytes live in the blob store (``server.blobs``: the data directory or an S3 bucket), written before the
transaction commits, so a 2xx never points at a missing blob; the database keeps one ``Attachment`` row per
inspection and photo. Photo answers of a form are lists of sha256: a photo can only be attached to an
inspection whose answers refer to it, so every stored photo is evidence for something in the record.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.auth.models import Role
from server.blobs import SHA256, BlobStore
from server.errors import AppError, FieldError, not_found
from server.i18n import gettext as _
from server.identity import CurrentUser
from server.inspections.models import Attachment, FormVersion, Inspection

MAX_BYTES = 10 * 1024 * 1024
#: Phones send at most ~1600 px on the long side; 4096 leaves room for a tablet and bounds decoding memory.
MAX_SIDE = 4096
MAX_PIXELS = MAX_SIDE * MAX_SIDE  # 16.7 megapixels
TOO_MANY_PIXELS = f"a photo may have at most {MAX_SIDE} px on its longer side ({MAX_PIXELS / 1e6:.1f} megapixels)"
FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@dataclass(frozen=True)
class Photo:
    """An accepted image, not yet stored."""

    data: bytes
    sha256: str
    content_type: str
    width: int
    height: int


def _too_big(width: int, height: int) -> bool:
    return max(width, height) > MAX_SIDE or width * height > MAX_PIXELS


def inspect_image(data: bytes) -> Photo:
    """Recognise JPEG, PNG or WebP by content (never by name or declared type); 413 when too big."""
    if len(data) > MAX_BYTES:
        raise AppError(413, "too_large", _("Mỗi ảnh chỉ được tối đa {mb} MB.").format(
            mb=MAX_BYTES // (1024 * 1024)))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, (width, height) = image.format, image.size
                if kind in FORMATS and not _too_big(width, height):
                    image.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise AppError(413, "too_many_pixels", TOO_MANY_PIXELS) from None
    except Exception:
        raise AppError(415, "unsupported_media_type", _("Tệp không phải là ảnh JPEG, PNG hoặc WebP.")) from None
    if kind not in FORMATS:
        raise AppError(415, "unsupported_media_type", _("Tệp không phải là ảnh JPEG, PNG hoặc WebP."))
    if _too_big(width, height):
        raise AppError(413, "too_many_pixels", TOO_MANY_PIXELS)
    return Photo(data, hashlib.sha256(data).hexdigest(), FORMATS[kind], width, height)


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


def signature_images(inspection: Inspection) -> list[str]:
    """The sha256 of each signature PNG the record names (uploaded like photos)."""
    return [s["sha256"] for s in inspection.signatures or []]


def may_attach(user: CurrentUser, inspection: Inspection) -> bool:
    """The inspector who made the record, or a team lead within scope (the visit was a team's)."""
    return inspection.inspector_id == user.id or (user.has(Role.TEAM_LEAD) and user.sees_ward(inspection.ward_id))


async def attach(session: AsyncSession, user: CurrentUser, inspection: Inspection, photo: Photo,
                 blobs: BlobStore) -> tuple[Attachment, bool]:
    """Attach a photo the answers refer to; returns (row, created). The same photo again is not an error."""
    if not may_attach(user, inspection):
        raise AppError(403, "forbidden", _("Chỉ cán bộ đã lập biên bản mới được thêm ảnh."))
    existing = await session.scalar(select(Attachment).where(Attachment.inspection_id == inspection.id,
                                                             Attachment.sha256 == photo.sha256))
    if existing is not None:
        return existing, False
    if photo.sha256 not in await referenced_photos(session, inspection) + signature_images(inspection):
        raise AppError(422, "invalid", _("Ảnh không thuộc câu trả lời nào của biên bản."),
                       [FieldError("file", "not_referenced",
                                   _("Không có câu trả lời ảnh nào của biên bản này trỏ đến ảnh này."))])
    await blobs.put(photo.sha256, photo.data)
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
