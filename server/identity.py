"""Who is asking: the logged-in user as the request sees it, and the ward scope that follows from roles."""

from __future__ import annotations

import msgspec

from server.auth.models import Role

CITY_WIDE = frozenset({Role.CITY_OFFICE.value, Role.ADMIN.value})


class CurrentUser(msgspec.Struct, frozen=True):
    id: int
    username: str
    full_name: str
    roles: frozenset[str]
    #: Ward ids this user may see; ``None`` means every ward.
    ward_ids: frozenset[int] | None
    language: str
    token_hash: str

    def has(self, *roles: Role | str) -> bool:
        return any(str(r) in self.roles for r in roles)

    def sees_ward(self, ward_id: int | None) -> bool:
        return self.ward_ids is None or (ward_id is not None and ward_id in self.ward_ids)


def ward_scope(roles: frozenset[str], ward_ids: frozenset[int]) -> frozenset[int] | None:
    """City office and admin see every ward; ward police only their wards (none if unset);
    inspectors and team leads their wards when they have any, else the whole city (the city team)."""
    if roles & CITY_WIDE:
        return None
    if Role.WARD_POLICE.value in roles:
        return ward_ids
    return ward_ids or None
