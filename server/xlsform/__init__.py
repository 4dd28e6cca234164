"""Checklists as XLSForm: export (.xlsx, and the XForm pyxform makes of it), import as a new version."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "services": ["xform_of"],
})
