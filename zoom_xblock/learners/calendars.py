"""A learner's calendar: the "Add to calendar" file of one session and the private feed of all
their sessions in a course, built with the ``icalendar`` library.

The event is in UTC (``DTSTART:...Z``) and names the session's time zone (``X-WR-TIMEZONE``
and ``X-ZOOM-XBLOCK-TZID``) so that calendars show it at the right moment and say where the
time was set. Its link is the plugin's Join URL, never the learner's personal Zoom link: the
file gets forwarded, and Join checks who opens it.

The feed: iSpring shows its sessions on the platform's calendar; here a learner subscribes their
own calendar to one URL, ``/zoom/feed/<token>.ics``. Calendar apps cannot sign in, so the token is
the credential: 32 random bytes, one per learner and course, shown only to that learner on
their feed page, and replaced (the old URL stops working at once) when they reset it. The feed
is served only while the learner is active and enrolled (or course staff); anything else is
a plain 404 that tells nothing about the token. Reschedules reach the calendar by itself: each
event keeps its UID and raises its SEQUENCE.
"""
import hashlib
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from zoom_xblock import platform
from zoom_xblock.i18n import gettext as _
from zoom_xblock.i18n import ngettext
from zoom_xblock.learners.learner_status import CANCELLED_STATUSES, join_opens_at, scheduled_end
from zoom_xblock.models import CalendarFeed, ZoomSession
from zoom_xblock.session_values import one_line, safe_zone

PRODUCT_ID = "-//Open edX//zoom-xblock//EN"


def event_uid(session: ZoomSession, user_id: int, domain: str) -> str:
    """Stable for one learner and session, so that a second download updates the first."""
    digest = hashlib.sha256(f"{session.usage_key}|{user_id}".encode()).hexdigest()[:32]
    return f"zoom-{digest}@{domain}"


def _calendar(name: str, zone: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", vText(one_line(name)))  # a title may hold a line break
    calendar.add("x-wr-timezone", vText(safe_zone(zone)))
    return calendar


def session_event(session: ZoomSession, user: platform.PlatformUser, join_url: str,
                  domain: str, waitlist_position: int | None = None) -> Event:
    """The learner's calendar event for the session (the same UID in the .ics and the feed,
    so a calendar that has both shows it once). A learner on the waitlist
    (``waitlist_position``) gets a tentative event that says so: their place is not
    confirmed, and Join lets them in only once a place frees up."""
    title, zone = one_line(session.title), safe_zone(session.timezone)
    waitlisted = waitlist_position is not None
    event = Event()
    event.add("uid", event_uid(session, user.id, domain))
    event.add("dtstamp", timezone.now())
    event.add("sequence", session.desired_version)
    event.add("summary", _("{title} (waitlist)").format(title=title) if waitlisted
              else title)
    event.add("dtstart", session.start)  # aware UTC: written as ...Z
    event.add("dtend", scheduled_end(session))
    event.add("x-zoom-xblock-tzid", vText(zone))
    event.add("url", join_url)
    event.add("location", join_url)
    lines = []
    if waitlisted:
        lines.append(_("You are number {position} on the waitlist: your place is not "
                       "confirmed yet. You'll be registered automatically when a place frees "
                       "up, and Join lets you in from then on.").format(
            position=waitlist_position))
    if session.agenda.strip():
        lines.append(session.agenda.strip())
    lines.append(_("Join: {url}").format(url=join_url))
    lines.append(ngettext("Join opens {minutes} minute before the start.",
                          "Join opens {minutes} minutes before the start.",
                          session.join_window_minutes).format(
        minutes=session.join_window_minutes))
    event.add("description", "\n\n".join(lines))
    if session.host_email:
        organizer = vCalAddress(f"mailto:{session.host_email}")
        organizer.params["cn"] = vText(_("Organizer"))
        event.add("organizer", organizer)
    if user.email:
        attendee = vCalAddress(f"mailto:{user.email}")
        attendee.params["cn"] = vText(user.full_name or user.username)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        if waitlisted:
            attendee.params["partstat"] = vText("TENTATIVE")
        event.add("attendee", attendee)
    cancelled = session.status in CANCELLED_STATUSES
    event.add("status", "CANCELLED" if cancelled else "TENTATIVE" if waitlisted else "CONFIRMED")
    if not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _("Join opens for {title}").format(title=title))
        alarm.add("trigger", join_opens_at(session) - session.start
                  if session.join_window_minutes else -timedelta(minutes=5))
        event.add_component(alarm)
    return event


def calendar_file(session: ZoomSession, user: platform.PlatformUser, join_url: str,
                  domain: str, waitlist_position: int | None = None) -> bytes:
    """The learner's .ics for the session. ``join_url`` is the plugin's absolute Join URL;
    ``waitlist_position``: the learner's place on the waitlist (a tentative event)."""
    calendar = _calendar(session.title, session.timezone)
    calendar.add_component(session_event(session, user, join_url, domain, waitlist_position))
    return calendar.to_ical()


def feed_file(name: str, sessions, user: platform.PlatformUser, join_url_for,
              domain: str) -> bytes:
    """A calendar feed: one event per session (``join_url_for(session)`` gives its Join URL).
    Calendars that subscribe to it re-read it, so a new time reaches them by itself."""
    calendar = _calendar(name, "UTC")
    calendar.add("refresh-interval;value=duration", "PT1H")
    calendar.add("x-published-ttl", "PT1H")
    for session in sessions:
        calendar.add_component(session_event(session, user, join_url_for(session), domain))
    return calendar.to_ical()


def file_name(session: ZoomSession) -> str:
    """A safe ``<title>.ics`` for Content-Disposition."""
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "-_") else "-"
                   for c in session.title).strip("-")[:60]
    return f"{safe or 'zoom-session'}.ics"


# --- The private feed ------------------------------------------------------------------------
TOKEN_BYTES = 32
SHOWN_STATUSES = (
    ZoomSession.Status.CREATING, ZoomSession.Status.UPDATING, ZoomSession.Status.SCHEDULED,
    ZoomSession.Status.DEFERRED, ZoomSession.Status.FAILED, ZoomSession.Status.DELETED_IN_ZOOM,
)


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def may_subscribe(user: platform.PlatformUser, course_key: str) -> bool:
    """Enrolled learners and the course's staff have a feed of the course."""
    return user.is_authenticated and (platform.is_enrolled(user.id, course_key)
                                      or platform.is_course_staff(user, course_key))


def feed_for(user_id: int, course_key: str) -> CalendarFeed:
    """The learner's feed of the course, created on first use."""
    feed = CalendarFeed.objects.filter(user_id=user_id, course_key=course_key).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(user_id=user_id, course_key=course_key,
                                               token=_new_token())
    except IntegrityError:  # created meanwhile by another request of the same learner
        return CalendarFeed.objects.get(user_id=user_id, course_key=course_key)


def reset(user_id: int, course_key: str) -> CalendarFeed:
    """Give the feed a new token: the old URL stops working."""
    feed = feed_for(user_id, course_key)
    feed.token = _new_token()
    feed.save(update_fields=["token"])
    return feed


def reader(token: str) -> tuple[CalendarFeed, platform.PlatformUser] | None:
    """The feed and its learner for a token, if the learner may still read it."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.filter(token=token).first()
    if feed is None:
        return None
    user = platform.get_user(feed.user_id)
    if user is None or not may_subscribe(user, feed.course_key):
        return None
    return feed, user


def sessions_of(course_key: str) -> list[ZoomSession]:
    """The course's scheduled sessions (cancelled ones too, so calendars drop them)."""
    return list(ZoomSession.objects.filter(course_key=course_key, status__in=SHOWN_STATUSES,
                                           start__isnull=False).order_by("start", "id"))
