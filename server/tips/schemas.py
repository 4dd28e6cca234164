"""API structs of tips and hotspots. The reporter's identity is in ``ReporterOut`` only, never in ``TipOut``."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from server.tips.models import Channel, HotspotStatus, TipCategory, TipOutcome, Urgency

Subject = Literal[
    "mai_dam.mua_dam", "mai_dam.ban_dam", "mai_dam.chua", "mai_dam.moi_gioi", "mai_dam.mua_dam_nguoi_duoi_18",
    "mai_dam.cuong_buc_to_chuc_bao_ke", "mai_dam.loi_dung_kinh_doanh", "ma_tuy.to_chuc_su_dung",
    "ma_tuy.chua_chap", "ma_tuy.su_dung", "mua_ban_nguoi", "xam_hai_tinh_duc_tre_em", "danh_bac",
    "dieu_kien_antt", "karaoke_vu_truong", "luu_tru_cu_tru", "pccc", "tieng_on", "lao_dong_vi_thanh_nien", "khac",
]
Short = Annotated[str, msgspec.Meta(max_length=200)]
Address = Annotated[str, msgspec.Meta(max_length=300)]
Text = Annotated[str, msgspec.Meta(max_length=4000)]
Lat = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Lon = Annotated[float, msgspec.Meta(ge=-180, le=180)]
WardCode = Annotated[str, msgspec.Meta(max_length=10, pattern=r"^\d{1,10}$")]
#: A row id: positive and within a 32-bit integer column (larger numbers are refused, not overflowed).
Id = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]

ACTION_NAMES = ("classify", "assign", "start", "suspend", "resume", "resolve", "extend", "notify_procuracy",
                "send_decision", "notify_reporter", "link_inspection")
ActionName = Literal["classify", "assign", "start", "suspend", "resume", "resolve", "extend", "notify_procuracy",
                     "send_decision", "notify_reporter", "link_inspection"]


class TipIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Staff intake. The place is a registry business, or a map point, or an address with its ward."""

    channel: Channel
    received_at: datetime | None = None
    reporter_name: Short | None = None
    reporter_contact: Short | None = None
    anonymous: bool = False
    establishment_id: Id | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    address: Address = ""
    ward: WardCode | None = None
    category: TipCategory | None = None
    subject: Subject | None = None
    urgency: Urgency | None = None
    description: Text = ""


class TipActionIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One step of the workflow; which fields matter depends on ``action``."""

    action: ActionName
    category: TipCategory | None = None
    subject: Subject | None = None
    urgency: Urgency | None = None
    anonymous: bool | None = None
    ward: WardCode | None = None
    establishment_id: Id | None = None
    handler: Short | None = None
    outcome: TipOutcome | None = None
    reason: Text = ""
    inspection: Short | None = None


class StepOut(msgspec.Struct):
    key: str
    due: datetime | None
    done: datetime | None
    late: bool
    paused: bool
    basis: str


class TipEventOut(msgspec.Struct):
    at: datetime
    action: str
    actor: str | None
    from_status: str | None
    to_status: str | None
    reason: str


class TipOut(msgspec.Struct, kw_only=True):
    id: int
    received_at: datetime
    channel: str
    source: str
    anonymous: bool
    establishment_id: int | None
    establishment_name: str | None
    ward: str | None
    ward_name: str | None
    lat: float | None
    lon: float | None
    address: str
    category: str | None
    subject: str | None
    urgency: str | None
    description: str
    status: str
    handler: str | None
    handler_name: str | None
    outcome: str | None
    resolved_at: datetime | None
    next_due_at: datetime | None
    next_due_step: str | None
    overdue: bool
    missed_deadline: bool
    steps: list[StepOut] = []
    inspections: list[str] = []


class TipDetail(TipOut, kw_only=True):
    events: list[TipEventOut] = []
    extensions_left: int = 0
    may_reveal_reporter: bool = False


class TipPage(msgspec.Struct):
    items: list[TipOut]
    total: int
    limit: int
    offset: int


class ReporterOut(msgspec.Struct):
    """Protected: only the city office and the assigned handler get this, and each time is audited."""

    tip_id: int
    reporter_name: str | None
    reporter_contact: str | None
    anonymous: bool


class RatioOut(msgspec.Struct):
    on_time: int
    late: int
    open: int
    ratio: float | None


class OnTimeRow(msgspec.Struct):
    ward: str | None
    ward_name: str
    months: list[RatioOut]
    year: RatioOut


class OnTimeOut(msgspec.Struct):
    year: int
    target: float
    rule: str
    city: OnTimeRow
    wards: list[OnTimeRow]


class HotspotIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    name: Short
    tip_id: Id | None = None
    inspection: Short | None = None
    establishment_id: Id | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    ward: WardCode | None = None
    evidence: Text = ""
    opened_on: date | None = None


class HotspotStatusIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    status: HotspotStatus
    evidence: Annotated[str, msgspec.Meta(min_length=1, max_length=4000)]
    on: date | None = None


class HotspotEventOut(msgspec.Struct):
    status: str
    on: date
    evidence: str
    actor: str | None


class HotspotOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    ward: str
    ward_name: str
    establishment_id: int | None
    establishment_name: str | None
    lat: float | None
    lon: float | None
    status: str
    evidence: str
    opened_on: date
    monitored_on: date | None
    eradicated_on: date | None
    tip_id: int | None
    inspection_id: int | None
    history: list[HotspotEventOut] = []


class HotspotCount(msgspec.Struct):
    ward: str
    ward_name: str
    active: int
    monitored: int
    eradicated: int


def to_builtins(value: Any) -> Any:
    return msgspec.to_builtins(value)
