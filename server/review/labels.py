"""Vietnamese labels of review states, decisions and follow-up kinds (views of the one table in server.labels;
templates translate them with ``_()``)."""

from __future__ import annotations

from server.labels import TABLE

STATES = TABLE["state"]
DECISIONS = TABLE["decision"]
FOLLOW_UPS = TABLE["follow_up"]
CONTEXT = {"state_labels": STATES, "decision_labels": DECISIONS, "follow_up_labels": FOLLOW_UPS}
