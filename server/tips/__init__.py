"""Tip-offs, their legal deadlines and the on-time rule, hotspots."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "ontime": ["on_time", "on_time_counts", "reminders"],
    "hotspots": ["hotspots_in_year"],
    "holidays": ["is_working_day"],
})
