"""Attendance: participant events and Zoom's report -> time attended -> completion and score.

Zoom tells us who joined and left (webhooks, which can be lost, late or out of order) and,
some minutes after the end, lists every participant in its report. Both become
``AttendanceInterval`` rows; a learner's time is the union of their intervals clipped to the
meeting's real start and end, so rejoins, duplicates and the overlap between webhooks and the
report count once. People are matched to learners by ``registrant_id``; by e-mail only when
Zoom says they were signed in to a Zoom user (a guest can type anyone's address), and never by
name; whoever matches nobody stays a walk-in for the report.

A learner at or above the block's threshold (a percentage of the *scheduled* duration, counted
in the same rounded minutes everyone is shown: :func:`attended_minutes`) gets
the block marked complete once, and, when the author set a weight, a full score; below it, a
zero score. Every function here is idempotent: running it again changes nothing more.
"""
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zoom_xblock import intents, platform, runs
from zoom_xblock.accounts import session_account_name
from zoom_xblock.attended import meets_threshold
from zoom_xblock.clients import NotConfigured, get_client
from zoom_xblock.conf import get_config
from zoom_xblock.models import AttendanceInterval, Registration, WebhookEvent, ZoomSession
from zoom_xblock.zoom import ZoomError, ZoomNotFound
from zoom_xblock.zoom.webhooks import parse_time

log = logging.getLogger(__name__)

REPORT_KEY_PREFIX = "report:"
# Zoom may need a while to publish a report; after this long without one we stop asking.
REPORT_GIVE_UP_AFTER = timedelta(days=2)
Source = AttendanceInterval.Source


# Zoom's timestamps are of this era; anything outside (``0001-01-01T00:00:00+14:00``,
# ``9999-12-31T23:59:59-14:00``) would overflow the arithmetic on it, so it counts as absent.


def _text(value, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


@dataclass(frozen=True)
class Participant:
    """One person in a participant event or a report row, in the plugin's terms."""

    key: str
    registrant_id: str
    email: str
    name: str
    join_time: datetime | None
    leave_time: datetime | None
    signed_in: bool = False  # signed in to Zoom: Zoom vouches for the e-mail address

    @classmethod
    def from_webhook(cls, participant: dict) -> "Participant":
        """From ``object.participant`` of ``participant_joined`` / ``participant_left``."""
        key = (participant.get("participant_uuid") or participant.get("user_id")
               or participant.get("id") or participant.get("email") or "")
        return cls(
            key=_text(str(key), 128),
            registrant_id=_text(participant.get("registrant_id"), 64),
            email=_text(participant.get("email"), 254),
            name=_text(participant.get("user_name"), 255),
            join_time=parse_time(participant.get("join_time")),
            leave_time=parse_time(participant.get("leave_time")),
            signed_in=_signed_in(participant),
        )

    @classmethod
    def from_report(cls, row: dict) -> "Participant":
        """From one row of ``GET /report/{meetings|webinars}/{id}/participants``."""
        email = _text(row.get("user_email") or row.get("email"), 254)
        registrant_id = _text(row.get("registrant_id"), 64)
        ident = registrant_id or email.lower() or str(row.get("user_id") or row.get("id") or "")
        return cls(
            key=_text(REPORT_KEY_PREFIX + (ident or _text(row.get("name"), 100)), 128),
            registrant_id=registrant_id,
            email=email,
            name=_text(row.get("name"), 255),
            join_time=parse_time(row.get("join_time")),
            leave_time=parse_time(row.get("leave_time")),
            signed_in=_signed_in(row),
        )


def _signed_in(participant: dict) -> bool:
    """Zoom gives ``participant_user_id`` only to a participant signed in to a Zoom user (a
    guest typing a name and an address gets none)."""
    value = participant.get("participant_user_id")
    return isinstance(value, str) and bool(value.strip())


# --- Matching -------------------------------------------------------------------------------

def match_registration(session: ZoomSession, registrant_id: str, email: str, *,
                       by_email: bool) -> Registration | None:
    """The learner behind a participant: by registrant id; by e-mail only when ``by_email``
    (Zoom vouches for the address: a signed-in Zoom user, or Zoom's own registrant record)
    and the learner's account is active (its address verified); never by name.

    Anyone can type a learner's address into Zoom's join form: such a guest stays a walk-in.
    """
    rows = Registration.objects.filter(session=session)
    if registrant_id:
        found = rows.filter(registrant_id=registrant_id).first()
        if found is not None:
            return found
    if by_email and email and "@" in email:
        found = rows.filter(email__iexact=email.strip()).order_by("id").first()
        if found is not None and platform.get_user(found.user_id) is not None:
            return found
    return None


# --- Participant events ---------------------------------------------------------------------

def record_join(session: ZoomSession, participant: Participant) -> AttendanceInterval | None:
    """``participant_joined``: open an interval (a duplicate delivery changes nothing).

    If the matching ``participant_left`` came first (out of order), the placeholder it left
    is completed instead of opening a second interval. An older interval of the same person
    still open lost its leave: it is closed at its own start (end unknown), and Zoom's
    report supplies the real end later.
    """
    if not participant.key or participant.join_time is None:
        return None
    join = participant.join_time
    mine = AttendanceInterval.objects.filter(session=session, participant_key=participant.key)
    existing = mine.filter(join_time=join).first()
    if existing is not None:
        return existing
    following = mine.filter(join_time__gt=join).order_by("join_time").first()
    if following is not None and following.leave_time == following.join_time:
        following.join_time = join  # the placeholder of a leave that arrived first
        following.save(update_fields=["join_time"])
        return following
    for stale in mine.filter(join_time__lt=join, leave_time__isnull=True):
        stale.leave_time = stale.join_time
        stale.save(update_fields=["leave_time"])
    return _create_interval(session, participant, join, None, Source.WEBHOOK)[0]


def record_leave(session: ZoomSession, participant: Participant) -> AttendanceInterval | None:
    """``participant_left``: close the person's open interval.

    A leave whose join was lost (or is late) leaves a zero-length placeholder: it counts for
    nothing until the late join or Zoom's report supplies the start.
    """
    leave = participant.leave_time
    if not participant.key or leave is None:
        return None
    mine = AttendanceInterval.objects.filter(session=session, participant_key=participant.key)
    if mine.filter(leave_time=leave).exists():
        return mine.filter(leave_time=leave).first()  # a duplicate
    latest = mine.filter(join_time__lte=leave).order_by("-join_time").first()
    if latest is not None and (latest.leave_time is None or latest.leave_time == latest.join_time):
        latest.leave_time = leave
        latest.save(update_fields=["leave_time"])
        return latest
    return _create_interval(session, participant, leave, leave, Source.WEBHOOK)[0]


def _create_interval(session, participant, join, leave, source
                     ) -> tuple[AttendanceInterval, bool]:
    registration = match_registration(session, participant.registrant_id, participant.email,
                                      by_email=participant.signed_in)
    interval, created = AttendanceInterval.objects.get_or_create(
        session=session, participant_key=participant.key, join_time=join,
        defaults={"leave_time": leave, "source": source, "registration": registration,
                  "registrant_id": participant.registrant_id, "email": participant.email,
                  "name": participant.name, "signed_in": participant.signed_in},
    )
    if not created and leave is not None and interval.leave_time != leave:
        interval.leave_time = leave
        interval.save(update_fields=["leave_time"])
    return interval, created


# --- Minutes and completion -----------------------------------------------------------------

def attended_seconds(spans, start: datetime | None, end: datetime | None) -> int:
    """Seconds covered by the union of ``(join, leave)`` spans, clipped to ``[start, end]``.

    An open span (``leave`` None) runs to ``end``; without an ``end`` it counts for nothing.
    """
    clipped = []
    for joined, left in spans:
        until = left if left is not None else end
        if joined is None or until is None:
            continue
        begin = max(joined, start) if start is not None else joined
        finish = min(until, end) if end is not None else until
        if finish > begin:
            clipped.append((begin, finish))
    total, current_start, current_end = 0.0, None, None
    for join, leave in sorted(clipped):
        if current_end is None or join > current_end:
            if current_end is not None:
                total += (current_end - current_start).total_seconds()
            current_start, current_end = join, leave
        else:
            current_end = max(current_end, leave)
    if current_end is not None:
        total += (current_end - current_start).total_seconds()
    return int(total)


def settle(session: ZoomSession, registration_ids=None, *, final: bool = True) -> dict:
    """Compute attended time of the session's learners and publish completion and scores.

    Runs only once the session has ended. ``final`` passes (the end, the report sweep) also
    give learners below the threshold their zero score; a late participant event settles
    only its learner and publishes only what changed. Completion is published once, and a
    completed learner is never taken back below the threshold.
    """
    if session.live_status != ZoomSession.LiveStatus.ENDED:
        return {"settled": 0}
    _link_walk_ins(session)
    registrations = Registration.objects.filter(session=session)
    if registration_ids is not None:
        registrations = registrations.filter(id__in=list(registration_ids))
    else:
        registrations = registrations.filter(
            Q(state=Registration.State.REGISTERED) | Q(intervals__isnull=False)).distinct()
    spans = {}
    for reg_id, join, leave in AttendanceInterval.objects.filter(
            session=session, registration__in=registrations).values_list(
            "registration_id", "join_time", "leave_time"):
        spans.setdefault(reg_id, []).append((join, leave))
    completed = 0
    for registration in registrations:
        seconds = attended_seconds(spans.get(registration.id, ()), session.actual_start,
                                   session.actual_end)
        changed = seconds > registration.attended_seconds
        if changed:
            registration.attended_seconds = seconds
        if registration.completed_at is None and meets_threshold(session, seconds):
            registration.completed_at = timezone.now()
            publish_progress(session, registration)
            completed += 1
            changed = True
        elif registration.completed_at is None and session.weight and (final or changed):
            changed = publish_progress(session, registration) or changed
        if changed:  # a pass that learns nothing new writes nothing
            registration.save(update_fields=["attended_seconds", "completed_at",
                                             "progress_pending", "progress_error", "modified"])
    return {"settled": len(registrations), "completed": completed}


def publish_progress(session: ZoomSession, registration: Registration) -> bool:
    """Give the platform the learner's completion (when attended) and score (when weighted).

    One learner at a time, in its own savepoint: a refusal (the platform's grade or completion
    receivers can raise anything) is logged and recorded on the registration, for the sweep
    to publish again (:func:`publish_pending_progress`); it never undoes the session's status
    or another learner's result. Returns True when the registration's record changed (the
    caller saves it).
    """
    before = (registration.progress_pending, registration.progress_error)
    try:
        with transaction.atomic():
            if registration.completed_at is not None:
                platform.publish_completion(registration.user_id, session.usage_key, 1.0)
            if session.weight:
                earned = session.weight if registration.completed_at is not None else 0
                platform.publish_grade(registration.user_id, session.usage_key, earned,
                                       session.weight)
    except Exception as error:  # pylint: disable=broad-except
        log.exception("Completion or score of user %s in session %s not published; the sweep "
                      "tries again", registration.user_id, session.id)
        registration.progress_pending = True
        registration.progress_error = f"{type(error).__name__}: {error}"[:255]
    else:
        registration.progress_pending, registration.progress_error = False, ""
    return (registration.progress_pending, registration.progress_error) != before


def publish_pending_progress(limit: int = 500) -> int:
    """The sweep's retry of completions and scores the platform refused (oldest first)."""
    pending = list(Registration.objects.filter(progress_pending=True).select_related(
        "session").order_by("modified", "id")[:limit])
    for registration in pending:
        publish_progress(registration.session, registration)
        registration.save(update_fields=["progress_pending", "progress_error", "modified"])
    return len(pending)


def _link_walk_ins(session: ZoomSession) -> None:
    """Intervals recorded before their learner was known (registered late) get linked."""
    for interval in AttendanceInterval.objects.filter(session=session, registration=None):
        registration = match_registration(session, interval.registrant_id, interval.email,
                                          by_email=interval.signed_in)
        if registration is not None:
            interval.registration = registration
            interval.save(update_fields=["registration"])


# --- The report sweep -----------------------------------------------------------------------

def due_reports(now: datetime | None = None) -> list[int]:
    """Sessions that ended ``REPORT_DELAY_MINUTES`` ago and whose report was not read yet."""
    now = now or timezone.now()
    cutoff = now - timedelta(minutes=get_config().report_delay_minutes)
    return list(ZoomSession.objects.filter(
        live_status=ZoomSession.LiveStatus.ENDED, actual_end__lte=cutoff,
        report_fetched_at__isnull=True, zoom_id__isnull=False,
    ).values_list("id", flat=True))


def instance_references(session: ZoomSession) -> list[str]:
    """The meeting instances (UUIDs from the started/ended webhooks, test runs left out), or
    the meeting id."""
    skipped = runs.test_run_uuids(session)
    uuids = []
    for payload in WebhookEvent.objects.filter(
            zoom_id=session.zoom_id, event__in=(f"{session.kind}.started", f"{session.kind}.ended")
    ).order_by("id").values_list("payload", flat=True):
        obj = (payload.get("payload") or {}).get("object") or {}
        uuid = obj.get("uuid")
        if isinstance(uuid, str) and uuid and uuid not in uuids and uuid not in skipped:
            uuids.append(uuid)
    return uuids or [str(session.zoom_id)]


def fetch_report(session_id: int, *, now: datetime | None = None, force: bool = False) -> dict:
    """Fill attendance gaps from Zoom's participant report, then settle (idempotent).

    Lost webhooks cost nobody their completion: every participant Zoom lists becomes an
    interval (matched like the webhooks), and the union with what the webhooks gave counts
    once. The Zoom calls happen outside any transaction; ``report_fetched_at`` is set once a
    report was read (or Zoom has had two days to publish one).
    """
    now = now or timezone.now()
    session = ZoomSession.objects.filter(id=session_id).first()
    if session is None or session.zoom_id is None:
        return {"skipped": "unknown"}
    if not force and (session.report_fetched_at is not None
                      or session.live_status != ZoomSession.LiveStatus.ENDED):
        return {"skipped": "not due"}
    rows, missing = [], 0
    try:
        client = get_client(account=session_account_name(session))
        for reference in instance_references(session):
            try:
                rows.extend(client.iter_participants(session.kind, reference))
            except ZoomNotFound:
                missing += 1
    except NotConfigured as error:
        return {"skipped": str(error)}
    except ZoomError as error:
        log.warning("Zoom report for session %s not read (%s); the sweep tries again",
                    session.id, error.code or error.status)
        return {"skipped": "zoom error"}
    gave_up = bool(session.actual_end and now - session.actual_end > REPORT_GIVE_UP_AFTER)
    if missing and not rows and not gave_up:
        return {"skipped": "report not ready"}
    with transaction.atomic():
        session = ZoomSession.objects.select_for_update().get(id=session.id)
        added = 0
        for row in rows:
            participant = Participant.from_report(row)
            if participant.join_time is None or participant.leave_time is None:
                continue
            added += _create_interval(session, participant, participant.join_time,
                                      participant.leave_time, Source.REPORT)[1]
        result = settle(session, final=True)
        session.report_fetched_at = now
        session.save(update_fields=["report_fetched_at", "modified"])
    return {"rows": len(rows), "added": added, **result}


def run_due_reports(now: datetime | None = None, *, inline: bool = False) -> int:
    """Queue (or, ``inline``, run) the report sweep of every session due for it."""
    due = due_reports(now)
    for session_id in due:
        if inline:
            fetch_report(session_id, now=now)
        else:
            intents.queue_attendance_report(session_id)
    return len(due)
