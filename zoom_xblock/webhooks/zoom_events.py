"""Applying stored Zoom webhook events to the plugin's state (run by a Celery task).

The view stores each event once; :func:`apply_event` applies it once, under a lock on the
event and on its session (so the events of one meeting apply one at a time, whatever order
they arrive in). :func:`apply_pending` is the safety net the periodic sweep runs for events
whose task was lost. What each event does:

- ``*.started`` / ``*.ended``: the session's live status and its real start and end; at the
  end, attendance is settled (completion and scores). A run that ends well before the
  scheduled start is a test run (:mod:`zoom_xblock.runs`): recorded, nothing settled.
- ``*.participant_joined`` / ``_left``: attendance intervals (see
  :mod:`zoom_xblock.webhooks.attendance`).
- ``*.updated``: drift, when someone changed in Zoom what the course set: reported, put back
  when the policy is "restore", or, under "adopt", the new schedule and title made the
  course's (session, block fields and learners' e-mails; the description is never adopted).
- ``*.deleted``: deleted in Zoom (not by the plugin): the session is marked so, staff alerted.
- ``*.registration_cancelled`` / ``_denied`` in Zoom for a learner the plugin registered:
  reported to staff, not copied into Open edX.
- ``recording.completed``: a Recording of the session (without download tokens).
"""
import logging
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.db.models import F, Q
from django.utils import timezone

from zoom_xblock import intents, runs, wording, zoom_side
from zoom_xblock.conf import get_config
from zoom_xblock.locks import redis_client
from zoom_xblock.meeting import drift
from zoom_xblock.models import Recording, Registration, SessionAlert, WebhookEvent, ZoomSession
from zoom_xblock.webhooks import attendance
from zoom_xblock.zoom import redaction
from zoom_xblock.zoom.webhooks import ZoomEvent, parse_event, parse_time

log = logging.getLogger(__name__)

KINDS = ("meeting", "webinar")
ACTIONS = ("started", "ended", "participant_joined", "participant_left", "updated", "deleted",
           "registration_cancelled", "registration_denied")
RECORDING_COMPLETED = "recording.completed"
# The events the webhook view stores; anything else is acknowledged and ignored.
STORED_EVENTS = frozenset(
    [f"{kind}.{action}" for kind in KINDS for action in ACTIONS] + [RECORDING_COMPLETED])
PENDING_AFTER = timedelta(minutes=1)
PENDING_BATCH = 500
# One apply task serves a burst of events: while one is queued and not started, the events
# stored meanwhile need no task of their own (the cache is shared by the LMS and workers).
APPLY_QUEUED_KEY = "zoom_xblock:webhooks:apply-queued"
APPLY_DEBOUNCE_SECONDS = 2
RECORDING_FILE_FIELDS = ("id", "file_type", "file_extension", "file_size", "recording_type",
                         "recording_start", "recording_end", "status", "play_url",
                         "download_url")
SECRET_QUERY_KEYS = ("access_token", "download_token")


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _parsed(event: WebhookEvent) -> ZoomEvent:
    """The stored envelope, read as Zoom sent it (:func:`zoom_xblock.zoom.webhooks.parse_event`)."""
    return parse_event(event.payload)


def _object(event: WebhookEvent) -> dict:
    return _parsed(event).object


def _operator(event: WebhookEvent) -> str:
    operator = _parsed(event).payload.get("operator")
    return operator[:254] if isinstance(operator, str) else ""


def _session_for(event: WebhookEvent) -> ZoomSession | None:
    """The event's session, locked for the rest of the transaction (by id, then UUID).

    A ``meeting.*`` event only finds a meeting and a ``webinar.*`` event only a webinar:
    Zoom's meeting and webinar ids are separate spaces.
    """
    sessions = ZoomSession.objects.select_for_update()
    kind = event.event.partition(".")[0]
    if kind in KINDS:
        sessions = sessions.filter(kind=kind)
    if event.zoom_id is not None:
        found = sessions.filter(zoom_id=event.zoom_id).order_by("-id").first()
        if found is not None:
            return found
    uuid = _object(event).get("uuid")
    if isinstance(uuid, str) and uuid:
        return sessions.filter(zoom_uuid=uuid).order_by("-id").first()
    return None


# --- Live status ----------------------------------------------------------------------------

def meeting_started(session: ZoomSession, event: WebhookEvent) -> None:
    """The meeting runs: live now, with its real start (a late delivery changes no status)."""
    obj = _object(event)
    start = parse_time(obj.get("start_time")) or _event_time(event)
    if runs.belongs_to_test_run(session, _uuid(obj), start):
        return  # a late delivery of a run already over and recorded as a test run
    if session.actual_start is None or start < session.actual_start:
        session.actual_start = start
    if session.actual_end is None or start > session.actual_end:
        session.live_status = ZoomSession.LiveStatus.LIVE  # first run, or started again
    session.save(update_fields=["live_status", "actual_start", "modified"])


def meeting_ended(session: ZoomSession, event: WebhookEvent) -> None:
    """The meeting is over: its real end, then everyone's attendance is settled."""
    obj = _object(event)
    end = parse_time(obj.get("end_time")) or _event_time(event)
    if runs.is_test_run(session, end):
        if session.live_status != ZoomSession.LiveStatus.ENDED:
            # A sound check long before the start: recorded, the session stays upcoming.
            runs.record_test_run(session, _uuid(obj),
                                 parse_time(obj.get("start_time"))
                                 or session.actual_start, end)
            session.save(update_fields=["test_runs", "live_status", "actual_start",
                                        "actual_end", "report_fetched_at", "modified"])
        return
    if session.actual_start is None:
        session.actual_start = parse_time(obj.get("start_time"))
    if session.actual_end is not None and end > session.actual_end:
        session.report_fetched_at = None  # a later run: its report is still to be read
    if session.actual_end is None or end > session.actual_end:
        session.actual_end = end
    session.live_status = ZoomSession.LiveStatus.ENDED
    session.save(update_fields=["live_status", "actual_start", "actual_end",
                                "report_fetched_at", "modified"])
    attendance.settle(session, final=True)


def _uuid(obj: dict) -> str:
    uuid = obj.get("uuid")
    return uuid[:128] if isinstance(uuid, str) else ""


def _event_time(event: WebhookEvent) -> datetime:
    if event.event_ts:
        try:
            return datetime.fromtimestamp(event.event_ts / 1000, UTC)
        except (OverflowError, OSError, ValueError):
            pass
    return event.received_at or timezone.now()


# --- Attendance -----------------------------------------------------------------------------

def participant_joined(session: ZoomSession, event: WebhookEvent) -> None:
    """Someone joined: an interval opens (matched to a learner, or kept as a walk-in)."""
    participant = attendance.Participant.from_webhook(_dict(_object(event).get("participant")))
    interval = attendance.record_join(session, participant)
    _settle_late(session, interval)


def participant_left(session: ZoomSession, event: WebhookEvent) -> None:
    """Someone left: their interval closes."""
    participant = attendance.Participant.from_webhook(_dict(_object(event).get("participant")))
    interval = attendance.record_leave(session, participant)
    _settle_late(session, interval)


def _settle_late(session, interval) -> None:
    """An event delivered after the end still counts for its learner."""
    if interval is not None and interval.registration_id is not None:
        attendance.settle(session, [interval.registration_id], final=False)


# --- Drift, deletion and registrants changed in Zoom ----------------------------------------

def meeting_updated(session: ZoomSession, event: WebhookEvent) -> None:
    """Someone changed the meeting in Zoom: :func:`zoom_xblock.meeting.drift.changed_in_zoom`
    tells whether it is drift and what the course does about it."""
    zoom = _parsed(event)
    drift.changed_in_zoom(session, zoom.object, _dict(zoom.payload.get("old_object")),
                          operator=_operator(event), event_ts=event.event_ts)




def meeting_deleted(session: ZoomSession, event: WebhookEvent) -> None:
    """Deleted in Zoom by someone: mark the session and alert staff (ours: nothing to do)."""
    if session.status in (ZoomSession.Status.DELETING, ZoomSession.Status.DELETED,
                          ZoomSession.Status.DELETED_IN_ZOOM):
        return
    operator = _operator(event)
    zoom_side.mark_deleted_in_zoom(session, operator,
                                   {"operator": operator, "event_ts": event.event_ts})


def registration_changed(session: ZoomSession, event: WebhookEvent) -> None:
    """A registration the plugin made was cancelled or denied in Zoom: tell staff.

    Open edX stays the source of truth: the Registration keeps its state, and the next full
    reconciliation registers the learner again. The plugin's own cancellations (the learner
    is no longer wanted) are echoes, not news.
    """
    registrant = _dict(_object(event).get("registrant"))
    registrant_id = registrant.get("id") if isinstance(registrant.get("id"), str) else ""
    email = registrant.get("email") if isinstance(registrant.get("email"), str) else ""
    registration = attendance.match_registration(session, registrant_id, email, by_email=True)
    if (registration is None or not registration.wanted
            or registration.state == Registration.State.CANCELLED):
        return
    action = event.event.rsplit("_", 1)[-1]  # cancelled or denied
    operator = _operator(event)
    SessionAlert.objects.create(
        session=session, kind=SessionAlert.Kind.REGISTRANT_CHANGED_IN_ZOOM,
        message=wording.stored("registrant_changed", action=action, operator=operator,
                               email=registration.email),
        details={"action": action, "operator": operator, "user_id": registration.user_id,
                 "email": registration.email, "registrant_id": registrant_id},
    )


# --- Recordings -----------------------------------------------------------------------------

def recording_completed(session: ZoomSession, event: WebhookEvent) -> None:
    """A cloud recording is ready: keep its share link and files (no download tokens)."""
    obj = _object(event)
    key = obj.get("uuid") if isinstance(obj.get("uuid"), str) and obj.get("uuid") else str(
        event.zoom_id or "")
    share_url = obj.get("share_url") if isinstance(obj.get("share_url"), str) else ""
    files = [_recording_file(item) for item in obj.get("recording_files") or []
             if isinstance(item, dict)]
    starts = [t for t in (parse_time(f.get("recording_start")) for f in files) if t]
    ends = [t for t in (parse_time(f.get("recording_end")) for f in files) if t]
    if starts and ends and max(ends) >= min(starts):
        duration = round((max(ends) - min(starts)).total_seconds() / 60)
    else:
        duration = obj.get("duration") if isinstance(obj.get("duration"), int) else None
    Recording.objects.update_or_create(
        session=session, recording_key=key[:128],
        defaults={
            "share_url": _without_secrets(share_url)[:1024],
            "topic": obj.get("topic")[:255] if isinstance(obj.get("topic"), str) else "",
            "recorded_at": min(starts) if starts else parse_time(
                obj.get("start_time")),
            "duration_minutes": duration if duration is not None and duration >= 0 else None,
            "files": files,
        },
    )


def _recording_file(item: dict) -> dict:
    kept = {name: item[name] for name in RECORDING_FILE_FIELDS if name in item}
    for name in ("play_url", "download_url"):
        if isinstance(kept.get(name), str):
            kept[name] = _without_secrets(kept[name])
    return kept


def _without_secrets(url: str) -> str:
    """The URL without query parameters that carry an access or download token."""
    return redaction.url_without_secrets(url, SECRET_QUERY_KEYS)


# --- Applying -------------------------------------------------------------------------------

HANDLERS = {
    "started": meeting_started,
    "ended": meeting_ended,
    "participant_joined": participant_joined,
    "participant_left": participant_left,
    "updated": meeting_updated,
    "deleted": meeting_deleted,
    "registration_cancelled": registration_changed,
    "registration_denied": registration_changed,
}


def _handler(name: str):
    if name == RECORDING_COMPLETED:
        return recording_completed
    kind, _sep, action = name.partition(".")
    return HANDLERS.get(action) if kind in KINDS else None


def apply_event(event_id: int) -> str:
    """Apply one stored event once, in its own transaction; returns its resulting status.

    Nothing an event carries can stop the others: whatever goes wrong (a timestamp out of
    range, a learner who no longer exists, a database error) rolls back this event only and
    marks it FAILED with the reason and one more attempt. The sweep retries a failed event
    until ``WEBHOOK_MAX_ATTEMPTS``; after that it stays FAILED for operators (``zoom_check``)
    and staff to see.
    """
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.select_for_update().filter(id=event_id).first()
            if event is None:
                return "missing"
            if not _applicable(event):
                return event.status
            handler = _handler(event.event)
            session = _session_for(event) if handler is not None else None
            if session is None:
                event.status = WebhookEvent.Status.IGNORED
            else:
                handler(session, event)
                event.status = WebhookEvent.Status.APPLIED
            event.applied_at = timezone.now()
            event.error = ""
            event.save(update_fields=["status", "applied_at", "error"])
            return event.status
    except Exception as error:  # pylint: disable=broad-except
        log.exception("Zoom webhook %s could not be applied", event_id)
        return _record_failure(event_id, error)


def _applicable(event: WebhookEvent) -> bool:
    """A new event, or a failed one with attempts left."""
    return event.status == WebhookEvent.Status.RECEIVED or (
        event.status == WebhookEvent.Status.FAILED
        and event.attempts < get_config().webhook_max_attempts)


def _record_failure(event_id: int, error: Exception) -> str:
    """Mark the event FAILED with its reason (the sweep retries it while attempts are left)."""
    reason = redaction.redact(f"{type(error).__name__}: {error}")[:2000]
    try:
        WebhookEvent.objects.filter(id=event_id).exclude(
            status__in=(WebhookEvent.Status.APPLIED, WebhookEvent.Status.IGNORED)).update(
            status=WebhookEvent.Status.FAILED, error=reason, attempts=F("attempts") + 1)
    except DatabaseError:
        log.warning("Zoom webhook %s: its failure could not be recorded; the sweep retries",
                    event_id, exc_info=True)
    return WebhookEvent.Status.FAILED


def failed_events(zoom_id: int | None = None, limit: int = 20) -> list[dict]:
    """Events that could not be applied (of one meeting, or all), newest first: what staff
    and ``zoom_check`` show. ``given_up`` once the sweep no longer retries them."""
    rows = WebhookEvent.objects.filter(status=WebhookEvent.Status.FAILED)
    if zoom_id is not None:
        rows = rows.filter(zoom_id=zoom_id)
    limit_attempts = get_config().webhook_max_attempts
    return [{"id": row["id"], "event": row["event"], "error": row["error"],
             "attempts": row["attempts"], "given_up": row["attempts"] >= limit_attempts,
             "received_at": row["received_at"]}
            for row in rows.order_by("-received_at", "-id").values(
                "id", "event", "error", "attempts", "received_at")[:limit]]


def _mark_apply_queued() -> bool:
    """Set the "apply task queued" mark unless it is set; True when this call set it. One
    Redis round trip on a kept connection (a webhook burst asks once per commit), else the
    cache of the Redis-less default tier."""
    client = redis_client()
    if client is None:
        return cache.add(APPLY_QUEUED_KEY, 1, timeout=APPLY_DEBOUNCE_SECONDS)
    return bool(client.set(APPLY_QUEUED_KEY, 1, nx=True, ex=APPLY_DEBOUNCE_SECONDS))


def clear_apply_mark() -> None:
    """The task has started: events committed from now on queue another one."""
    client = redis_client()
    if client is None:
        cache.delete(APPLY_QUEUED_KEY)
    else:
        client.delete(APPLY_QUEUED_KEY)


def request_apply() -> None:
    """Called after an event is committed: make sure a task will apply it soon.

    A burst of events (everyone joining at the start of a webinar) queues one task, not one
    per event: :func:`apply_received` clears the mark *before* reading the stored events, so
    an event committed earlier is in its batch, and one committed later queues a new task.
    A task that could not be queued leaves the mark for ``APPLY_DEBOUNCE_SECONDS`` at most;
    the sweep applies whatever is still waiting after a minute.
    """
    if not _mark_apply_queued():
        return
    intents.queue_webhooks()


def apply_received(limit: int = PENDING_BATCH) -> int:
    """Apply every stored event still RECEIVED, oldest first (the task behind
    :func:`request_apply`); returns how many were applied."""
    clear_apply_mark()
    waiting = list(WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED)
                   .order_by("id").values_list("id", flat=True)[:limit])
    applied = _apply_all(waiting)
    if len(waiting) == limit:
        request_apply()  # more are waiting: another task takes the next batch
    return applied


def _apply_all(event_ids) -> int:
    applied = 0
    for event_id in event_ids:
        try:
            applied += apply_event(event_id) == WebhookEvent.Status.APPLIED
        except Exception:  # pylint: disable=broad-except
            log.warning("Zoom webhook %s still pending; the sweep retries", event_id,
                        exc_info=True)
    return applied


def apply_pending(now: datetime | None = None, limit: int = PENDING_BATCH) -> int:
    """Apply stored events still RECEIVED a minute after they arrived (lost tasks), and retry
    failed ones with attempts left."""
    cutoff = (now or timezone.now()) - PENDING_AFTER
    pending = list(WebhookEvent.objects.filter(
        Q(status=WebhookEvent.Status.RECEIVED)
        | Q(status=WebhookEvent.Status.FAILED, attempts__lt=get_config().webhook_max_attempts),
        received_at__lte=cutoff,
    ).order_by("received_at", "id").values_list("id", flat=True)[:limit])
    return _apply_all(pending)

