"""What a learner (or the organizer, or course staff) sees of a session, and what they may do.

The block's learner view and its status handler render :func:`learner_state`; the Join endpoint
(:mod:`zoom_xblock.learners.joining`) uses the same phases and waitlist positions. Reading the state
costs a fixed number of queries whatever the number of registrants: the session and everything about
the viewer (their registration, their waitlist position, the seats taken, the recording) come in one
query (:func:`session_for_viewer`). Nothing here calls Zoom, and nothing here ever reads a personal
Zoom link (``Registration.join_url``) into a page.
"""
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from zoom_xblock import attended, links, platform
from zoom_xblock.i18n import gettext as _
from zoom_xblock.i18n import ngettext
from zoom_xblock.learners import eligibility
from zoom_xblock.models import Recording, Registration, ZoomSession
from zoom_xblock.session_values import alternative_hosts_of, safe_zone
from zoom_xblock.zoom import MAX_REGISTRANTS

State = Registration.State
Status = ZoomSession.Status

# The organizer's Start asks for confirmation when the start is further away than this.
CONFIRM_START_BEFORE = timedelta(hours=1)


class Phase:
    """Where a session is in its life, as the learner sees it."""

    NOT_CONFIGURED = "not_configured"  # the platform has no Zoom credentials
    UNSCHEDULED = "unscheduled"        # not (yet) in Zoom, or no date
    CANCELLED = "cancelled"            # deleted (in Studio or in Zoom)
    UPCOMING = "upcoming"              # before the join window
    OPEN = "open"                      # Join is open, not started yet (also past its date)
    LIVE = "live"                      # Zoom says it is running
    ENDED = "ended"

    JOINABLE = (OPEN, LIVE)


CANCELLED_STATUSES = (Status.DELETING, Status.DELETED, Status.DELETED_IN_ZOOM)


# --- Reading -----------------------------------------------------------------------------------

def session_for_viewer(usage_key: str, user_id: int | None) -> ZoomSession | None:
    """The block's session with the viewer's place in it, in ONE query.

    The returned session carries ``viewer_registration_id``, ``viewer_state``, ``viewer_wanted``,
    ``viewer_waitlisted_at``, ``viewer_attended_seconds``, ``viewer_completed_at``,
    ``viewer_join_url_known`` (their registration has a link), ``viewer_ahead`` (waitlisted
    learners before the viewer), ``seats_taken`` and ``recording_url`` (None when absent). The
    viewer's ``join_url`` is deliberately not read.
    """
    mine = Registration.objects.filter(session=OuterRef("pk"), user_id=user_id or 0)
    my_waitlisted_at = Registration.objects.filter(
        session=OuterRef(OuterRef("pk")), user_id=user_id or 0).values("waitlisted_at")[:1]
    ahead = (Registration.objects
             .filter(session=OuterRef("pk"), state=State.WAITLISTED, wanted=True)
             .filter(Q(waitlisted_at__lt=Subquery(my_waitlisted_at))
                     | Q(waitlisted_at=Subquery(my_waitlisted_at), user_id__lt=user_id or 0))
             .order_by().values("session").annotate(count=Count("id")).values("count"))
    taken = (Registration.objects
             .filter(session=OuterRef("pk"), state=State.REGISTERED, wanted=True)
             .order_by().values("session").annotate(count=Count("id")).values("count"))
    recording = (Recording.objects.filter(session=OuterRef("pk"))
                 .order_by("-recorded_at", "-id").values("share_url")[:1])
    return ZoomSession.objects.filter(usage_key=usage_key).annotate(
        viewer_registration_id=Subquery(mine.values("id")[:1]),
        viewer_state=Subquery(mine.values("state")[:1]),
        viewer_wanted=Subquery(mine.values("wanted")[:1]),
        viewer_waitlisted_at=Subquery(mine.values("waitlisted_at")[:1]),
        viewer_attended_seconds=Subquery(mine.values("attended_seconds")[:1]),
        viewer_completed_at=Subquery(mine.values("completed_at")[:1]),
        viewer_join_url_known=Subquery(mine.filter(state=State.REGISTERED, wanted=True).exclude(
            join_url="").values("id")[:1]),
        viewer_ahead=Coalesce(Subquery(ahead, output_field=IntegerField()), Value(0)),
        seats_taken=Coalesce(Subquery(taken, output_field=IntegerField()), Value(0)),
        recording_url=Subquery(recording),
    ).first()


def waitlist_position(session: ZoomSession, user_id: int) -> int | None:
    """The learner's 1-based place on the waitlist (first come by ``waitlisted_at``), or None."""
    row = Registration.objects.filter(session=session, user_id=user_id,
                                      state=State.WAITLISTED, wanted=True).first()
    if row is None:
        return None
    ahead = Registration.objects.filter(session=session, state=State.WAITLISTED, wanted=True
                                        ).filter(Q(waitlisted_at__lt=row.waitlisted_at)
                                                 | Q(waitlisted_at=row.waitlisted_at,
                                                     user_id__lt=user_id)).count()
    return ahead + 1


def seat_count(session: ZoomSession) -> int:
    """How many places the session has (its capacity, never more than Zoom allows)."""
    return min(session.capacity or MAX_REGISTRANTS, MAX_REGISTRANTS)


# --- Time ------------------------------------------------------------------------------------

def scheduled_end(session: ZoomSession) -> datetime | None:
    """The scheduled end (start + duration)."""
    if session.start is None:
        return None
    return session.start + timedelta(minutes=session.duration_minutes or 0)


def join_opens_at(session: ZoomSession) -> datetime | None:
    """When Join opens: ``join_window_minutes`` before the start."""
    if session.start is None:
        return None
    return session.start - timedelta(minutes=session.join_window_minutes or 0)


def phase(session: ZoomSession | None, now: datetime | None = None,
          configured: bool = True) -> str:
    """The session's :class:`Phase` at ``now``."""
    if not configured:
        return Phase.NOT_CONFIGURED
    if session is None:
        return Phase.UNSCHEDULED
    if session.status in CANCELLED_STATUSES:
        return Phase.CANCELLED
    if not session.in_zoom or session.start is None:
        return Phase.UNSCHEDULED
    if session.live_status == ZoomSession.LiveStatus.LIVE:
        return Phase.LIVE
    if session.live_status == ZoomSession.LiveStatus.ENDED:
        return Phase.ENDED
    # Only Zoom's word ends a session (as in iSpring): one dated in the past, or whose date
    # passed without a run, is "not started yet" until it is started and ended in Zoom (a test
    # run long before the start does not count either, see zoom_xblock.runs).
    now = now or timezone.now()
    if now >= join_opens_at(session):
        return Phase.OPEN
    return Phase.UPCOMING


def countdown_text(delta: timedelta) -> str:
    """"Starts in 2 days, 3 hours" (the script keeps it up to date in the browser)."""
    total_minutes = max(1, math.ceil(delta.total_seconds() / 60))  # "in 1 minute" until it starts
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        amount = ngettext("{count} day", "{count} days", days).format(count=days)
        if hours:
            amount = _("{days}, {hours}").format(days=amount, hours=ngettext(
                "{count} hour", "{count} hours", hours).format(count=hours))
    elif hours:
        amount = ngettext("{count} hour", "{count} hours", hours).format(count=hours)
        if minutes:
            amount = _("{hours}, {minutes}").format(hours=amount, minutes=ngettext(
                "{count} minute", "{count} minutes", minutes).format(count=minutes))
    else:
        amount = ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes)
    return _("Starts in {time}").format(time=amount)


# --- URLs --------------------------------------------------------------------------------------


# Join's query parameter that opens a registrant's own link after the session ended.


# --- What the viewer sees ------------------------------------------------------------------------

@dataclass
class LearnerState:  # pylint: disable=too-many-instance-attributes
    """Everything the learner view and the status handler show (nothing personal to Zoom)."""

    phase: str
    viewer: str = "learner"  # anonymous, learner, staff, organizer
    start: datetime | None = None
    end: datetime | None = None
    opens_at: datetime | None = None
    timezone: str = "UTC"
    opens_before_minutes: int = 0
    eligible: bool = False
    reason: str = ""
    message: str = ""
    requirements: list = field(default_factory=list)
    registration_state: str = ""
    waitlist_position: int | None = None
    full: bool = False
    attended_minutes: int | None = None
    completed: bool = False
    required_minutes: int = 0
    own_link_after_end: bool = False
    open_link_url: str = ""
    start_passed: bool = False  # the scheduled start is behind (Zoom has not said it started)
    recording_url: str = ""
    countdown: str = ""
    join_url: str = ""
    calendar_url: str = ""
    feed_url: str = ""
    login_url: str = ""
    enroll_url: str = ""
    cancelled_in_zoom: bool = False
    kind: str = "meeting"
    seats: int = 0
    seats_taken: int = 0
    confirm_start: str = ""  # the question the organizer's Start asks, far from the start

    @property
    def registering(self) -> bool:
        """An eligible learner whom the worker has not registered (or waitlisted) yet: right
        after meeting a requirement, or enrolling. The view says "Registering you…" and
        refreshes itself until the worker is done."""
        return (self.viewer == "learner" and self.eligible
                and self.phase in (Phase.UPCOMING, *Phase.JOINABLE)
                and self.registration_state not in (State.REGISTERED, State.WAITLISTED,
                                                    State.FAILED))

    @property
    def can_join(self) -> bool:
        """Show the Join button: Join is open and this person may use it."""
        return self.phase in Phase.JOINABLE and (self.eligible or self.viewer in (
            "staff", "organizer"))

    @property
    def show_requirements(self) -> bool:
        """"See requirements" instead of Join."""
        return self.reason == eligibility.PREREQUISITE and bool(self.requirements)

    @property
    def can_add_to_calendar(self) -> bool:
        """The calendar file is for enrolled learners and staff, for a session to come."""
        return bool(self.calendar_url) and self.phase in (Phase.UPCOMING, *Phase.JOINABLE)

    def as_dict(self) -> dict:
        """The JSON the status handler returns (ISO dates, no personal Zoom data)."""
        def iso(value):
            return value.isoformat() if value else None

        return {"phase": self.phase, "start": iso(self.start), "opens_at": iso(self.opens_at),
                "end": iso(self.end), "can_join": self.can_join, "reason": self.reason,
                "waitlist_position": self.waitlist_position, "registering": self.registering}


def host_emails(session: ZoomSession) -> list[str]:
    """The organizer's and the alternative hosts' addresses, lower-cased (anything that is not
    an address, as an import or an old row may hold, is left out)."""
    hosts = [session.host_email, *alternative_hosts_of(session)]
    return [host.strip().lower() for host in hosts if isinstance(host, str) and host.strip()]


def is_organizer(session: ZoomSession, user: platform.PlatformUser) -> bool:
    """The organizer (host) or one of the alternative hosts, who may start the session.

    The e-mail address alone proves nothing (the platform signs new accounts in before their
    address is verified, and a deactivated account may keep a live session): the account must
    also be active and have a staff or instructor role in the session's course.
    """
    if not user.is_authenticated or not user.email:
        return False
    if user.email.strip().lower() not in host_emails(session):
        return False
    return (platform.get_user(user.id) is not None
            and platform.is_course_staff(user, session.course_key))


def learner_state(session: ZoomSession | None, user: platform.PlatformUser, *,
                  is_staff: bool, configured: bool, usage_key: str,
                  now: datetime | None = None) -> LearnerState:
    """What ``user`` sees of the session. ``session`` comes from :func:`session_for_viewer`."""
    now = now or timezone.now()
    state = LearnerState(phase=phase(session, now, configured))
    if session is None:
        return state
    state.start, state.end, state.opens_at = (session.start, scheduled_end(session),
                                              join_opens_at(session))
    state.timezone = safe_zone(session.timezone)
    state.kind = session.kind
    state.opens_before_minutes = session.join_window_minutes or 0
    state.cancelled_in_zoom = session.status == Status.DELETED_IN_ZOOM
    state.recording_url = getattr(session, "recording_url", None) or ""
    state.start_passed = bool(state.start and state.start <= now)
    if state.phase == Phase.UPCOMING and state.start:
        state.countdown = countdown_text(state.start - now)
    _apply_viewer(state, session, user, is_staff, usage_key)
    return state


def _apply_viewer(state, session, user, is_staff, usage_key) -> None:
    registration_state = getattr(session, "viewer_state", None) or ""
    state.registration_state = registration_state
    state.seats, state.seats_taken = seat_count(session), getattr(session, "seats_taken", 0)
    state.full = state.seats_taken >= state.seats
    state.join_url = links.join_path(usage_key)
    if not user.is_authenticated:
        state.viewer, state.reason = "anonymous", eligibility.NOT_LOGGED_IN
        state.message = eligibility.Eligibility(False, eligibility.NOT_LOGGED_IN).message
        state.login_url = links.login_path(state.join_url)
        return
    state.required_minutes = attended.required_minutes(session)
    state.completed = getattr(session, "viewer_completed_at", None) is not None
    if state.phase == Phase.ENDED and getattr(session, "viewer_registration_id", None):
        state.attended_minutes = attended.attended_minutes(
            getattr(session, "viewer_attended_seconds", 0))
        # Eurekos: a registrant's own link stays available after the end (Join says it ended).
        state.own_link_after_end = bool(getattr(session, "viewer_join_url_known", None))
        if state.own_link_after_end:
            state.open_link_url = links.open_after_end_path(usage_key)
    if is_organizer(session, user):
        state.viewer, state.eligible = "organizer", True
        state.calendar_url, state.feed_url = links.calendar_path(usage_key), links.feed_page_path(
            session.course_key)
        state.confirm_start = start_confirmation(session)
        return
    if is_staff:
        state.viewer, state.eligible = "staff", True
        state.calendar_url, state.feed_url = links.calendar_path(usage_key), links.feed_page_path(
            session.course_key)
        return
    if state.phase in (Phase.NOT_CONFIGURED, Phase.UNSCHEDULED, Phase.CANCELLED, Phase.ENDED):
        return  # nothing to join: no need to ask the platform anything
    answer = _eligibility(session, user, registration_state)
    state.eligible, state.reason = answer.eligible, answer.reason
    state.message, state.requirements = answer.message, list(answer.requirements)
    if answer.reason == eligibility.NOT_ENROLLED:
        state.enroll_url = links.enroll_url(session.course_key)
    if answer.eligible or answer.reason == eligibility.PREREQUISITE:
        state.calendar_url, state.feed_url = links.calendar_path(usage_key), links.feed_page_path(
            session.course_key)
    if answer.eligible and registration_state == State.WAITLISTED:
        state.waitlist_position = (getattr(session, "viewer_ahead", 0) or 0) + 1


def start_confirmation(session: ZoomSession, now: datetime | None = None) -> str:
    """The question the organizer's Start asks when the start is more than
    :data:`CONFIRM_START_BEFORE` away ("" when it is close, or the session is live)."""
    now = now or timezone.now()
    if session.start is None or session.live_status == ZoomSession.LiveStatus.LIVE or (
            session.start - now <= CONFIRM_START_BEFORE):
        return ""
    when = timezone.localtime(session.start, _zone(session.timezone)).strftime(
        "%Y-%m-%d %H:%M")
    if session.kind == ZoomSession.Kind.WEBINAR:
        text = _("This webinar is scheduled for {when} ({zone}). Start it in Zoom now? "
                 "Attendees can join once it starts.")
    else:
        text = _("This meeting is scheduled for {when} ({zone}). Start it in Zoom now? "
                 "Participants can join once it starts.")
    return text.format(when=when, zone=session.timezone or "UTC")


def _zone(name: str):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _eligibility(session, user, registration_state) -> eligibility.Eligibility:
    """Eligibility, trusting the sync's answer for a learner it already seated or waitlisted.

    The sync re-checks prerequisites on every progress event; enrollment is checked here anyway
    (one query). Join checks everything again before letting anyone in.
    """
    trusted = registration_state in (State.REGISTERED, State.WAITLISTED) and bool(
        getattr(session, "viewer_wanted", False))
    if trusted:
        if platform.is_enrolled(user.id, session.course_key):
            return eligibility.ELIGIBLE
        return eligibility.Eligibility(False, eligibility.NOT_ENROLLED)
    return eligibility.for_user(session, user)
