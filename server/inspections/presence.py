"""The presence check: was the phone at the business when the record was made? Flags, not verdicts."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from maps.distance import distance_m
from server.inspections.schemas import LocationIn


class Flag(enum.StrEnum):
    NO_FIX = "no_fix"
    FAR = "far_from_registered_point"
    POOR_ACCURACY = "poor_accuracy"
    CLOCK_SKEW = "clock_skew"
    NO_REGISTERED_POINT = "no_registered_point"


@dataclass(frozen=True)
class Presence:
    distance_m: float | None
    flags: list[str]
    #: A point to propose for a business that has none (the first good fix).
    proposed: tuple[float, float] | None


def check(
    location: LocationIn | None,
    registered: tuple[float, float] | None,
    submitted_at: datetime,
    received_at: datetime,
    device_now: datetime | None,
    *,
    max_distance_m: float,
    max_accuracy_m: float,
    max_skew_s: float,
) -> Presence:
    flags: list[str] = []
    distance = None
    proposed = None
    if _skewed(submitted_at, received_at, device_now, max_skew_s):
        flags.append(Flag.CLOCK_SKEW)
    if location is None:
        flags.append(Flag.NO_FIX)
    else:
        good = location.accuracy_m <= max_accuracy_m
        if not good:
            flags.append(Flag.POOR_ACCURACY)
        if registered is None:
            flags.append(Flag.NO_REGISTERED_POINT)
            proposed = (location.lat, location.lon) if good else None
        else:
            distance = round(distance_m(registered, (location.lat, location.lon)), 1)
            if distance > max_distance_m:
                flags.append(Flag.FAR)
    return Presence(distance, [str(f) for f in flags], proposed)


def _skewed(submitted_at: datetime, received_at: datetime, device_now: datetime | None, max_skew_s: float) -> bool:
    """An offline submission arrives late, so ``submitted_at`` alone proves nothing; the phone sends its
    clock at sending time (``X-Device-Time``). Without it, only a ``submitted_at`` in the future counts."""
    if device_now is not None:
        return abs((device_now - received_at).total_seconds()) > max_skew_s
    return (submitted_at - received_at).total_seconds() > max_skew_s
