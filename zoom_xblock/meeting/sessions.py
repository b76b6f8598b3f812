"""Reading and recording a block's session (the ``ZoomSession`` row) and its times."""
import hashlib
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

from zoom_xblock import runs
from zoom_xblock.models import ZoomSession
from zoom_xblock.zoom import MAX_TITLE


def session_for(usage_key: str) -> ZoomSession | None:
    """The block's session, or None before it was first saved in Studio."""
    return ZoomSession.objects.filter(usage_key=usage_key).first()


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


def _still_deferred(session: ZoomSession) -> bool:
    """Zoom's daily limit for the organizer holds the change until the reset time."""
    return (session.status == ZoomSession.Status.DEFERRED and session.deferred_until is not None
            and session.deferred_until > timezone.now())


# A change to one of these may change who is registered (the sync allocates seats again).
SEAT_FIELDS = ("capacity", "prerequisite")


def ask_zoom_again(session: ZoomSession) -> ZoomSession:
    """Send the session to Zoom again: after Zoom refused it (a new version of the same
    values), or now while Zoom is not answering (the apply is queued again). Changes nothing
    the author set; the author view's and the staff view's Retry."""
    from zoom_xblock import intents  # pylint: disable=import-outside-toplevel

    if session.status == ZoomSession.Status.FAILED:
        values = {name: getattr(session, name) for name in DESIRED_FIELDS}
        return save_desired(session.usage_key, session.course_key, values,
                            published_at=session.published_at or session.created)
    intents.queue_apply(session.id)
    session.refresh_from_db()  # a worker (or an eager Celery) may have answered already
    return session


class KindChangeRefused(Exception):
    """A meeting cannot become a webinar (or the reverse) once Zoom has it."""


def _as_json(values: dict) -> dict:
    return {name: value.isoformat() if isinstance(value, datetime) else value
            for name, value in values.items()}


def record_draft(usage_key: str, course_key: str, values: dict) -> ZoomSession:
    """Record the author's Studio save: a draft, which neither Zoom nor learners see.

    Studio writes go to the draft branch; Zoom and learners follow the published block
    (docs/decisions/0009-draft-publish-and-deletion.md), so the session's own fields change only
    when the block is published (:func:`save_desired`, called by
    :mod:`zoom_xblock.block.publishing`).
    Raises :class:`KindChangeRefused` as :func:`save_desired` would at publish.
    """
    from django.db import transaction  # pylint: disable=import-outside-toplevel

    with transaction.atomic():
        session = ZoomSession.objects.select_for_update().filter(usage_key=usage_key).first()
        if session is None:
            session = ZoomSession(usage_key=usage_key, course_key=course_key,
                                  kind=values.get("kind", ZoomSession.Kind.MEETING),
                                  title=values.get("title", "")[:MAX_TITLE], never_published=True)
        elif session.zoom_id and values.get("kind", session.kind) != session.kind:
            raise KindChangeRefused(session.kind)
        session.draft = _as_json({name: values[name] for name in DESIRED_FIELDS if name in values})
        session.draft_saved_at = timezone.now()
        session.save()
    return session


def pending_changes(session: ZoomSession | None, values: dict) -> list[str]:
    """The :data:`DESIRED_FIELDS` where ``values`` (the block as Studio has it) differ from
    what is published: empty when nothing waits for Publish (also after "Discard changes",
    which reverts the block without telling anyone)."""
    if session is None or session.never_published:
        return list(DESIRED_FIELDS)
    published = _as_json({name: getattr(session, name) for name in DESIRED_FIELDS})
    current = _as_json(values)
    return [name for name in DESIRED_FIELDS if name in current and current[name] != published[name]]


def still_published(session: ZoomSession, *, ancestors, published_at: datetime | None,
                    clear_draft: bool, published_hash: str) -> None:
    """The published block did not change since it was applied: keep the session's settings
    (a change accepted from Zoom stays), only note where and when it is published."""
    now = timezone.now()
    fields = {"ancestors": list(ancestors), "missing_since": None,
              "published_at": published_at or now, "published_hash": published_hash}
    query = ZoomSession.objects.filter(id=session.id)
    if clear_draft:
        query.filter(draft_saved_at__lte=fields["published_at"]).update(draft={},
                                                                         draft_saved_at=None)
    query.update(**fields)


def save_desired(usage_key: str, course_key: str, values: dict, *, ancestors=None,
                 published_at: datetime | None = None, clear_draft: bool = True,
                 published_hash: str | None = None) -> ZoomSession:
    """Record what the published block asks for; after commit a task creates or updates it in
    Zoom.

    ``values`` holds the :data:`DESIRED_FIELDS` (already validated). The Zoom meeting is created
    on the first save and updated (never recreated) on later ones, only when a field Zoom knows
    about changed. ``ancestors`` are the block's containers in the published course; a draft
    saved before ``published_at`` (the publish event's time) is now published, so it is
    cleared (not by the sweep's pass, ``clear_draft=False``: no publish happened).
    Raises :class:`KindChangeRefused` if the kind would change after creation.
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
        changed = changed_for_zoom or session.never_published or any(
            name in values and getattr(session, name) != values[name] for name in DESIRED_FIELDS)
        for name in DESIRED_FIELDS:
            if name in values:
                setattr(session, name, values[name])
        now = timezone.now()
        session.published_at, session.missing_since = published_at or now, None
        session.never_published = False
        if ancestors is not None:
            session.ancestors = list(ancestors)
        if published_hash is not None:
            session.published_hash = published_hash
        if clear_draft and session.draft_saved_at and (
                session.draft_saved_at <= session.published_at):
            session.draft, session.draft_saved_at = {}, None
        if changed_for_zoom:
            if session.pk:
                session.desired_version += 1
            if session.status in (ZoomSession.Status.DELETED, ZoomSession.Status.DELETED_IN_ZOOM):
                session.zoom_id, session.zoom_uuid = None, ""
            if not _still_deferred(session):  # the quota deferral and its reason stay
                session.status = (ZoomSession.Status.UPDATING if session.zoom_id
                                  else ZoomSession.Status.CREATING)
                session.last_error = session.last_error_code = ""
        if changed:  # capacity, prerequisite or dates may change who should be registered
            session.sync_requested_at = session.sync_requested_at or now
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


def copy_session(source_usage_key: str, usage_key: str, course_key: str | None = None) -> None:
    """A duplicated block gets its own meeting: copy the desired settings, never Zoom's ids.

    Studio duplicates into the draft branch, so the copy is a draft too: its meeting is created
    when its unit is published (or by the sweep, for a course re-run's published copies)."""
    source = ZoomSession.objects.filter(usage_key=source_usage_key).first()
    if source is None or ZoomSession.objects.filter(usage_key=usage_key).exists():
        return
    values = {name: getattr(source, name) for name in DESIRED_FIELDS}
    record_draft(usage_key, course_key or source.course_key, values)
