"""What Zoom said about each account and its people, cached for the Studio editor.

The editor must say, without calling Zoom while it renders, whether the course's Zoom account
can hold webinars (its plan usage lists a Zoom Webinar plan) and which of the author and the
course's instructors are licensed users of that account (the organizer's default). :func:`refresh`
asks Zoom, in a worker (the ``refresh_zoom_directory`` task, the hourly ``check_health``), and
stores the answers in Django's cache for ``LICENCE_CACHE_SECONDS``; readers get None for what
was never asked, and :func:`request_refresh` queues the question (at most once a minute per
account and set of people).

Every answer is about one account (:mod:`zoom_xblock.accounts`; ``account`` None is the site's
default account): a person licensed in one account is unknown in another, and one account's
Webinar plan says nothing about another's.
"""
import hashlib
import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from zoom_xblock.accounts import DEFAULT_ACCOUNT
from zoom_xblock.conf import get_config

log = logging.getLogger(__name__)

ACCOUNT_KEY = "zoom_xblock:directory:account:{account}"
USER_KEY = "zoom_xblock:directory:user:{account}:{digest}"
REFRESH_KEY = "zoom_xblock:directory:refresh:{account}:{digest}"
REFRESH_DEBOUNCE_SECONDS = 60


def account_name(account: str | None) -> str:
    """The name answers are kept under: ``account``, or the site's default account."""
    return account or get_config().default_account or DEFAULT_ACCOUNT


def _user_key(email: str, account: str | None) -> str:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return USER_KEY.format(account=account_name(account), digest=digest)


def account_webinars(account: str | None = None) -> dict | None:
    """``{"webinar": bool | None, "checked_at": iso}`` from the last look at the plan of
    ``account``, or None if it was never looked at (or the cache forgot)."""
    value = cache.get(ACCOUNT_KEY.format(account=account_name(account)))
    return value if isinstance(value, dict) else None


def webinars_allowed(account: str | None = None) -> bool | None:
    """False when ``account`` is known to have no Webinar plan; None when unknown."""
    known = account_webinars(account)
    return None if known is None else known.get("webinar")


def user_status(email: str, account: str | None = None) -> dict | None:
    """``{"licensed": bool, "webinar": bool | None, "reason": str, "checked_at": iso}`` for a
    person Zoom was asked about in ``account`` (``reason`` is a ``zoom.HOST_*`` code when not
    licensed)."""
    if not email:
        return None
    value = cache.get(_user_key(email, account))
    return value if isinstance(value, dict) else None


def remember_user(email: str, account: str | None = None, *, licensed: bool, webinar=None,
                  reason: str = "") -> None:
    """Store what Zoom said about ``email`` in ``account``."""
    cache.set(_user_key(email, account),
              {"licensed": licensed, "webinar": webinar, "reason": reason,
               "checked_at": timezone.now().isoformat()},
              get_config().licence_cache_seconds)


def remember_account(webinar, account: str | None = None) -> None:
    """Store whether ``account`` has a Webinar plan (None: Zoom did not say)."""
    cache.set(ACCOUNT_KEY.format(account=account_name(account)),
              {"webinar": webinar, "checked_at": timezone.now().isoformat()},
              get_config().licence_cache_seconds)


def refresh_account(client, account: str | None = None) -> bool | None:
    """Ask Zoom for the plan usage of ``account`` (``client`` is that account's) and remember
    whether it has webinars."""
    from zoom_xblock.zoom import ZoomError  # pylint: disable=import-outside-toplevel

    try:
        webinar = client.webinar_plan(client.account_id or "me")
    except ZoomError as error:
        log.info("Zoom did not give the plan usage of the account %s: %s",
                 account_name(account), error)
        return None
    remember_account(webinar, account)
    return webinar


def refresh_user(client, email: str, account: str | None = None) -> dict | None:
    """Ask Zoom about one person in ``account`` (``client`` is that account's) and remember
    the answer (None when Zoom could not say)."""
    from zoom_xblock import zoom  # pylint: disable=import-outside-toplevel

    try:
        user = client.get_user(email, check_webinar=True)
    except zoom.ZoomHostError as error:
        remember_user(email, account, licensed=False, reason=error.reason)
    except zoom.ZoomNotFound:
        remember_user(email, account, licensed=False, reason=zoom.HOST_NOT_FOUND)
    except zoom.ZoomError:
        return None
    else:
        remember_user(email, account, licensed=user.is_licensed, webinar=user.has_webinar,
                      reason="" if user.is_licensed else zoom.HOST_NOT_LICENSED)
    return user_status(email, account)


def refresh(emails, account: str | None = None) -> dict:
    """The task's work: the plan of ``account``, then each person in it (a worker, never a
    request)."""
    from zoom_xblock.zoom_api import NotConfigured, get_client  # pylint: disable=import-outside-toplevel

    try:
        client = get_client(account=account)
    except NotConfigured:
        return {"skipped": "not configured"}
    answer = {"webinar": refresh_account(client, account), "users": 0}
    for email in sorted({e.strip().lower() for e in emails if e and e.strip()}):
        answer["users"] += refresh_user(client, email, account) is not None
    return answer


def request_refresh(emails=(), account: str | None = None, *, plan: bool = False) -> None:
    """Queue :func:`refresh` of ``account`` for the people not known in it yet (and its
    plan, ``plan``, when not known yet): after commit, debounced."""
    unknown = sorted({e.strip().lower() for e in emails
                      if e and user_status(e, account) is None})
    if not unknown and not (plan and account_webinars(account) is None):
        return
    if not get_config().is_configured:
        return
    name = account_name(account)
    digest = hashlib.sha256("|".join(unknown).encode()).hexdigest()[:16]
    if not cache.add(REFRESH_KEY.format(account=name, digest=digest), 1,
                     timeout=REFRESH_DEBOUNCE_SECONDS):
        return
    from zoom_xblock import intents  # pylint: disable=import-outside-toplevel

    transaction.on_commit(lambda: intents.queue_directory_refresh(unknown, name))
