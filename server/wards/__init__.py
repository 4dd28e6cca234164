"""Administrative units (with their periods in force) as the user sees them; scope lives in server.scope."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "services": ["WardOut", "list_wards"],
    "imports": ["UnitChange", "parse_mapping", "parse_units", "replace_units"],
})
