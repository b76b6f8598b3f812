"""Reading and recording a block's session (the ``ZoomSession`` row) and its times."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from zoom_xblock import runs
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


def local_start(start: datetime, zone: str) -> str:
    """``YYYY-MM-DDTHH:MM`` of the UTC instant ``start`` in IANA ``zone`` (the block's field)."""
    try:
        tzinfo = ZoneInfo(zone or "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        tzinfo = ZoneInfo("UTC")
    return start.astimezone(tzinfo).strftime("%Y-%m-%dT%H:%M")


DESIRED_FIELDS = (
    "kind", "title", "agenda", "start", "duration_minutes", "timezone", "host_email",
    "alternative_hosts", "capacity", "join_window_minutes", "prerequisite",
    "completion_threshold_percent", "weight", "zoom_emails", "auto_recording",
    "drift_policy", "learner_emails",
)
# A change to one of these must reach Zoom (the others only matter to the plugin).
ZOOM_FIELDS = (
    "title", "agenda", "start", "duration_minutes", "timezone", "alternative_hosts",
    "zoom_emails", "auto_recording", "host_email",
)


# A change to one of these may change who is registered (the sync allocates seats again).
SEAT_FIELDS = ("capacity", "prerequisite")


def ask_zoom_again(session: ZoomSession) -> ZoomSession:
    """Send the session to Zoom again: after Zoom refused it (a new version of the same
    values), or now while Zoom is not answering (the apply is queued again). Changes nothing
    the author set; the author view's and the staff view's Retry."""
    from zoom_xblock import intents  # pylint: disable=import-outside-toplevel

    if session.status == ZoomSession.Status.FAILED:
        values = {name: getattr(session, name) for name in DESIRED_FIELDS}
        return save_desired(session.usage_key, session.course_key, values)
    intents.queue_apply(session.id)
    session.refresh_from_db()  # a worker (or an eager Celery) may have answered already
    return session


class KindChangeRefused(Exception):
    """A meeting cannot become a webinar (or the reverse) once Zoom has it."""


def save_desired(usage_key: str, course_key: str, values: dict) -> ZoomSession:
    """Record what the author asked for; after commit a task creates or updates it in Zoom.

    ``values`` holds the :data:`DESIRED_FIELDS` (already validated). The Zoom meeting is created
    on the first save and updated (never recreated) on later ones, only when a field Zoom knows
    about changed. Raises :class:`KindChangeRefused` if the kind would change after creation.
    """
    from django.db import transaction  # pylint: disable=import-outside-toplevel

    from zoom_xblock import intents  # pylint: disable=import-outside-toplevel

    with transaction.atomic():
        session = ZoomSession.objects.select_for_update().filter(usage_key=usage_key).first()
        seats_changed = False
        if session is None:
            session = ZoomSession(usage_key=usage_key, course_key=course_key)
            changed_for_zoom = True
        else:
            # More seats (or a new prerequisite) change who is registered: sync now, so that the
            # waitlist moves up at once instead of at the next periodic sweep.
            seats_changed = any(name in values and getattr(session, name) != values[name]
                                for name in SEAT_FIELDS)
            if session.zoom_id and values.get("kind", session.kind) != session.kind:
                raise KindChangeRefused(session.kind)
            changed_for_zoom = any(
                name in values and getattr(session, name) != values[name] for name in ZOOM_FIELDS
            ) or session.status in (ZoomSession.Status.FAILED, ZoomSession.Status.DRAFT,
                                    ZoomSession.Status.DELETED, ZoomSession.Status.DELETED_IN_ZOOM)
        for name in DESIRED_FIELDS:
            if name in values:
                setattr(session, name, values[name])
        if changed_for_zoom:
            if session.pk:
                session.desired_version += 1
            if session.status in (ZoomSession.Status.DELETED, ZoomSession.Status.DELETED_IN_ZOOM):
                session.zoom_id, session.zoom_uuid = None, ""
            session.status = (ZoomSession.Status.UPDATING if session.zoom_id
                              else ZoomSession.Status.CREATING)
            session.last_error = session.last_error_code = ""
        # Capacity, prerequisite or dates may change who should be registered.
        session.sync_requested_at = session.sync_requested_at or timezone.now()
        session.save()
        session_id = session.id
        if changed_for_zoom:
            transaction.on_commit(lambda: intents.queue_apply(session_id))
        if seats_changed and session.zoom_id:
            transaction.on_commit(lambda: intents.nudge_sync([session_id], "capacity"))
    if session.live_status == ZoomSession.LiveStatus.ENDED:
        # A session a test run closed before test runs were recognised: upcoming again.
        if runs.reopen_test_runs([session.id]):
            session.refresh_from_db()
    return session
