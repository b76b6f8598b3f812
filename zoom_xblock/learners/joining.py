"""Join: who may go into a session now, and the one Zoom call that may be needed to let them in.

:func:`decide` answers a person's click on Join with a :class:`JoinOutcome`: a redirect to
their own registrant link (or, for the organizer and the alternative hosts, to a fresh start
link), or a page explaining why not and what to do. A learner who is eligible but has no
registration yet (enrolled a minute ago, prerequisite just met) is registered just in time:
ONE Zoom call with a short timeout and no retry, seats counted under a lock so that capacity
holds, and the Registration row recorded exactly as the sync records it. Personal links are
only ever put in the redirect's ``Location``: never in a page, never in a log line.
"""
import logging
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from zoom_xblock import intents, platform, wording
from zoom_xblock.accounts import session_account_name
from zoom_xblock.clients import NotConfigured, get_client
from zoom_xblock.conf import get_config
from zoom_xblock.learners import eligibility, learner_status
from zoom_xblock.learners.learner_status import Phase
from zoom_xblock.locks import exclusive
from zoom_xblock.models import Recording, Registration, ZoomSession
from zoom_xblock.zoom import (
    REGISTRANT_DAILY_LIMIT,
    ZoomCapacityFull,
    ZoomError,
    ZoomMeetingOver,
    ZoomNotFound,
    ZoomQuotaExceeded,
    ZoomValidationError,
    is_ambiguous,
)
from zoom_xblock.zoom.limits import zoom_day

log = logging.getLogger(__name__)
State = Registration.State


class Case:
    """Why a click on Join did not go to Zoom (each has its page and HTTP status)."""

    NOT_FOUND = "not_found"
    NOT_CONFIGURED = "not_configured"
    UNSCHEDULED = "unscheduled"
    CANCELLED = "cancelled"
    TOO_EARLY = "too_early"
    ENDED = "ended"
    NOT_ENROLLED = eligibility.NOT_ENROLLED
    PREREQUISITE = eligibility.PREREQUISITE
    NO_ACCESS = eligibility.NO_ACCESS
    COURSE_NOT_STARTED = eligibility.COURSE_NOT_STARTED
    AUDIT_EXPIRED = eligibility.AUDIT_EXPIRED
    COURSE_PREREQUISITE = eligibility.COURSE_PREREQUISITE
    WAITLISTED = "waitlisted"
    SHARED_EMAIL = "shared_email"
    REFUSED = "refused"
    DAILY_LIMIT = "daily_limit"
    BUSY = "busy"
    ZOOM_UNAVAILABLE = "zoom_unavailable"
    CONFIRM = "confirm"  # a GET that would register: the page's button POSTs


HTTP_STATUS = {
    Case.NOT_FOUND: 404,
    Case.NOT_CONFIGURED: 503,
    Case.UNSCHEDULED: 200,
    Case.CANCELLED: 410,
    Case.TOO_EARLY: 200,
    Case.ENDED: 200,
    Case.NOT_ENROLLED: 403,
    Case.PREREQUISITE: 403,
    Case.NO_ACCESS: 403,
    Case.COURSE_NOT_STARTED: 403,
    Case.AUDIT_EXPIRED: 403,
    Case.COURSE_PREREQUISITE: 403,
    Case.WAITLISTED: 200,
    Case.SHARED_EMAIL: 409,
    Case.REFUSED: 409,
    Case.DAILY_LIMIT: 503,
    Case.BUSY: 503,
    Case.ZOOM_UNAVAILABLE: 503,
    Case.CONFIRM: 200,
}
# Pages where trying again later can work: they carry a retry link (and Retry-After).
RETRYABLE = (Case.BUSY, Case.ZOOM_UNAVAILABLE, Case.DAILY_LIMIT, Case.NOT_CONFIGURED)


@dataclass
class JoinOutcome:
    """A redirect (``redirect_to``: personal, never log it) or a page (``case``)."""

    case: str = ""
    redirect_to: str = ""
    login_required: bool = False
    session: ZoomSession | None = None
    details: dict = field(default_factory=dict)

    @property
    def http_status(self) -> int:
        """The status code of the page (302 for a redirect)."""
        return 302 if self.redirect_to or self.login_required else HTTP_STATUS[self.case]


def _page(case: str, session=None, **details) -> JoinOutcome:
    return JoinOutcome(case=case, session=session, details=details)


def decide(usage_key: str, user: platform.PlatformUser,
           now: datetime | None = None, *, register: bool = True,
           open_after_end: bool = False) -> JoinOutcome:
    """What happens when ``user`` clicks Join on the block ``usage_key``.

    Without ``register`` (a GET: a link, or an image another site embeds), nothing changes:
    a person who would be registered now gets the :data:`Case.CONFIRM` page, whose button
    sends the POST that registers them.

    After the end, a registrant's own link stays available (as in Eurekos): Join shows that
    the session has ended, with the recording and a button that (``open_after_end``) takes
    them to their own link.
    """
    if not user.is_authenticated:
        return JoinOutcome(login_required=True)
    now = now or timezone.now()
    session = ZoomSession.objects.filter(usage_key=usage_key).first()
    if session is None:
        return _page(Case.NOT_FOUND)
    config = get_config()
    current = learner_status.phase(session, now, configured=config.is_configured)
    if current == Phase.NOT_CONFIGURED:
        return _page(Case.NOT_CONFIGURED, session)
    if current == Phase.CANCELLED:
        return _page(Case.CANCELLED, session,
                     in_zoom=session.status == ZoomSession.Status.DELETED_IN_ZOOM)
    if current == Phase.UNSCHEDULED:
        return _page(Case.UNSCHEDULED, session)
    if learner_status.is_organizer(session, user):
        return _start_link(session, user)
    if current == Phase.ENDED:
        return _after_end(session, user, open_after_end)
    answer = eligibility.for_user(session, user, course_check=True)
    if not answer.eligible and not platform.is_course_staff(user, session.course_key):
        return _page(answer.reason, session, requirements=list(answer.requirements),
                     message=answer.message)
    if current == Phase.UPCOMING:
        return _page(Case.TOO_EARLY, session, opens_at=learner_status.join_opens_at(session))
    row = Registration.objects.filter(session=session, user_id=user.id).first()
    if row is not None and row.state == State.REGISTERED and row.join_url:
        _log(session, user, "registered")
        return JoinOutcome(redirect_to=row.join_url, session=session)
    if row is not None and row.state == State.WAITLISTED and row.wanted:
        return _page(Case.WAITLISTED, session,
                     position=learner_status.waitlist_position(session, user.id))
    if not register:
        return _page(Case.CONFIRM, session)
    return register_just_in_time(session, user, row, now)


def _after_end(session: ZoomSession, user: platform.PlatformUser,
               open_link: bool) -> JoinOutcome:
    """The "this session has ended" page, or (asked from it) the registrant's own link."""
    row = (Registration.objects.filter(session=session, user_id=user.id, wanted=True,
                                       state=State.REGISTERED).exclude(join_url="").first())
    if row is not None and open_link:
        _log(session, user, "own link after the end")
        return JoinOutcome(redirect_to=row.join_url, session=session)
    recording = ""
    # Join's URL is reachable by anyone signed in: the recording is for the course's people.
    if row is not None or platform.is_enrolled(user.id, session.course_key) or (
            platform.is_course_staff(user, session.course_key)):
        recording = (Recording.objects.filter(session=session).order_by("-recorded_at", "-id")
                     .values_list("share_url", flat=True).first()) or ""
    return _page(Case.ENDED, session, own_link=row is not None, recording_url=recording)


# --- The organizer -----------------------------------------------------------------------------

def _start_link(session: ZoomSession, user: platform.PlatformUser) -> JoinOutcome:
    """A fresh start link from Zoom (they expire): asked for now, never stored."""
    try:
        details = _join_client(session).get(session.kind, session.zoom_id)
    except ZoomNotFound:
        return _page(Case.CANCELLED, session, in_zoom=True)
    except (ZoomError, NotConfigured) as error:
        log.warning("zoom join session=%s user=%s start link unavailable: %s", session.id,
                    user.id, type(error).__name__)
        return _page(Case.ZOOM_UNAVAILABLE, session)
    start_url = details.get("start_url") or ""
    if not start_url:
        return _page(Case.ZOOM_UNAVAILABLE, session)
    _log(session, user, "organizer")
    return JoinOutcome(redirect_to=start_url, session=session)


def _join_client(session: ZoomSession):
    config = get_config()
    return get_client(account=session_account_name(session),
                      timeout=config.join_timeout_seconds, max_attempts=1)


# --- Just-in-time registration -----------------------------------------------------------------

def register_just_in_time(session: ZoomSession, user: platform.PlatformUser,
                          row: Registration | None, now: datetime) -> JoinOutcome:
    """Register an eligible person now (one Zoom call), or waitlist them when no seat is free."""
    problem = _unusable_email(session, user)
    if problem:
        return _page(problem, session)
    if _daily_limit_reached(row, now):
        if row.zoom_unsure_since is not None:
            # Zoom may already have them (it answered an error to a request it applied): the
            # sync confirms with Zoom's list within moments; never refuse them "for today".
            intents.nudge_sync([session.id], "join")
            return _page(Case.BUSY, session)
        return _page(Case.DAILY_LIMIT, session)
    limited = session.capacity is not None
    config = get_config()
    wait = config.join_timeout_seconds + 1
    lock_name = f"join-seats:{session.id}" if limited else f"join:{session.id}:{user.id}"
    with exclusive(lock_name, timeout=int(wait) + 10, wait=wait) as held:
        if not held:
            return _page(Case.BUSY, session)
        row = _claim_row(session, user, now)
        if not _seat_free(session, row, now):
            return _waitlist(session, row, user, now)
        return _call_zoom(session, row, user, now)


def _unusable_email(session: ZoomSession, user: platform.PlatformUser) -> str:
    """Zoom registers each address once and answers a repeat with the FIRST person's link: an
    address another learner of this session has must never be sent (nor an invalid one)."""
    try:
        validate_email(user.email)
    except ValidationError:
        return Case.REFUSED
    shared = Registration.objects.filter(session=session, email__iexact=user.email.strip()
                                         ).exclude(user_id=user.id).exists()
    return Case.SHARED_EMAIL if shared else ""


def _daily_limit_reached(row: Registration | None, now: datetime) -> bool:
    return (row is not None and row.zoom_requests_day == zoom_day(now)
            and row.zoom_requests_today >= REGISTRANT_DAILY_LIMIT)


def _claim_row(session: ZoomSession, user: platform.PlatformUser, now: datetime) -> Registration:
    """The person's row, created if needed, marked wanted and eligible (checked just now)."""
    values = {"email": user.email, "first_name": user.first_name, "last_name": user.last_name,
              "wanted": True, "eligible": True, "eligibility_reason": "",
              "eligibility_checked_at": now}
    try:
        with transaction.atomic():
            row, created = Registration.objects.get_or_create(
                session=session, user_id=user.id, defaults=values)
    except IntegrityError:  # the sync created it at the same moment
        row, created = Registration.objects.get(session=session, user_id=user.id), False
    if not created:
        for name, value in values.items():
            setattr(row, name, value)
        if row.state == State.FAILED:
            row.state, row.attempts = State.PENDING, 0
        row.modified = now
        row.save(update_fields=[*values, "state", "attempts", "modified"])
    return row


def _seat_free(session: ZoomSession, row: Registration, now: datetime) -> bool:
    """A seat is free for this person: registered holders plus the queue ahead of them
    (first come, as the sync allocates seats) leave room."""
    if row.state == State.REGISTERED:
        return True
    taken = Registration.objects.filter(session=session, state=State.REGISTERED,
                                        wanted=True).count()
    seats = learner_status.seat_count(session)
    if taken >= seats:
        return False
    mine = row.waitlisted_at or row.created or now
    ahead = (Registration.objects
             .filter(session=session, wanted=True, state__in=(State.PENDING, State.WAITLISTED))
             .exclude(id=row.id)
             .annotate(queued_at=Coalesce("waitlisted_at", "created"))
             .filter(Q(queued_at__lt=mine) | Q(queued_at=mine, user_id__lt=row.user_id))
             .count())
    return taken + ahead < seats


def _waitlist(session, row, user, now) -> JoinOutcome:
    row.state, row.waitlisted_at, row.modified = (State.WAITLISTED, row.waitlisted_at or now,
                                                  now)
    row.save(update_fields=["state", "waitlisted_at", "modified"])
    _log(session, user, "waitlisted")
    return _page(Case.WAITLISTED, session,
                 position=learner_status.waitlist_position(session, user.id),
                 just_added=True)


SAVED = ["state", "registrant_id", "join_url", "registered_at", "attempts", "last_error",
         "next_attempt_at", "zoom_requests_day", "zoom_requests_today", "zoom_unsure_since",
         "modified"]


def _spend(row: Registration, now: datetime) -> None:
    """Count the request toward Zoom's 3-a-day limit per registrant, as the sync does."""
    if row.zoom_requests_day != zoom_day(now):
        row.zoom_requests_day, row.zoom_requests_today = zoom_day(now), 0
    row.zoom_requests_today += 1


def _call_zoom(session, row, user, now) -> JoinOutcome:
    """The single just-in-time Zoom call, and the row recorded like the sync records it."""
    returning = row.state == State.CANCELLED and row.registrant_id and row.join_url
    try:
        client = _join_client(session)
        if returning:  # cancelled before: approve the same registrant again (same link)
            client.set_registrant_status(session.kind, session.zoom_id, "approve",
                                         [{"id": row.registrant_id, "email": row.email}])
            registrant_id, join_url = row.registrant_id, row.join_url
        else:
            registrant_id, join_url = _add_approved(client, session, user)
    except NotConfigured:
        return _page(Case.NOT_CONFIGURED, session)
    except ZoomCapacityFull:
        _spend(row, now)
        row.save(update_fields=["zoom_requests_day", "zoom_requests_today"])
        return _waitlist(session, row, user, now)
    except ZoomMeetingOver:
        return _page(Case.ENDED, session)
    except ZoomNotFound:
        return _page(Case.CANCELLED, session, in_zoom=True)
    except ZoomQuotaExceeded as error:
        if error.quota != "registrant":
            return _page(Case.ZOOM_UNAVAILABLE, session)
        # Zoom counted 3 requests for this person today: some may have registered them. The
        # sync confirms with Zoom's list before anyone is told "tomorrow".
        row.next_attempt_at = error.resets_at
        row.zoom_requests_day, row.zoom_requests_today = zoom_day(now), REGISTRANT_DAILY_LIMIT
        row.zoom_unsure_since = row.zoom_unsure_since or now
        row.save(update_fields=["next_attempt_at", "zoom_requests_day", "zoom_requests_today",
                                "zoom_unsure_since"])
        intents.nudge_sync([session.id], "join")
        return _page(Case.BUSY, session)
    except ZoomValidationError as error:
        _spend(row, now)
        row.state, row.modified = State.FAILED, now
        row.last_error = wording.stored("zoom_refused_learner", reason=str(error.message)[:150])
        row.save(update_fields=SAVED)
        return _page(Case.REFUSED, session)
    except ZoomError as error:
        # Down, slow or throttled: the row stays pending and the sync registers them soon.
        if is_ambiguous(error):  # ... or Zoom did register them: the sync checks first
            _spend(row, now)
            row.zoom_unsure_since = row.zoom_unsure_since or now
            row.save(update_fields=["zoom_requests_day", "zoom_requests_today",
                                    "zoom_unsure_since"])
        log.warning("zoom join session=%s user=%s just-in-time registration failed: %s",
                    session.id, user.id, type(error).__name__)
        intents.nudge_sync([session.id], "join")
        return _page(Case.ZOOM_UNAVAILABLE, session)
    _spend(row, now)
    if not join_url:  # not approved in Zoom: the sync approves and records it later
        row.registrant_id, row.modified = registrant_id, now
        row.save(update_fields=SAVED)
        intents.nudge_sync([session.id], "join")
        return _page(Case.ZOOM_UNAVAILABLE, session)
    row.state, row.registrant_id, row.join_url = State.REGISTERED, registrant_id, join_url
    row.registered_at, row.attempts, row.last_error, row.next_attempt_at = now, 0, "", None
    row.zoom_unsure_since, row.modified = None, now
    row.save(update_fields=SAVED)
    _log(session, user, "registered just in time")
    return JoinOutcome(redirect_to=join_url, session=session)


def _add_approved(client, session: ZoomSession, user: platform.PlatformUser) -> tuple[str, str]:
    """Add the person as an approved registrant (the meeting uses manual approval): a meeting
    takes ``auto_approve`` on a single add, a webinar only on a batch (Zoom's spec)."""
    person = {"email": user.email, "first_name": user.first_name or user.email.split("@")[0],
              "last_name": user.last_name}
    if session.kind == ZoomSession.Kind.WEBINAR:
        (result,) = client.add_registrants(session.kind, session.zoom_id, [person],
                                           auto_approve=True, send_email=session.zoom_emails)
        if result.error is not None:
            raise result.error
        return str(result.registrant_id or ""), result.join_url or ""
    answer = client.add_registrant(session.kind, session.zoom_id,
                                   {**person, "auto_approve": True})
    return str(answer.get("registrant_id") or answer.get("id") or ""), answer.get("join_url") or ""


def _log(session: ZoomSession, user: platform.PlatformUser, what: str) -> None:
    """One line per Join, without any link."""
    log.info("zoom join session=%s user=%s outcome=%s", session.id, user.id, what)
