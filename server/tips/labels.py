"""The tip vocabularies (channels, categories, §4.2 subjects, urgency, statuses, outcomes): views of the one
table in server.labels (Vietnamese sources; templates translate them with ``_()``), and deadlines as text."""

from __future__ import annotations

from datetime import datetime, timedelta

from server.calendar import LOCAL_TZ
from server.labels import TABLE

CHANNELS = TABLE["channel"]
CATEGORIES = TABLE["category"]
#: §4.2 of the legal research: the subject-matter taxonomy (second level).
SUBJECTS = TABLE["subject"]
URGENCIES = TABLE["urgency"]
STATUSES = TABLE["tip_status"]
OUTCOMES = TABLE["tip_outcome"]
STEPS = TABLE["tip_step"]
ACTIONS = TABLE["tip_action"]
HOTSPOT_STATUSES = TABLE["hotspot_status"]


def due_text(value: datetime | None) -> str:
    """A deadline in Vietnamese time; one that ends a day reads "19/02/2024 24:00", not the next midnight."""
    if value is None:
        return ""
    local = value.astimezone(LOCAL_TZ)
    if (local.hour, local.minute, local.second) == (0, 0, 0):
        return (local - timedelta(days=1)).strftime("%d/%m/%Y") + " 24:00"
    return local.strftime("%d/%m/%Y %H:%M")
