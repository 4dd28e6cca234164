"""API structs of the registry."""

from __future__ import annotations

import msgspec


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


class EstablishmentPage(msgspec.Struct):
    items: list[EstablishmentOut]
    total: int
    limit: int
    offset: int
