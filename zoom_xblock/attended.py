"""The one definition of "attended": learners, staff, the CSV and completion all use it.

Time is counted in seconds and shown in whole minutes rounded to the nearest (30 s is one
minute). Someone "attended" when that comes to at least one minute, so a learner who reads
"You attended 2 minutes" is counted as attended by staff, and 4 seconds count for nobody.
"""
import math

from zoom_xblock.models import ZoomSession

SECONDS_PER_MINUTE = 60


def attended_minutes(seconds: int | None) -> int:
    """Whole minutes, rounded to the nearest (half a minute rounds up)."""
    return int(((seconds or 0) + SECONDS_PER_MINUTE // 2) // SECONDS_PER_MINUTE)


# The fewest seconds that count as having attended (one minute once rounded).
ATTENDED_MIN_SECONDS = SECONDS_PER_MINUTE // 2


def has_attended(seconds: int | None) -> bool:
    """True when the time rounds to at least one minute."""
    return attended_minutes(seconds) >= 1


def required_minutes(session: ZoomSession) -> int:
    """Minutes a learner must attend for completion: the threshold percentage of the scheduled
    duration, rounded up, and at least one (with no threshold, attending at all completes)."""
    percent = min(max(session.completion_threshold_percent or 0, 0), 100)
    return max(1, math.ceil((session.duration_minutes or 0) * percent / 100))


def meets_threshold(session: ZoomSession, seconds: int | None) -> bool:
    """Completion: the required minutes attended, counted as they are shown (rounded)."""
    return attended_minutes(seconds) >= required_minutes(session)
