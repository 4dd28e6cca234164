"""The year's schedule: capacity as data, the planner, its forecast, and publishing days as assignments."""

from server.exports import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {})
