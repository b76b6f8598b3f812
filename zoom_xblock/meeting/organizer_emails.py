"""E-mails to the organizer: when they are assigned to a session, when it changes, and when its
component leaves the course (the meeting is then deleted).

Sent through Django's e-mail backend from the worker that applied the change, rendered from
``templates/zoom_xblock/emails/`` in the platform's language.
"""
import html
import logging
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation

from zoom_xblock import platform
from zoom_xblock.i18n import gettext as _
from zoom_xblock.models import ZoomSession
from zoom_xblock.rendering import render_template
from zoom_xblock.session_values import one_line, safe_zone

log = logging.getLogger(__name__)

WATCHED = ("topic", "start_time", "duration", "timezone", "agenda")


def _local_start(session: ZoomSession) -> str:
    if not session.start:
        return _("not set")
    zone = safe_zone(session.timezone)
    return session.start.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M") + f" ({zone})"


def _changes(previous: dict, applied: dict) -> list[str]:
    labels = {"topic": _("Title"), "start_time": _("Start"), "duration": _("Duration (minutes)"),
              "timezone": _("Time zone"), "agenda": _("Agenda")}
    return [labels[key] for key in WATCHED if previous.get(key) != applied.get(key)]


def organizer_changes(session: ZoomSession, previous: dict, applied: dict) -> str | None:
    """E-mail the organizer about being assigned (first time or new host) or about changes."""
    if not session.host_email:
        return None
    newly_assigned = previous.get("host") != applied.get("host")
    changed = [] if newly_assigned else _changes(previous, applied)
    if not newly_assigned and not changed:
        return None
    kind = "assigned" if newly_assigned else "changed"
    return _send(session, kind, {"changes": changed})


def organizer_removed(session: ZoomSession, reason: str) -> str | None:
    """E-mail the organizer that the session's component left the course (its meeting goes)."""
    if not session.host_email or session.zoom_id is None:
        return None
    return _send(session, "removed", {"reason": reason})


def _send(session: ZoomSession, kind: str, extra: dict) -> str | None:
    with translation.override(getattr(settings, "LANGUAGE_CODE", "en")):
        context = {
            "session": session,
            "kind_label": session.get_kind_display(),
            "start": _local_start(session),
            "course_url": platform.lms_root_url(),
            **extra,
        }
        # A subject is plain text on one line: no HTML escapes (&amp;), no line break (which
        # Django refuses as a header injection, so the e-mail would silently not go).
        subject = one_line(html.unescape(render_template(
            f"zoom_xblock/emails/organizer_{kind}_subject.txt", context)))
        body = render_template(f"zoom_xblock/emails/organizer_{kind}.txt", context)
    try:
        send_mail(subject, body, getattr(settings, "DEFAULT_FROM_EMAIL", None),
                  [session.host_email])
    except Exception:  # pylint: disable=broad-except
        # An unreachable mail server must not undo a meeting Zoom already has.
        log.warning("Could not e-mail the organizer of session %s", session.id, exc_info=True)
        return None
    return kind


