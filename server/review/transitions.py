"""The one table of review transitions: (from state, decision) → to state, and who may make it.

The database enforces the same triples with a check constraint on ``reviews`` (``TRIPLES_SQL``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import CheckConstraint

from server.auth.models import Role
from server.inspections.models import ReviewState as S
from server.review.models import Decision as D
from server.review.models import Review

REVIEWERS = frozenset({Role.WARD_POLICE, Role.CITY_OFFICE})
CITY = frozenset({Role.CITY_OFFICE})
POLICE = frozenset({Role.WARD_POLICE})
#: Only the inspector who made the record resubmits it (checked by the submission path).
INSPECTOR = frozenset({Role.INSPECTOR, Role.TEAM_LEAD})


@dataclass(frozen=True)
class Transition:
    to: S
    roles: frozenset[Role]


TRANSITIONS: dict[tuple[S, D], Transition] = {
    (S.SUBMITTED, D.APPROVE): Transition(S.APPROVED, REVIEWERS),
    (S.SUBMITTED, D.RETURN): Transition(S.RETURNED, REVIEWERS),
    (S.SUBMITTED, D.ESCALATE): Transition(S.ESCALATED, POLICE),
    (S.SUBMITTED, D.REJECT): Transition(S.REJECTED, REVIEWERS),
    (S.ESCALATED, D.APPROVE): Transition(S.APPROVED, CITY),
    (S.ESCALATED, D.RETURN): Transition(S.RETURNED, CITY),
    (S.ESCALATED, D.REJECT): Transition(S.REJECTED, CITY),
    (S.RETURNED, D.RESUBMIT): Transition(S.SUBMITTED, INSPECTOR),
}

#: Decisions that need a reason.
COMMENT_REQUIRED = frozenset({D.RETURN, D.ESCALATE, D.REJECT})
#: Decisions a reviewer posts (resubmission happens by sending the fixed body again).
REVIEW_DECISIONS = (D.APPROVE, D.RETURN, D.ESCALATE, D.REJECT)


def triples_sql() -> str:
    """The check constraint over (from_state, decision, to_state), built from the table above."""
    return " OR ".join(
        f"(from_state = '{f.value}' AND decision = '{d.value}' AND to_state = '{t.to.value}')"
        for (f, d), t in TRANSITIONS.items()
    )


def decisions_from(state: str, roles: frozenset[str]) -> list[D]:
    """The review decisions a user holding ``roles`` may make on an inspection in ``state``."""
    return [d for (f, d), t in TRANSITIONS.items()
            if f.value == state and d in REVIEW_DECISIONS and any(r.value in roles for r in t.roles)]


Review.__table__.append_constraint(CheckConstraint(triples_sql(), name="transition"))
