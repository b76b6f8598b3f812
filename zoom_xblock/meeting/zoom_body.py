"""What Zoom gets for a session: the meeting's or webinar's body, field for field as Zoom's spec
has it, and the marker that tells this block's meeting apart among the host's meetings."""
import hashlib
from datetime import UTC

from zoom_xblock.models import ZoomSession
from zoom_xblock.session_values import alternative_hosts_of, safe_zone
from zoom_xblock.zoom import MAX_AGENDA, MAX_TITLE

# Manual approval: a person who learns the meeting ID cannot register themselves into it; the
# plugin approves its own registrants as it adds them (``auto_approve``), Zoom keeps the others
# pending for the sync to report and deny (``OUTSIDER_REGISTRANTS``).
APPROVAL_MANUAL = 1
REGISTRATION_ONCE = 1  # attendees register once and can attend (one occurrence anyway)
MARKER_PREFIX = "openedx-zoom-xblock:"
LISTED_AGENDA = 250  # Zoom's list of a host's meetings cuts each agenda to this


def creation_marker(session: ZoomSession) -> str:
    """The agenda's last line: tells this block's meeting apart among the host's meetings."""
    digest = hashlib.sha256(session.usage_key.encode("utf-8")).hexdigest()[:20]
    return f"[{MARKER_PREFIX}{digest}]"


def _agenda(session: ZoomSession) -> str:
    marker = creation_marker(session)
    text = session.agenda.rstrip()[:MAX_AGENDA - len(marker) - 1]
    return f"{text}\n{marker}" if text else marker


def zoom_payload(session: ZoomSession, creating: bool = False) -> dict:
    """The body Zoom gets for the session, field for field as Zoom's spec has it.

    Webinars separate alternative hosts with commas, meetings with semicolons; a webinar's
    ``registrants_confirmation_email`` exists only in its PATCH schema.
    """
    webinar = session.kind == ZoomSession.Kind.WEBINAR
    settings = {
        "approval_type": APPROVAL_MANUAL,
        "registration_type": REGISTRATION_ONCE,
        "registrants_email_notification": session.zoom_emails,
        "registrants_confirmation_email": session.zoom_emails,
        "alternative_hosts": ("," if webinar else ";").join(alternative_hosts_of(session)),
        "auto_recording": session.auto_recording or "none",
    }
    if not webinar:
        settings["meeting_authentication"] = False
    elif creating:
        del settings["registrants_confirmation_email"]
    payload = {
        "topic": session.title[:MAX_TITLE],
        "agenda": _agenda(session),
        "duration": session.duration_minutes,
        "timezone": safe_zone(session.timezone),
        "settings": settings,
    }
    if session.start:
        payload["start_time"] = session.start.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return payload
