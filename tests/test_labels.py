"""One translation table owns every closed set's labels, in both languages; formatting follows the language."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime

from babel.messages.pofile import read_po

from server import formatting, i18n
from server.audit.actions import Action
from server.auth.models import Role
from server.inspections.models import Outcome, ReviewState
from server.inspections.presence import Flag
from server.labels import TABLE, label
from server.planning.models import StopStatus, TeamKind
from server.registry.models import EstablishmentStatus, EstablishmentType
from server.review.models import Decision, FollowUpKind, FollowUpStatus, SubjectKind
from server.tips.models import Channel, HotspotStatus, TipCategory, TipOutcome, TipStatus, Urgency
from server.wards.models import WardKind
from server.webhooks.models import DeliveryStatus
from tests.test_i18n import PO

ENUMS: dict[str, type[enum.Enum]] = {
    "state": ReviewState, "outcome": Outcome, "flag": Flag, "type": EstablishmentType,
    "establishment_status": EstablishmentStatus, "stop": StopStatus, "team_kind": TeamKind, "role": Role,
    "decision": Decision, "follow_up": FollowUpKind, "follow_up_status": FollowUpStatus,
    "subject_kind": SubjectKind, "channel": Channel, "category": TipCategory, "urgency": Urgency,
    "tip_status": TipStatus, "tip_outcome": TipOutcome, "hotspot_status": HotspotStatus,
    "delivery_status": DeliveryStatus, "action": Action, "ward_kind": WardKind,
}


def test_every_value_of_every_enum_has_a_label_in_both_languages() -> None:
    with PO.open("rb") as fh:
        english = {m.id: m.string for m in read_po(fh, locale="en") if m.id}
    for kind, values in ENUMS.items():
        assert set(TABLE[kind]) == {v.value for v in values}, kind
        for source in TABLE[kind].values():
            assert english.get(source), (kind, source)


def test_labels_follow_the_language_and_leave_unknown_values_visible() -> None:
    token = i18n.language.set("en")
    try:
        assert label("far_from_registered_point", "flag") == "Far from the registered location"
        assert label(Role.WARD_POLICE, "role") == "Ward police"
    finally:
        i18n.language.reset(token)
    assert label("far_from_registered_point", "flag") == "Xa vị trí đăng ký của cơ sở"
    assert label("", "flag") == "" and label(None, "state") == ""
    assert label("something_new", "flag") == "something_new"


def test_dates_times_and_money_read_the_way_people_say_them() -> None:
    assert formatting.day(date(2023, 12, 31)) == "31/12/2023"
    assert formatting.day("2023-12-31") == "31/12/2023"
    moment = datetime(2023, 12, 31, 17, 5, tzinfo=UTC)  # 00:05 on 1 January in Vietnam
    assert formatting.moment(moment) == "01/01/2024 00:05" and formatting.clock(moment) == "00:05"
    assert formatting.money(15_000_000) == "15.000.000 đ"
    token = i18n.language.set("en")
    try:
        assert formatting.money(15_000_000) == "15,000,000 VND"
        assert formatting.day(date(2023, 12, 31)) == "31/12/2023"
    finally:
        i18n.language.reset(token)
