"""Display names of the registry's and the route's closed sets, in the request's language (from server.labels)."""

from __future__ import annotations

from server.labels import labels as choices


def type_labels() -> dict[str, str]:
    return choices("type")


def status_labels() -> dict[str, str]:
    return choices("establishment_status")


def stop_labels() -> dict[str, str]:
    return choices("stop")


def labels() -> dict[str, dict[str, str]]:
    """Every label table, for templates."""
    return {"types": type_labels(), "statuses": status_labels(), "stops": stop_labels(),
            "problems": problem_labels()}


def problem_labels() -> dict[str, str]:
    """What each import problem code means, for the report (whole sentences)."""
    return choices("import_problem")
