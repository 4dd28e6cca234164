"""The one registry of audit action names (dotted). The README lists every one; a test checks it."""

import enum


class Action(enum.StrEnum):
    USER_CREATE = "user.create"
    USER_UPDATE = "user.update"
    USER_PASSWORD_RESET = "user.password_reset"
    SESSION_LOGIN = "session.login"
    SESSION_LOGOUT = "session.logout"
    WARD_IMPORT = "ward.import"
    ESTABLISHMENT_CREATE = "establishment.create"
    ESTABLISHMENT_UPDATE = "establishment.update"
    ESTABLISHMENT_IMPORT = "establishment.import"
    ASSIGNMENT_CREATE = "assignment.create"
    ASSIGNMENT_STOP_UPDATE = "assignment.stop_update"
    TEAM_CREATE = "team.create"
    PLAN_CREATE = "plan.create"
    INSPECTION_CREATE = "inspection.create"
    SEED_LOAD = "seed.load"
