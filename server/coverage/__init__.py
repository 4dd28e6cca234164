"""Coverage per ward against the plan, its maps and the year report."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "services": ["coverage", "ward_coverage"],
})
