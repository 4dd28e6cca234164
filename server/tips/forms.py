"""HTML form bodies of the tip pages (flat strings, as browsers post them) and their conversion to API structs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar

import msgspec

from server.calendar import parse_day
from server.errors import invalid_input, refused
from server.tips.places import invalid

T = TypeVar("T")


class TipForm(msgspec.Struct, kw_only=True):
    channel: str = ""
    received_at: str = ""
    reporter_name: str = ""
    reporter_contact: str = ""
    anonymous: str = ""
    establishment_id: str = ""
    lat: str = ""
    lon: str = ""
    address: str = ""
    ward: str = ""
    category: str = ""
    subject: str = ""
    urgency: str = ""
    description: str = ""


class ActionForm(msgspec.Struct, kw_only=True):
    action: str = ""
    category: str = ""
    subject: str = ""
    urgency: str = ""
    anonymous: str = ""
    ward: str = ""
    establishment_id: str = ""
    handler: str = ""
    outcome: str = ""
    reason: str = ""
    inspection: str = ""


class HotspotForm(msgspec.Struct, kw_only=True):
    name: str = ""
    tip_id: str = ""
    inspection: str = ""
    establishment_id: str = ""
    lat: str = ""
    lon: str = ""
    ward: str = ""
    evidence: str = ""
    opened_on: str = ""


class HotspotStatusForm(msgspec.Struct, kw_only=True):
    status: str = ""
    evidence: str = ""
    on: str = ""


INTS = {"establishment_id", "tip_id"}
FLOATS = {"lat", "lon"}
BOOLS = {"anonymous"}
DAYS = {"opened_on", "on"}  # typed dd/mm/yyyy (server.calendar.parse_day)
KEEP_EMPTY = {"reason", "evidence", "description", "address"}


def convert(form: msgspec.Struct, target: type[T], drop: frozenset[str] = frozenset()) -> T:
    """The form's non-empty fields, typed, decoded into ``target``; a bad field is a 422 naming it."""
    raw: dict[str, Any] = {}
    for name in form.__struct_fields__:
        value = getattr(form, name).strip()
        if name in drop or (not value and name not in KEEP_EMPTY and name not in BOOLS):
            continue
        try:
            if name in INTS:
                raw[name] = int(value)
            elif name in FLOATS:
                raw[name] = float(value)
            elif name in DAYS:
                raw[name] = parse_day(value).isoformat()
            elif name in BOOLS:
                raw[name] = value in ("on", "1", "true")
            elif name == "received_at":
                raw[name] = datetime.fromisoformat(value)
            else:
                raw[name] = value
        except ValueError as exc:
            raise invalid(name, "invalid", refused(name, value)) from exc
    try:
        return msgspec.convert(raw, target)
    except msgspec.ValidationError as exc:
        raise invalid_input(exc, raw) from exc
