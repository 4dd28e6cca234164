"""The submission path: new, replayed, resubmitted and conflicting records, whoever sends them."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "services": ["submit"],
})
