"""E-mails to learners, sent through Open edX's messaging framework (edx-ace).

Five kinds (``policies.LEARNER_EMAIL_KINDS``): registration confirmed, moved off the waitlist,
rescheduled, cancelled and a reminder before the start, each in the learner's own language
(``pref-lang``), each switchable for the site (``LEARNER_EMAILS``) and narrowed per block.
They carry the plugin's Join link (never Zoom's personal link: e-mails get forwarded, Join
checks who opens it) and the link to the learner's .ics file.

Nothing is sent on a request path: :func:`zoom_xblock.intents.request_learner_messages` queues the
``send_learner_messages`` task after commit, and :func:`dispatch` (the task's work, also run for due
sessions by the sweep) works out what each learner should have been told and was not. A
:class:`LearnerMessage` row is claimed before sending (unique per session, learner, kind and event),
so the same event never reaches a learner twice, whatever retries or parallel workers do.
"""
import logging
from datetime import timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils import timezone

from zoom_xblock import intents, links, platform, policies
from zoom_xblock.conf import get_config
from zoom_xblock.locks import exclusive
from zoom_xblock.models import LearnerMessage, Registration, ZoomSession
from zoom_xblock.session_values import schedule_key

log = logging.getLogger(__name__)

APP_LABEL = "zoom_xblock"
MESSAGE_NAME = "sessionmessage"  # templates/zoom_xblock/edx_ace/sessionmessage/email/
BATCH = 500
CANCELLED_STATUSES = (ZoomSession.Status.DELETED, ZoomSession.Status.DELETED_IN_ZOOM)
TOLD = (LearnerMessage.Kind.REGISTERED, LearnerMessage.Kind.PROMOTED,
        LearnerMessage.Kind.RESCHEDULED)


def due_sessions(now=None) -> list[int]:
    """Sessions the sweep should look at (one query): a registered learner not told yet
    (Join's just-in-time registration sends nothing itself), or without a reminder once the
    start is within ``LEARNER_REMINDER_MINUTES``."""
    from django.db.models import Exists, OuterRef, Q  # pylint: disable=import-outside-toplevel

    now = now or timezone.now()
    kinds = policies.site_learner_emails()
    soon = now + timedelta(minutes=get_config().learner_reminder_minutes)
    messages = LearnerMessage.objects.filter(session_id=OuterRef("session_id"),
                                             user_id=OuterRef("user_id"))
    rows = Registration.objects.filter(
        state=Registration.State.REGISTERED, wanted=True,
        session__status=ZoomSession.Status.SCHEDULED,
        session__live_status=ZoomSession.LiveStatus.NOT_STARTED, session__start__gt=now,
    )
    due = Q(pk__in=[])
    if kinds & {"registered", "promoted"}:
        due |= ~Exists(messages.filter(kind__in=TOLD))
    if "reminder" in kinds:
        due |= Q(session__start__lte=soon) & ~Exists(messages.filter(kind="reminder"))
    rows = rows.filter(due)
    return sorted(set(rows.values_list("session_id", flat=True)))


def dispatch(session_id: int, now=None) -> dict:
    """Send every message the session's learners are due and were not sent yet."""
    with exclusive(f"learner-messages:{session_id}", wait=30) as acquired:
        if not acquired:
            return {"skipped": "locked"}
        session = ZoomSession.objects.filter(id=session_id).first()
        if session is None:
            return {"skipped": "gone"}
        kinds = policies.learner_emails(session)
        due = _due(session, kinds, now or timezone.now()) if kinds else []
        if not due:
            return {"sent": 0}
        sent = _send_all(session, due[:BATCH])
        if len(due) > BATCH:
            intents.request_learner_messages(session_id)
        return {"sent": sent}


def _due(session: ZoomSession, kinds, now) -> list[tuple[int, str, str]]:
    """(user id, kind, event key) of every message due now (two queries)."""
    rows = list(Registration.objects.filter(session=session).values_list(
        "user_id", "state", "wanted", "registered_at", "waitlisted_at"))
    told: dict[int, set] = {}
    sent = set()
    for user_id, kind, event_key, schedule in LearnerMessage.objects.filter(
            session=session).values_list("user_id", "kind", "event_key", "schedule_key"):
        sent.add((user_id, kind, event_key))
        if kind in TOLD:
            told.setdefault(user_id, set()).add(schedule)
    current = schedule_key(session)
    due = []
    if session.status in CANCELLED_STATUSES:
        if "cancelled" in kinds:
            due = [(uid, "cancelled", "") for uid, _state, _wanted, registered_at, _w in rows
                   if registered_at is not None]
    elif session.live_status == ZoomSession.LiveStatus.NOT_STARTED and session.start and (
            session.start > now):
        reminder_from = session.start - timedelta(minutes=get_config().learner_reminder_minutes)
        for user_id, state, wanted, _registered_at, waitlisted_at in rows:
            if state != Registration.State.REGISTERED or not wanted:
                continue
            first = "promoted" if waitlisted_at is not None else "registered"
            if user_id not in told:
                if first in kinds:
                    due.append((user_id, first, ""))
            elif current not in told[user_id] and "rescheduled" in kinds:
                due.append((user_id, "rescheduled", current))
            if now >= reminder_from and "reminder" in kinds:
                due.append((user_id, "reminder", current))
    return [item for item in due if item not in sent]


def _send_all(session: ZoomSession, due) -> int:
    """Claim the rows, send through ACE, keep the rows of what was sent (one query each).

    Someone due who is no longer an enrolled learner (course staff registered at Join, a
    learner who just left) keeps a claimed row without ``sent_at``: not sent, and not due
    again, so the sweep does not come back for them.
    """
    user_ids = sorted({user_id for user_id, _kind, _key in due})
    people = {user.id: user for user in platform.enrolled_learners(session.course_key, user_ids)}
    languages = platform.user_languages(user_ids)
    current = schedule_key(session)
    claimed = [LearnerMessage(session=session, user_id=user_id, kind=kind, event_key=key,
                              schedule_key=current) for user_id, kind, key in due]
    LearnerMessage.objects.bulk_create(claimed)
    failed, sent = [], []
    for message in claimed:
        user = people.get(message.user_id)
        if user is None:
            continue
        try:
            send(session, user, message.kind, languages.get(user.id, ""))
        except Exception:  # pylint: disable=broad-except
            log.warning("Could not e-mail learner %s about session %s", user.id, session.id,
                        exc_info=True)
            failed.append((message.user_id, message.kind, message.event_key))
        else:
            sent.append((message.user_id, message.kind, message.event_key))
    for user_id, kind, key in failed:  # the next pass tries these again
        LearnerMessage.objects.filter(session=session, user_id=user_id, kind=kind,
                                      event_key=key).delete()
    LearnerMessage.objects.filter(session=session, sent_at__isnull=True,
                                  user_id__in={user_id for user_id, _k, _e in sent}).update(
        sent_at=timezone.now())
    return len(sent)


def message_context(session: ZoomSession, user: platform.PlatformUser, kind: str) -> dict:
    """What the templates need: the session in its time zone and the plugin's links."""

    root = platform.lms_root_url()
    zone_name = session.timezone or "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (ValueError, ZoneInfoNotFoundError):
        zone = ZoneInfo("UTC")
    start = session.start.astimezone(zone).strftime("%Y-%m-%d %H:%M") if session.start else ""
    return {
        "kind": kind,
        "title": session.title,
        "kind_label": str(session.get_kind_display()).lower(),
        "start": start,
        "timezone": zone_name,
        "duration_minutes": session.duration_minutes,
        "learner_name": user.full_name or user.username,
        "join_url": root + links.join_path(session.usage_key),
        "calendar_url": root + links.calendar_path(session.usage_key),
        "feed_url": root + links.feed_page_path(session.course_key),
        "join_window_minutes": session.join_window_minutes,
        "platform_name": getattr(settings, "PLATFORM_NAME", "Open edX"),
    }


def send(session: ZoomSession, user: platform.PlatformUser, kind: str, language: str) -> None:
    """One e-mail through ``edx_ace.ace.send``. ACE reports a channel's delivery errors through
    its monitoring rather than raising: a message is sent at most once."""
    from django.utils import translation  # pylint: disable=import-outside-toplevel
    from edx_ace import ace  # pylint: disable=import-outside-toplevel
    from edx_ace.message import Message  # pylint: disable=import-outside-toplevel
    from edx_ace.recipient import Recipient  # pylint: disable=import-outside-toplevel

    language = language or getattr(settings, "LANGUAGE_CODE", "en")
    with translation.override(language):  # words computed here, e.g. "Meeting"
        context = message_context(session, user, kind)
    message = Message(
        app_label=APP_LABEL, name=MESSAGE_NAME,
        recipient=Recipient(lms_user_id=user.id, email_address=user.email),
        language=language, context=context, options={"transactional": True},
    )
    ace.send(message)
