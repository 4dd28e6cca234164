"""API structs of review: decisions, the queue and its filters, follow-ups, history."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from server.inspections import InspectionOut
from server.inspections.models import ReviewState
from server.registry.models import EstablishmentType
from server.review.models import Decision, FollowUpKind, FollowUpStatus, SubjectKind

Comment = Annotated[str, msgspec.Meta(max_length=5_000)]
Short = Annotated[str, msgspec.Meta(max_length=200)]


class ReviewIn(msgspec.Struct, forbid_unknown_fields=True):
    decision: Decision
    comment: Comment = ""


class ReviewOut(msgspec.Struct):
    inspection: str
    decision: str
    from_state: str
    to_state: str
    comment: str
    reviewer: str
    at: datetime


class QueueFilter(msgspec.Struct, frozen=True, kw_only=True):
    """The reviewer's filters; the queue page, its JSON twin and every export apply the same ones."""

    ward: str | None = None
    state: ReviewState | None = None
    type: EstablishmentType | None = None
    #: True: only inspections with violations; False: only without.
    violations: bool | None = None
    #: A presence flag (e.g. ``far_from_registered_point``) or ``any``.
    flag: str | None = None
    year: int | None = None


class QueueItem(msgspec.Struct):
    uuid: str
    started_at: datetime
    establishment_id: int
    establishment_name: str
    establishment_type: str
    ward: str
    ward_name: str
    inspector: str
    outcome: str
    violation_count: int
    flags: list[str]
    review_state: str
    version: int


class QueuePage(msgspec.Struct):
    items: list[QueueItem]
    total: int
    #: Inspections per review state under the other filters (the state filter left out).
    counts: dict[str, int]
    limit: int
    offset: int


class FollowUpIn(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    kind: FollowUpKind
    decision_no: Short | None = None
    decision_date: date | None = None
    authority: Short | None = None
    legal_ref: Comment | None = None
    fine_vnd: Annotated[int, msgspec.Meta(ge=0, le=10_000_000_000)] | None = None
    subject_kind: SubjectKind | None = None
    deadline: date | None = None
    #: Re-inspection: the team to send (default: the team of the inspection).
    team_id: int | None = None
    #: Licence recommendation: ``suspend`` or ``revoke``.
    action: Annotated[str, msgspec.Meta(pattern="^(suspend|revoke)$")] | None = None
    note: Comment = ""


class FollowUpUpdate(msgspec.Struct, forbid_unknown_fields=True):
    status: FollowUpStatus
    note: Comment = ""


class FollowUpOut(msgspec.Struct):
    id: int
    inspection: str
    establishment_name: str
    ward: str
    kind: str
    status: str
    decision_no: str | None
    decision_date: date | None
    authority: str | None
    legal_ref: str | None
    fine_vnd: int | None
    subject_kind: str | None
    deadline: date | None
    assignment_id: int | None
    details: dict[str, Any]
    created_by: str
    created_at: datetime
    overdue: bool = False


class VersionOut(msgspec.Struct):
    version: int
    body: dict[str, Any]
    violations: list[dict[str, Any]]
    flags: list[str]
    replaced_at: datetime


class AuditOut(msgspec.Struct):
    id: int
    at: datetime
    actor: str | None
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class HistoryOut(msgspec.Struct):
    inspection: InspectionOut
    versions: list[VersionOut]
    reviews: list[ReviewOut]
    follow_ups: list[FollowUpOut]
    audit: list[AuditOut]
    #: Decisions the asking user may make now.
    decisions: list[str]
