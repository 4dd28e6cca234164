"""The citizens' form: a tip without login, size-limited, with a honeypot and a per-address rate limit.

The rate limit counts posts in the database (``tip_public_posts``), so every worker process and machine
shares it; the address is kept only as an HMAC with the secret key, for ``KEEP`` minutes.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import msgspec
from sqlalchemy import delete, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit import Action, record
from server.db import utcnow
from server.errors import AppError, FieldError
from server.i18n import gettext as _
from server.i18n import nfc
from server.tips.models import Channel, PublicPost, Tip, TipEvent, TipStatus
from server.tips.places import ward_id_of_code
from server.tips.services import recompute

#: Posts accepted from one address within ``WINDOW``; the next one gets 429.
POSTS_PER_WINDOW = 30
WINDOW = timedelta(minutes=1)
KEEP = timedelta(minutes=10)
#: Bodies above this are refused with 413 before they are parsed (route ``request_max_body_size``).
MAX_BODY_BYTES = 64 * 1024
LIMITS = {"address": 300, "ward": 10, "description": 4000, "name": 200, "contact": 200}


class PublicTipForm(msgspec.Struct, kw_only=True):
    address: str = ""
    ward: str = ""
    description: str = ""
    name: str = ""
    contact: str = ""
    #: The honeypot: hidden from people, filled by naive bots. A filled one is dropped but answered like success.
    website: str = ""


def client_key(secret: str, address: str) -> str:
    return hmac.new(secret.encode(), address.encode(), hashlib.sha256).hexdigest()


async def count_post(session: AsyncSession, key: str) -> None:
    """Record one post from ``key``; raise 429 when it is over the limit of the window."""
    if session.bind.dialect.name == "postgresql":
        # one address's posts are counted one at a time, so parallel posts cannot all slip under the limit
        await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": key})
    now = utcnow()
    recent = await session.scalar(select(func.count()).select_from(PublicPost)
                                  .where(PublicPost.client == key, PublicPost.at > now - WINDOW)) or 0
    if recent >= POSTS_PER_WINDOW:
        error = AppError(429, "too_many_requests",
                         _("Có quá nhiều tin báo từ địa chỉ của bạn; hãy thử lại sau một phút."))
        error.headers = {"Retry-After": str(int(WINDOW.total_seconds()))}
        raise error
    await session.execute(delete(PublicPost).where(PublicPost.at < now - KEEP))
    session.add(PublicPost(client=key, at=now))
    await session.flush()


def validate(form: PublicTipForm) -> list[FieldError]:
    errors = [FieldError(name, "too_long", _("Mục này chỉ được dài tối đa {limit} ký tự.").format(limit=limit))
              for name, limit in LIMITS.items() if len(getattr(form, name)) > limit]
    if not form.description.strip() and not form.address.strip():
        errors.append(FieldError("description", "required", _("Hãy mô tả địa điểm hoặc điều bạn đã thấy.")))
    if form.ward and not form.ward.isdigit():
        errors.append(FieldError("ward", "invalid", _("Hãy chọn một phường, xã trong danh sách.")))
    return errors


async def submit(session: AsyncSession, form: PublicTipForm) -> Tip | None:
    """Store a citizen's tip as ``received`` (None for a filled honeypot: nothing is stored)."""
    if form.website.strip():
        return None
    ward_id = await ward_id_of_code(session, form.ward) if form.ward else None
    name, contact = nfc(form.name.strip()), nfc(form.contact.strip())
    now = utcnow()
    tip = Tip(received_at=now, channel=Channel.ONLINE.value, source="public", reporter_name=name or None,
              reporter_contact=contact or None, anonymous=not (name or contact), ward_id=ward_id,
              address=nfc(form.address.strip()), description=nfc(form.description.strip()),
              status=TipStatus.RECEIVED.value, deadlines={})
    session.add(tip)
    await session.flush()
    session.add(TipEvent(tip_id=tip.id, at=now, actor_id=None, action="create", to_status=tip.status, reason=""))
    await session.flush()
    await recompute(session, tip)
    await record(session, None, Action.TIP_CREATE, "tip", tip.id,
                 after={"source": "public", "ward_id": ward_id, "status": tip.status,
                        "reporter_known": not tip.anonymous})
    return tip
