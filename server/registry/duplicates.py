"""Likely duplicates: the same business registration number, or a similar name within 50 m.

"Similar" compares the distinctive part of two names: NFC, casefolded, diacritics and đ folded (phones
and spreadsheets often drop them), generic type words ("karaoke", "nhà nghỉ", "khách sạn" …) removed,
tokens sorted; then difflib's ratio of the two strings must reach ``SIMILAR_RATIO``.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from maps.distance import distance_m
from server.registry.models import Establishment
from server.registry.schemas import DuplicateOut
from server.wards.models import Ward

NEARBY_M = 50.0
SIMILAR_RATIO = 0.85
GENERIC_WORDS = frozenset((
    "karaoke", "nha", "nghi", "khach", "san", "homestay", "hotel", "motel", "bar", "pub", "lounge", "quan", "ruou",
    "cat", "toc", "goi", "dau", "thu", "gian", "salon", "duong", "sinh", "vu", "truong", "club", "massage", "xoa",
    "bop", "bam", "huyet", "spa", "cafe", "co", "so", "the",
))
_WORD = re.compile(r"\w+", re.UNICODE)


def fold(text: str) -> str:
    """Casefolded, without diacritics (đ → d)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("đ", "d")


def name_key(name: str) -> str:
    tokens = _WORD.findall(fold(name))
    distinctive = [t for t in tokens if t not in GENERIC_WORDS]
    return " ".join(sorted(distinctive or tokens))


def similarity(a: str, b: str) -> float:
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb:
        return 0.0
    return difflib.SequenceMatcher(None, ka, kb).ratio()


async def find_duplicates(
    session: AsyncSession,
    *,
    name: str,
    lat: float | None,
    lon: float | None,
    business_reg_no: str | None,
    exclude_id: int | None = None,
) -> list[DuplicateOut]:
    """Registered businesses that look like this one (any ward: a duplicate is a duplicate)."""
    out: dict[int, DuplicateOut] = {}
    if business_reg_no and business_reg_no.strip():
        rows = await session.execute(
            select(Establishment, Ward.code).join(Ward, Ward.id == Establishment.ward_id)
            .where(Establishment.business_reg_no == business_reg_no.strip())
        )
        for e, code in rows.all():
            if e.id != exclude_id:
                out[e.id] = DuplicateOut(e.id, e.name, code, "same_licence")
    if lat is not None and lon is not None:
        dlat = NEARBY_M / 111_000 * 1.5
        dlon = dlat / max(0.1, math.cos(math.radians(lat)))
        rows = await session.execute(
            select(Establishment, Ward.code).join(Ward, Ward.id == Establishment.ward_id)
            .where(Establishment.lat.between(lat - dlat, lat + dlat), Establishment.lon.between(lon - dlon, lon + dlon))
        )
        for e, code in rows.all():
            if e.id == exclude_id or e.id in out or e.lat is None or e.lon is None:
                continue
            metres = distance_m((lat, lon), (e.lat, e.lon))
            ratio = similarity(name, e.name)
            if metres <= NEARBY_M and ratio >= SIMILAR_RATIO:
                out[e.id] = DuplicateOut(e.id, e.name, code, "similar_name_nearby", round(metres, 1), round(ratio, 2))
    return list(out.values())
