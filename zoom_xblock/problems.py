"""Why a session is held up in Zoom, stored as a code with its parameters and worded at render.

The session row keeps ``last_error_code`` (Zoom-side changes: the organizer's daily limit, with
``last_error`` the stored ``quota_deferred`` message) and ``blocked_code`` / ``blocked_params``
(registrations refused for the whole meeting). The functions here return stored messages
(:func:`zoom_xblock.wording.stored`); the author and staff views word them in the reader's
language through :func:`zoom_xblock.wording.render` / :func:`~zoom_xblock.wording.stored_text`.
"""
from datetime import datetime

from zoom_xblock.messages import REGISTRATION_OFF  # noqa: F401  (one of the codes stored here)
from zoom_xblock.wording import stored
from zoom_xblock.zoom import (
    HOST_NO_WEBINAR_LICENCE,
    HOST_NOT_FOUND,
    HOST_NOT_IN_ACCOUNT,
    HOST_NOT_LICENSED,
)

DAILY_LIMIT = "quota"  # ZoomSession.last_error_code when the organizer's 100 a day are spent
ZOOM_NOT_ANSWERING = "unavailable"
BLOCKING_HOST_REASONS = (HOST_NOT_LICENSED, HOST_NO_WEBINAR_LICENCE, HOST_NOT_FOUND,
                         HOST_NOT_IN_ACCOUNT)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def daily_limit_message(until: datetime | None) -> str:
    """The organizer's daily create/update limit, and when the change is applied (stored)."""
    return stored("quota_deferred", until=_iso(until))


def not_answering_message(retry_at: datetime | None) -> str:
    """Zoom answered with errors or not at all; when the sync tries again (stored)."""
    return stored("sync_unreachable", retry_at=_iso(retry_at))


def blocked_message(code: str, params: dict) -> str:
    """Why Zoom refuses every registration of the meeting (stored; worded by
    :func:`zoom_xblock.messages.blocked_words`)."""
    return stored("registration_blocked", **{**(params or {}), "why": code})


def session_problem(session) -> str:
    """What holds the session up, as a stored message (or the legacy text); "" when nothing
    does. Render it with :func:`zoom_xblock.wording.render` or ``stored_text``."""
    if session is None:
        return ""
    if session.blocked_code:
        return blocked_message(session.blocked_code, session.blocked_params or {})
    if session.last_error_code == DAILY_LIMIT and session.deferred_until:
        return daily_limit_message(session.deferred_until)
    return session.last_error
