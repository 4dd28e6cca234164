"""API structs of inspections (the PUT body is the API contract: README, "Inspectors' phones")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec

from server.inspections.models import Outcome
from server.inspections.signatures import SignatureIn

Lat = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Lon = Annotated[float, msgspec.Meta(ge=-180, le=180)]


class LocationIn(msgspec.Struct, forbid_unknown_fields=True):
    lat: Lat
    lon: Lon
    accuracy_m: Annotated[float, msgspec.Meta(ge=0, le=100_000)]
    captured_at: datetime


class InspectionIn(msgspec.Struct, forbid_unknown_fields=True):
    establishment_id: int
    form_id: Annotated[str, msgspec.Meta(max_length=50)]
    form_version: Annotated[int, msgspec.Meta(ge=1)]
    started_at: datetime
    submitted_at: datetime
    location: LocationIn | None
    answers: dict[str, Any]
    outcome: Outcome
    notes: Annotated[str, msgspec.Meta(max_length=10_000)] = ""
    #: Drawn on the phone (server/inspections/signatures.py); absent or empty: an unsigned record.
    signatures: list[SignatureIn] = msgspec.field(default_factory=list)


class LocationOut(msgspec.Struct):
    lat: float
    lon: float
    accuracy_m: float | None
    captured_at: datetime | None


class InspectionOut(msgspec.Struct):
    uuid: str
    establishment_id: int
    establishment_name: str
    ward: str
    form_id: str
    form_version: int
    started_at: datetime
    submitted_at: datetime
    received_at: datetime
    location: LocationOut | None
    distance_m: float | None
    flags: list[str]
    answers: dict[str, Any]
    violations: list[dict[str, Any]]
    outcome: str
    notes: str
    review_state: str
    inspector: str
    version: int
    attachments: list[str] = []
    #: [{role, name, sha256, signed_at}]: the PNGs are attachments like the photos.
    signatures: list[dict[str, Any]] = []


class InspectionSummary(msgspec.Struct):
    """One line of the inspection list."""

    uuid: str
    establishment_id: int
    establishment_name: str
    establishment_type: str
    ward: str
    started_at: datetime
    outcome: str
    violation_count: int
    flags: list[str]
    review_state: str
    inspector: str


class InspectionPage(msgspec.Struct):
    items: list[InspectionSummary]
    total: int
    limit: int
    offset: int


class FormSummary(msgspec.Struct):
    id: str
    version: int
    versions: list[int]
    title: dict[str, str]
    establishment_types: list[str]


class AttachmentOut(msgspec.Struct):
    sha256: str
    content_type: str
    size: int
    width: int
    height: int
    url: str
