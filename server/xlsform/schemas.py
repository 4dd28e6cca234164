"""API structs of XLSForm uploads."""

from __future__ import annotations

from datetime import datetime

import msgspec


class FormImportOut(msgspec.Struct):
    """A draft (or published) version read from an uploaded XLSForm."""

    id: int
    form_id: str
    version: int
    filename: str
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    published_by: str | None
    published_at: datetime | None
    sections: int
    questions: int
    items: int
    preview_url: str
    publish_url: str
