"""The one list of route handlers; each domain package contributes its ``routes``."""

from server import pages
from server.audit import routes as audit
from server.auth import routes as auth
from server.coverage import routes as coverage
from server.inspections import routes as inspections
from server.planning import pages as planning_pages
from server.planning import routes as planning
from server.registry import pages as registry_pages
from server.registry import routes as registry
from server.review import routes as review
from server.tips import hotspot_pages
from server.tips import pages as tip_pages
from server.tips import routes as tips
from server.wards import routes as wards
from server.webhooks import routes as webhooks

ROUTES = [*pages.routes, *auth.routes, *wards.routes, *registry.routes, *registry_pages.routes, *audit.routes]
ROUTES += [*inspections.routes]
ROUTES += [*coverage.routes]
ROUTES += [*review.routes, *webhooks.routes]

ROUTES += [*tips.routes, *tip_pages.routes, *hotspot_pages.routes]
ROUTES += [*planning.routes, *planning_pages.routes]
