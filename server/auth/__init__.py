"""Users, roles, ward scopes, sessions, login lockout, the admin pages."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "services": ["UserIn", "create_user", "current_user", "current_user_of", "identity_of"],
    "ward_scopes": ["follow_ward_mapping"],
})
