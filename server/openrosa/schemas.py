"""API structs of device tokens."""

from __future__ import annotations

from datetime import datetime

import msgspec


class DeviceTokenIn(msgspec.Struct, forbid_unknown_fields=True):
    username: str
    name: str = ""


class DeviceTokenOut(msgspec.Struct):
    id: int
    username: str
    name: str
    issued_at: datetime
    revoked_at: datetime | None
    #: Only in the answer that issues it: the server URL ODK Collect uses, and its settings for a QR code.
    server_url: str | None = None
    collect_settings: str | None = None
