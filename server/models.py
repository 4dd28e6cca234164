"""Every ORM model, imported in one place so that Alembic and ``create_all`` see the whole schema."""

from server.audit.models import AuditEvent
from server.auth.models import AuthSession, LoginAttempt, User, UserRole, UserWard
from server.coverage import models as coverage_models  # noqa: F401 (an index on inspections)
from server.db import Base
from server.inspections.models import Attachment, FormVersion, Inspection, InspectionMember, InspectionVersion
from server.planning.models import Assignment, AssignmentStop, Plan, PlanWardTarget, Team, TeamMember
from server.registry.models import Establishment
from server.review.models import FollowUp, Review
from server.tips.models import Hotspot, HotspotEvent, PublicPost, Tip, TipEvent, TipInspection
from server.wards.models import Ward
from server.webhooks.models import WebhookDelivery

__all__ = [
    "Assignment", "AssignmentStop", "Attachment", "AuditEvent", "AuthSession", "Base", "Establishment", "FollowUp",
    "FormVersion", "Hotspot", "HotspotEvent", "Inspection", "InspectionMember", "InspectionVersion", "LoginAttempt",
    "Plan", "PlanWardTarget", "PublicPost", "Review", "Team", "TeamMember", "Tip", "TipEvent", "TipInspection",
    "User", "UserRole", "UserWard", "Ward", "WebhookDelivery",
]
