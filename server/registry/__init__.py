"""The establishments: the registry, its import and editing, and where each one lies."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "labels": ["labels"],
    "locating": ["build_locator", "locator_for"],
    "import_routes": ["geocoder_for"],
    "versions": ["REGISTRY_EPOCH", "record_versions", "registry_at", "registry_on"],
    "unit_imports": ["UnitImportReport", "import_units"],
    "upload_limits": ["check_upload"],
})
