"""Reading and recording a block's session (the ``ZoomSession`` row) and its times."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoom_xblock.models import ZoomSession


def session_for(usage_key: str) -> ZoomSession | None:
    """The block's session, or None before it was first saved in Studio."""
    return ZoomSession.objects.filter(usage_key=usage_key).first()


def start_utc(start_local: str, zone: str) -> datetime | None:
    """The UTC instant of a local ``YYYY-MM-DDTHH:MM`` in IANA ``zone`` (None if either is bad)."""
    if not start_local:
        return None
    try:
        naive = datetime.fromisoformat(start_local)
        tzinfo = ZoneInfo(zone or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        return None
    if naive.tzinfo is not None:
        return naive.astimezone(UTC)
    return naive.replace(tzinfo=tzinfo).astimezone(UTC)
