"""A session's stored values, read safely: its time zone, its start, its alternative hosts, its
prerequisite, the fingerprint of its schedule.

An OLX import, an old row or an author's typing may leave anything in these columns; every
story reads them through these functions, which never raise and fall back to a safe value.
"""
import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from zoom_xblock.models import ZoomSession

# The years a session can start in: anything else is a typing slip or garbage from an import,
# and would overflow date arithmetic (0001-01-01 in a western zone is before year 1 in UTC).
EARLIEST_YEAR, LATEST_YEAR = 1970, 2999


def safe_zone(name) -> str:
    """``name`` if it is an IANA time zone this server knows, else ``"UTC"`` (an OLX import
    or an old row may hold an empty, unknown or non-text zone)."""
    if isinstance(name, str) and 0 < len(name) <= 64:
        try:
            ZoneInfo(name)
        except (ValueError, ZoneInfoNotFoundError):
            return "UTC"
        return name
    return "UTC"


def start_utc(start_local: str, zone: str) -> datetime | None:
    """The UTC instant of a local ``YYYY-MM-DDTHH:MM`` in IANA ``zone`` (None if either is bad,
    or the instant is outside the years :data:`EARLIEST_YEAR` to :data:`LATEST_YEAR`)."""
    if not start_local or not isinstance(start_local, str) or len(start_local) > 32:
        return None
    try:
        naive = datetime.fromisoformat(start_local)
        tzinfo = ZoneInfo(zone or "UTC")
        moment = (naive.astimezone(UTC) if naive.tzinfo is not None
                  else naive.replace(tzinfo=tzinfo).astimezone(UTC))
    except (ValueError, OverflowError, TypeError, OSError, ZoneInfoNotFoundError):
        return None
    return moment if EARLIEST_YEAR <= moment.year <= LATEST_YEAR else None


def schedule_key(session: ZoomSession) -> str:
    """A fingerprint of the session's schedule: a new one is a reschedule."""
    start = session.start.isoformat() if session.start else ""
    text = f"{start}|{session.duration_minutes}|{session.timezone}"
    return hashlib.sha1(text.encode(), usedforsecurity=False).hexdigest()


def one_line(text) -> str:
    """``text`` on one line (newlines and runs of spaces become one space): for calendar
    names and e-mail subjects, where a line break is an error or a header injection."""
    return " ".join(str(text or "").split())


def _usage_key(value) -> bool:
    """True for text that is a usage key (what an old row or an import holds may not be)."""
    from opaque_keys import InvalidKeyError  # pylint: disable=import-outside-toplevel
    from opaque_keys.edx.keys import UsageKey  # pylint: disable=import-outside-toplevel

    if not isinstance(value, str) or not value or len(value) > 255:
        return False
    try:
        UsageKey.from_string(value)
    except InvalidKeyError:
        return False
    return True


def prerequisite_unreadable(session: ZoomSession) -> bool:
    """The session was given a prerequisite that can no longer be read: nobody is let in as
    if it were met (the course staff must choose it again in Studio)."""
    return bool(session.prerequisite) and not prerequisite_of(session)


def alternative_hosts_of(session: ZoomSession) -> list[str]:
    """The alternative hosts' addresses (anything else an import or an old row holds, such as
    numbers, is left out)."""
    hosts = session.alternative_hosts if isinstance(session.alternative_hosts, list) else []
    return [host.strip() for host in hosts if isinstance(host, str) and host.strip()]


def prerequisite_of(session: ZoomSession) -> dict:
    """The session's prerequisite, or ``{}`` when it has none or the stored value cannot be
    read (see :func:`prerequisite_unreadable`): ``{usage_key, display_name, min_score,
    min_completion}`` with numbers 0-100."""
    value = session.prerequisite
    if not isinstance(value, dict) or not _usage_key(value.get("usage_key")):
        return {}
    cleaned = {"usage_key": value["usage_key"][:255],
               "display_name": value.get("display_name") if isinstance(
                   value.get("display_name"), str) else value["usage_key"][:255]}
    for name in ("min_score", "min_completion"):
        number = value.get(name)
        ok = isinstance(number, int | float) and not isinstance(number, bool) and (
            0 <= number <= 100)
        cleaned[name] = number if ok else 0
    return cleaned


def local_start(start: datetime, zone: str) -> str:
    """``YYYY-MM-DDTHH:MM`` of the UTC instant ``start`` in IANA ``zone`` (the block's field)."""
    try:
        tzinfo = ZoneInfo(zone or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        tzinfo = ZoneInfo("UTC")
    return start.astimezone(tzinfo).strftime("%Y-%m-%dT%H:%M")
