"""API structs of the registry: read (``EstablishmentOut``), create (``EstablishmentIn``), update
(``EstablishmentUpdate``, absent fields are ``msgspec.UNSET``) and the duplicate warning."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from server.registry.models import EstablishmentStatus, EstablishmentType

Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Text300 = Annotated[str, msgspec.Meta(max_length=300)]
Licence = Annotated[str, msgspec.Meta(max_length=50)]
Lat = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Lon = Annotated[float, msgspec.Meta(ge=-180, le=180)]
WardCode = Annotated[str, msgspec.Meta(pattern=r"^\d{1,10}$")]
Rooms = Annotated[int, msgspec.Meta(ge=0, le=10_000)]
Workers = Annotated[int, msgspec.Meta(ge=0, le=100_000)]


class EstablishmentOut(msgspec.Struct):
    id: int
    name: str
    type: str
    ward: str
    ward_name: str
    address: str
    lat: float | None
    lon: float | None
    status: str
    legal_rep: str = ""
    business_reg_no: str | None = None
    security_cert_no: str | None = None
    operating_licence_no: str | None = None
    rooms: int | None = None
    workers: int | None = None
    opened_on: date | None = None
    closed_on: date | None = None
    phone: str = ""
    ward_override_reason: str | None = None
    proposed_lat: float | None = None
    proposed_lon: float | None = None
    last_inspected_at: datetime | None = None


class EstablishmentPage(msgspec.Struct):
    items: list[EstablishmentOut]
    total: int
    limit: int
    offset: int


class EstablishmentIn(msgspec.Struct, forbid_unknown_fields=True):
    """A new business. The ward follows from the point unless ``ward`` overrides it (with a reason)."""

    name: Name
    type: EstablishmentType
    address: Text300 = ""
    lat: Lat | None = None
    lon: Lon | None = None
    ward: WardCode | None = None
    ward_override_reason: Text300 | None = None
    business_reg_no: Licence | None = None
    security_cert_no: Licence | None = None
    operating_licence_no: Licence | None = None
    legal_rep: Annotated[str, msgspec.Meta(max_length=200)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=30)] = ""
    rooms: Rooms | None = None
    workers: Workers | None = None
    status: EstablishmentStatus = EstablishmentStatus.ACTIVE
    opened_on: date | None = None
    #: Save although a likely duplicate exists (the 409 ``possible_duplicate`` listed it).
    confirm_duplicate: bool = False


class EstablishmentUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """A partial edit: only the fields present change."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    type: EstablishmentType | msgspec.UnsetType = msgspec.UNSET
    address: Text300 | msgspec.UnsetType = msgspec.UNSET
    lat: Lat | msgspec.UnsetType | None = msgspec.UNSET
    lon: Lon | msgspec.UnsetType | None = msgspec.UNSET
    ward: WardCode | msgspec.UnsetType | None = msgspec.UNSET
    ward_override_reason: Text300 | msgspec.UnsetType | None = msgspec.UNSET
    business_reg_no: Licence | msgspec.UnsetType | None = msgspec.UNSET
    security_cert_no: Licence | msgspec.UnsetType | None = msgspec.UNSET
    operating_licence_no: Licence | msgspec.UnsetType | None = msgspec.UNSET
    legal_rep: Annotated[str, msgspec.Meta(max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    phone: Annotated[str, msgspec.Meta(max_length=30)] | msgspec.UnsetType = msgspec.UNSET
    rooms: Rooms | msgspec.UnsetType | None = msgspec.UNSET
    workers: Workers | msgspec.UnsetType | None = msgspec.UNSET
    status: EstablishmentStatus | msgspec.UnsetType = msgspec.UNSET
    opened_on: date | msgspec.UnsetType | None = msgspec.UNSET
    closed_on: date | msgspec.UnsetType | None = msgspec.UNSET
    confirm_duplicate: bool = False


class DuplicateOut(msgspec.Struct):
    """A registered business that looks like the one being saved, and why."""

    id: int
    name: str
    ward: str
    reason: str  # "same_licence" or "similar_name_nearby"
    distance_m: float | None = None
    similarity: float | None = None


class WardLookupOut(msgspec.Struct):
    """The ward at a point (None outside the city)."""

    lat: float
    lon: float
    ward: str | None
    ward_name: str | None
