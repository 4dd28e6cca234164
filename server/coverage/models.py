"""The indexes coverage reads: inspections that count (review state not ``rejected``) by year, ward and
business, and businesses by ward with the fields of the counting rule.

Narrow (the first one partial), so that the per-ward counts and the semi-join read the indexes only. Declared
here because coverage is their only reader; migrations 0002_coverage_counted_index and
0002_coverage_counted_by_ward.
"""

from sqlalchemy import Index, text

from server.inspections.models import Inspection
from server.registry.models import Establishment

COUNTED = text("review_state <> 'rejected'")

ix_inspections_counted = Index(
    "ix_inspections_counted_ward", Inspection.year, Inspection.ward_id, Inspection.establishment_id,
    Inspection.started_at,
    postgresql_where=COUNTED, sqlite_where=COUNTED,
)

ix_establishments_coverage = Index(
    "ix_establishments_coverage", Establishment.ward_id, Establishment.status, Establishment.opened_on,
    Establishment.closed_on, Establishment.id,
)
