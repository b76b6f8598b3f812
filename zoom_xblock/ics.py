"""The "Add to calendar" file: one .ics per learner, built with the ``icalendar`` library.

The event is in UTC (``DTSTART:...Z``) and names the session's time zone (``X-WR-TIMEZONE``
and ``X-ZOOM-XBLOCK-TZID``) so that calendars show it at the right moment and say where the
time was set. Its link is the plugin's Join URL, never the learner's personal Zoom link: the
file gets forwarded, and Join checks who opens it.
"""
import hashlib
from datetime import timedelta

from django.utils import timezone
from icalendar import Alarm, Calendar, Event, vCalAddress, vText

from zoom_xblock import platform
from zoom_xblock.i18n import gettext as _
from zoom_xblock.i18n import ngettext
from zoom_xblock.learner import CANCELLED_STATUSES, join_opens_at, scheduled_end
from zoom_xblock.models import ZoomSession
from zoom_xblock.sessions import one_line, safe_zone

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
