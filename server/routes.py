"""The one list of route handlers; each domain package contributes its ``routes``."""

from server import pages
from server.audit import routes as audit
from server.auth import routes as auth
from server.coverage import indicator_routes
from server.coverage import routes as coverage
from server.inspections import offline, phone_pages
from server.inspections import routes as inspections
from server.openrosa import pages as openrosa_pages
from server.openrosa import routes as openrosa
from server.planning import pages as planning_pages
from server.planning import plan_routes, ward_report_routes
from server.planning import routes as planning
from server.registry import pages as registry_pages
from server.registry import routes as registry
from server.registry import unit_routes
from server.review import routes as review
from server.schedule import capacity_routes
from server.schedule import pages as schedule_pages
from server.schedule import routes as schedule
from server.submissions import routes as submissions
from server.tips import hotspot_pages
from server.tips import pages as tip_pages
from server.tips import routes as tips
from server.wards import routes as wards
from server.webhooks import routes as webhooks
from server.xlsform import pages as xlsform_pages
from server.xlsform import routes as xlsform

ROUTES = [*pages.routes, *auth.routes, *wards.routes, *registry.routes, *registry_pages.routes, *audit.routes]
ROUTES += [*inspections.routes, *submissions.routes, *xlsform.routes, *xlsform_pages.routes]
ROUTES += [*openrosa.routes, *openrosa_pages.routes]
ROUTES += [*coverage.routes, *indicator_routes.routes]
ROUTES += [*phone_pages.routes, *offline.routes]
ROUTES += [*unit_routes.routes]
ROUTES += [*review.routes, *webhooks.routes]
ROUTES += [*schedule.routes, *schedule_pages.routes, *capacity_routes.routes]

ROUTES += [*tips.routes, *tip_pages.routes, *hotspot_pages.routes]
ROUTES += [*planning.routes, *planning_pages.routes, *plan_routes.routes, *ward_report_routes.routes]
