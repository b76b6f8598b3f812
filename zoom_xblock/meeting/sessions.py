"""Reading and recording a block's session (the ``ZoomSession`` row) and its times."""
from datetime import datetime

from django.utils import timezone

from zoom_xblock import runs
from zoom_xblock.models import ZoomSession
from zoom_xblock.zoom import MAX_TITLE


def session_for(usage_key: str) -> ZoomSession | None:
    """The block's session, or None before it was first saved in Studio."""
    return ZoomSession.objects.filter(usage_key=usage_key).first()


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
