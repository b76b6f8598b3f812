"""What Zoom said about the account and its people, cached for the Studio editor.

The editor must say, without calling Zoom while it renders, whether the account can hold
webinars (its plan usage lists a Zoom Webinar plan) and which of the author and the course's
instructors are licensed users (the organizer's default). :func:`refresh` asks Zoom, in a
worker (the ``refresh_zoom_directory`` task, the hourly ``check_health``, and the organizer
check when an author saves), and stores the answers in Django's cache for
``LICENCE_CACHE_SECONDS``; readers get None for what was never asked, and
:func:`request_refresh` queues the question (at most once a minute per set of people).
"""
import hashlib
import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from zoom_xblock.conf import get_config

log = logging.getLogger(__name__)

ACCOUNT_KEY = "zoom_xblock:directory:account"
USER_KEY = "zoom_xblock:directory:user:{}"
REFRESH_KEY = "zoom_xblock:directory:refresh:{}"
REFRESH_DEBOUNCE_SECONDS = 60


def _user_key(email: str) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return USER_KEY.format(digest)


def account_webinars() -> dict | None:
    """``{"webinar": bool | None, "checked_at": iso}`` from the last look at the account's
    plan, or None if it was never looked at (or the cache forgot)."""
    value = cache.get(ACCOUNT_KEY)
    return value if isinstance(value, dict) else None


def webinars_allowed() -> bool | None:
    """False when the account is known to have no Webinar plan; None when unknown."""
    known = account_webinars()
    return None if known is None else known.get("webinar")


def user_status(email: str) -> dict | None:
    """``{"licensed": bool, "webinar": bool | None, "reason": str, "checked_at": iso}`` for a
    person Zoom was asked about (``reason`` is a ``zoom.HOST_*`` code when not licensed)."""
    if not email:
        return None
    value = cache.get(_user_key(email))
    return value if isinstance(value, dict) else None


def remember_user(email: str, *, licensed: bool, webinar=None, reason: str = "") -> None:
    """Store what Zoom said about ``email``."""
    cache.set(_user_key(email), {"licensed": licensed, "webinar": webinar, "reason": reason,
                                 "checked_at": timezone.now().isoformat()},
              get_config().licence_cache_seconds)


def remember_account(webinar) -> None:
    """Store whether the account has a Webinar plan (None: Zoom did not say)."""
    cache.set(ACCOUNT_KEY, {"webinar": webinar, "checked_at": timezone.now().isoformat()},
              get_config().licence_cache_seconds)


def refresh_account(client) -> bool | None:
    """Ask Zoom for the account's plan usage and remember whether it has webinars."""
    from zoom_xblock.zoom import ZoomError  # pylint: disable=import-outside-toplevel

    try:
        webinar = client.webinar_plan(get_config().account_id or "me")
    except ZoomError as error:
        log.info("Zoom did not give the plan usage: %s", error)
        return None
    remember_account(webinar)
    return webinar


def refresh_user(client, email: str) -> dict | None:
    """Ask Zoom about one person and remember the answer (None when Zoom could not say)."""
    from zoom_xblock import zoom  # pylint: disable=import-outside-toplevel

    try:
        user = client.get_user(email, check_webinar=True)
    except zoom.ZoomHostError as error:
        remember_user(email, licensed=False, reason=error.reason)
    except zoom.ZoomNotFound:
        remember_user(email, licensed=False, reason=zoom.HOST_NOT_FOUND)
    except zoom.ZoomError:
        return None
    else:
        remember_user(email, licensed=user.is_licensed, webinar=user.has_webinar,
                      reason="" if user.is_licensed else zoom.HOST_NOT_LICENSED)
    return user_status(email)


def refresh(emails) -> dict:
    """The task's work: the account's plan, then each person (a worker, never a request)."""
    from zoom_xblock.zoom_api import NotConfigured, get_client  # pylint: disable=import-outside-toplevel

    try:
        client = get_client()
    except NotConfigured:
        return {"skipped": "not configured"}
    answer = {"webinar": refresh_account(client), "users": 0}
    for email in sorted({e.strip().lower() for e in emails if e and e.strip()}):
        answer["users"] += refresh_user(client, email) is not None
    return answer


def request_refresh(emails=(), *, account: bool = False) -> None:
    """Queue :func:`refresh` for what is not known yet (after commit, debounced)."""
    unknown = sorted({e.strip().lower() for e in emails if e and user_status(e) is None})
    if not unknown and not (account and account_webinars() is None):
        return
    if not get_config().is_configured:
        return
    digest = hashlib.sha256("|".join(unknown).encode()).hexdigest()[:16]
    if not cache.add(REFRESH_KEY.format(digest), 1, timeout=REFRESH_DEBOUNCE_SECONDS):
        return
    from zoom_xblock import intents  # pylint: disable=import-outside-toplevel

    transaction.on_commit(lambda: intents.queue_directory_refresh(unknown))
