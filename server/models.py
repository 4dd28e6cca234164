"""Every ORM model, imported in one place so that Alembic and ``create_all`` see the whole schema."""

from server.audit.models import AuditEvent
from server.auth.models import AuthSession, LoginAttempt, User, UserRole, UserWard
from server.coverage import models as coverage_models  # noqa: F401 (an index on inspections)
from server.db import Base
from server.inspections.models import Attachment, FormVersion, Inspection, InspectionMember, InspectionVersion
from server.openrosa.models import DeviceToken
from server.planning.models import (
    Assignment,
    AssignmentStop,
    AwarenessActivity,
    Plan,
    PlanWardTarget,
    Team,
    TeamMember,
    WardYear,
)
from server.registry.models import Establishment, EstablishmentVersion
from server.review.models import FollowUp, Review
from server.schedule.models import ScheduleDraft, TeamCapacity, TypeHours
from server.tips.models import Hotspot, HotspotEvent, PublicPost, Tip, TipEvent, TipInspection
from server.wards.models import Ward
from server.webhooks.models import WebhookDelivery
from server.xlsform.models import FormImport

__all__ = [
    "Assignment",
    "AssignmentStop",
    "Attachment",
    "AuditEvent",
    "AuthSession",
    "AwarenessActivity",
    "Base",
    "DeviceToken",
    "Establishment",
    "EstablishmentVersion",
    "FollowUp",
    "FormImport",
    "FormVersion",
    "Hotspot",
    "HotspotEvent",
    "Inspection",
    "InspectionMember",
    "InspectionVersion",
    "LoginAttempt",
    "Plan",
    "PlanWardTarget",
    "PublicPost",
    "Review",
    "ScheduleDraft",
    "Team",
    "TeamCapacity",
    "TeamMember",
    "Tip",
    "TipEvent",
    "TipInspection",
    "TypeHours",
    "User",
    "UserRole",
    "UserWard",
    "Ward",
    "WardYear",
    "WebhookDelivery",
]
