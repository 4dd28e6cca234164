"""The tables of kept figures (``figures.py``) and the indexes coverage reads: inspections that count (review
state not ``rejected``) by year, ward and business, businesses by ward with the fields of the counting rule,
and the registry's versions by ward.

Narrow (the first one partial), so that the per-ward counts and the semi-join read the indexes only. Declared
here because coverage is their only reader; migrations 0002_coverage_counted_index and
0002_coverage_counted_by_ward, 0007_coverage_figures.
"""

from sqlalchemy import BigInteger, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from server.db import Base
from server.inspections.models import Inspection
from server.registry.models import Establishment, EstablishmentVersion

COUNTED = text("review_state <> 'rejected'")

ix_inspections_counted = Index(
    "ix_inspections_counted_ward", Inspection.year, Inspection.ward_id, Inspection.establishment_id,
    Inspection.started_at,
    postgresql_where=COUNTED, sqlite_where=COUNTED,
)

#: A ward's registry on a past day (a closed year recounted ward by ward: ``figures.refresh``).
ix_establishment_versions_ward = Index(
    "ix_establishment_versions_ward", EstablishmentVersion.ward_id, EstablishmentVersion.recorded_from,
    EstablishmentVersion.recorded_to,
)

ix_establishments_coverage = Index(
    "ix_establishments_coverage", Establishment.ward_id, Establishment.status, Establishment.opened_on,
    Establishment.closed_on, Establishment.id,
)


class CoverageFigures(Base):
    """A ward's counts for a year as last computed (``server/coverage/figures.py``): derived data, recomputed
    whenever a ``coverage_dirty`` row names the ward and the year (written by triggers, migration 0007)."""

    __tablename__ = "coverage_figures"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    ward_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    #: Which registry the counts were read on: ``live`` (the year not over) or ``versions`` (a closed year).
    source: Mapped[str] = mapped_column(String(10))
    open_n: Mapped[int] = mapped_column(Integer)
    inspected: Mapped[int] = mapped_column(Integer)
    others: Mapped[int] = mapped_column(Integer)
    city_team: Mapped[int] = mapped_column(Integer)
    #: Businesses first inspected in each month, twelve counts separated by commas.
    months: Mapped[str] = mapped_column(String(200))


class CoverageDirty(Base):
    """A ward whose figures of a year a write may have moved (appended by triggers, consumed by readers)."""

    __tablename__ = "coverage_dirty"
    __table_args__ = (Index("ix_coverage_dirty_year_ward", "year", "ward_id"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer)
    ward_id: Mapped[int] = mapped_column(Integer)


class CoverageYear(Base):
    """A year whose figures are kept: a registry change marks its wards in these years and the plans' years."""

    __tablename__ = "coverage_years"

    year: Mapped[int] = mapped_column(Integer, primary_key=True)
