"""One exception per thing a caller must treat differently, and the mapping from Zoom's answers.

Every class subclasses :class:`ZoomError`, which carries ``status`` (HTTP status or None),
``code`` (Zoom's error code, or the OAuth ``error`` string at the token endpoint), ``message``
(Zoom's message, redacted) and ``operation`` (our name of the call, e.g. ``"add_registrant"``).
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .limits import next_utc_midnight
from .redaction import redact

UTC = dt.UTC

HOST_NOT_FOUND = "user_not_found"
HOST_NOT_IN_ACCOUNT = "not_in_account"
HOST_NOT_LICENSED = "not_licensed"
HOST_NO_WEBINAR_LICENCE = "no_webinar_licence"
# Zoom refused one or more alternative hosts (outside the account, or without a licence).
HOST_ALTERNATIVE_REFUSED = "alternative_host_refused"
ALTERNATIVE_HOST_CODE = 1114

QUOTA_HOST = "host"
QUOTA_REGISTRANT = "registrant"
QUOTA_ACCOUNT = "account"


class ZoomError(Exception):
    """Any failure of a Zoom call."""

    retryable = False

    def __init__(
        self,
        message: str = "",
        *,
        status: int | None = None,
        code: int | str | None = None,
        operation: str | None = None,
    ) -> None:
        self.message = redact(message)
        self.status = status
        self.code = code
        self.operation = operation
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f"{self.operation}: " if self.operation else ""
        status = f"HTTP {self.status}" if self.status is not None else "no response"
        code = f" code {self.code}" if self.code is not None else ""
        return f"{where}{status}{code}: {self.message}"


class ZoomAuthError(ZoomError):
    """The credentials were refused (token endpoint), or a fresh token was refused again."""


class ZoomScopeError(ZoomError):
    """The app lacks scopes for this call; ``missing_scopes`` lists those Zoom named."""

    def __init__(self, message: str = "", *, missing_scopes: list[str] | None = None, **kwargs):
        super().__init__(message, **kwargs)
        if missing_scopes is None:
            missing_scopes = parse_missing_scopes(message)
        self.missing_scopes = missing_scopes


class ZoomNotFound(ZoomError):
    """The meeting, webinar, registrant or panelist does not exist (or no longer)."""


class ZoomHostError(ZoomError):
    """The host cannot hold this meeting: ``reason`` is one of the ``HOST_*`` constants."""

    def __init__(self, message: str = "", *, reason: str = HOST_NOT_FOUND, **kwargs):
        super().__init__(message, **kwargs)
        self.reason = reason

    @property
    def addresses(self) -> list[str]:
        """The e-mail addresses Zoom's message names (the refused alternative hosts)."""
        return list(dict.fromkeys(_EMAIL_IN_MESSAGE.findall(self.message)))


@dataclass(frozen=True)
class FieldError:
    """One entry of Zoom's ``errors`` list: which field, and what is wrong with it."""

    field: str
    message: str


class ZoomValidationError(ZoomError):
    """Zoom refused the request's content; ``field_errors`` has Zoom's per-field details."""

    def __init__(self, message: str = "", *, field_errors: tuple[FieldError, ...] = (), **kwargs):
        super().__init__(message, **kwargs)
        self.field_errors = field_errors


class ZoomBatchUnavailable(ZoomValidationError):
    """Zoom refuses batch registration here (code 303): add registrants one by one instead."""


class ZoomRegistrationDisabled(ZoomError):
    """Registration is turned off on the meeting in Zoom (404 "Registration has not been
    enabled"): the meeting exists, nobody can register until it is turned on again."""


class ZoomMeetingOver(ZoomError):
    """The meeting or webinar is over (code 3038): nobody can register any more."""


class ZoomCapacityFull(ZoomError):
    """The meeting or webinar has no free place (code 3043)."""


class ZoomRateLimited(ZoomError):
    """Per-second rate limit (HTTP 429); ``retry_after`` is seconds to wait, when Zoom said."""

    retryable = True

    def __init__(self, message: str = "", *, retry_after: float | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ZoomQuotaExceeded(ZoomError):
    """A daily limit is spent: never retried today.

    ``quota`` is ``"host"`` (100 meeting create/update per host per day), ``"registrant"``
    (3 requests per registrant per meeting per day) or ``"account"`` (Heavy/Resource-intensive
    daily total); ``resets_at`` is an aware UTC datetime.
    """

    def __init__(self, message: str = "", *, quota: str, resets_at: dt.datetime, **kwargs):
        super().__init__(message, **kwargs)
        self.quota = quota
        self.resets_at = resets_at


class ZoomUnavailable(ZoomError):
    """Zoom did not answer usefully: 5xx, timeout or connection error."""

    retryable = True

    def __init__(self, message: str = "", *, request_sent: bool = True, **kwargs):
        super().__init__(message, **kwargs)
        # False when the request surely never reached Zoom (connection refused, connect timeout).
        self.request_sent = request_sent


def is_ambiguous(error: ZoomError) -> bool:
    """True when Zoom may have applied the request although it did not say so (5xx, a gateway's
    HTML 502/504, a read timeout): a write must be checked in Zoom before it is sent again."""
    return isinstance(error, ZoomUnavailable) and error.request_sent


def concerns_meeting(error: ZoomError) -> bool:
    """True for a refusal about the meeting or its host, not about the people in the request
    (host without licence, gone or in another account; registration turned off)."""
    return isinstance(error, (ZoomHostError, ZoomRegistrationDisabled))


# --- reading Zoom's answers -----------------------------------------------------------------

_SCOPES_IN_MESSAGE = re.compile(r"scopes?\s*:?\s*\[([^\]]*)\]", re.IGNORECASE)
_NO_WEBINAR_LICENCE = re.compile(
    r"webinar (plan|licen[cs]e|add-on)|plan for webinar|enable webinar", re.IGNORECASE
)
_NOT_LICENSED = re.compile(
    r"paid user|licen[cs]ed user|basic user|not licen[cs]ed|upgrade", re.IGNORECASE
)
_REGISTRATION_OFF = re.compile(r"registration (has not been|is not) enabled|does not have "
                               r"registration", re.IGNORECASE)
_ALTERNATIVE_HOST = re.compile(r"alternative host", re.IGNORECASE)
_EMAIL_IN_MESSAGE = re.compile(r"[^\s:;,<>()\[\]\"']+@[^\s:;,<>()\[\]\"']+\.[A-Za-z]{2,}")
_DAILY = re.compile(r"daily|per day|a day", re.IGNORECASE)
_HOST_QUOTA = re.compile(r"create\s*/\s*update|(meeting|webinar) (create|update)", re.IGNORECASE)


def parse_missing_scopes(message: str) -> list[str]:
    """The scopes named in ``"... does not contain scopes:[a, b]"``; empty when none are named."""
    match = _SCOPES_IN_MESSAGE.search(message or "")
    if not match:
        return []
    return [scope for scope in re.split(r"[\s,]+", match.group(1)) if scope]


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` given as seconds, an HTTP date or an ISO date."""
    moment = _retry_after_moment(value, now)
    return None if moment is None else max(0.0, moment.timestamp() - now)


def _retry_after_moment(value: str | None, now: float) -> dt.datetime | None:
    if not value or not value.strip():
        return None
    value = value.strip()
    try:
        return dt.datetime.fromtimestamp(now + float(value), UTC)
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def error_body(response: Any) -> Mapping[str, Any]:
    """Zoom's JSON error body, or an empty mapping when the body is not JSON."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, Mapping) else {}


def error_from_response(response: Any, operation: str, now: float) -> ZoomError:
    """Map a non-2xx ``requests.Response`` from the API to the matching :class:`ZoomError`."""
    status = response.status_code
    body = error_body(response)
    code = body.get("code")
    message = str(body.get("message") or body.get("reason") or response.reason or "")
    common = {"status": status, "code": code, "operation": operation}

    if status == 429:
        return _rate_limit_error(response.headers, message, common, now)
    if status >= 500:
        return ZoomUnavailable(message, **common)
    if code in (4700, 4711) or "does not contain scope" in message.lower():
        return ZoomScopeError(message, **common)
    if code == 124 or status == 401:
        return ZoomAuthError(message, **common)
    if code == 1001:
        return ZoomHostError(message, reason=HOST_NOT_FOUND, **common)
    if code == 1010:
        return ZoomHostError(message, reason=HOST_NOT_IN_ACCOUNT, **common)
    if status == 400 and (code == ALTERNATIVE_HOST_CODE or _ALTERNATIVE_HOST.search(message)):
        return ZoomHostError(message, reason=HOST_ALTERNATIVE_REFUSED, **common)
    if code == 303:
        return ZoomBatchUnavailable(message, **common)
    if code == 3038:
        return ZoomMeetingOver(message, **common)
    if code == 3043:
        return ZoomCapacityFull(message, **common)
    if status != 404 and _NO_WEBINAR_LICENCE.search(message):
        return ZoomHostError(message, reason=HOST_NO_WEBINAR_LICENCE, **common)
    if status != 404 and _NOT_LICENSED.search(message):
        return ZoomHostError(message, reason=HOST_NOT_LICENSED, **common)
    if _REGISTRATION_OFF.search(message):
        return ZoomRegistrationDisabled(message, **common)
    if code == 200 and status == 400:  # "no permission": the host lost the plan it needs
        return ZoomHostError(message, reason=HOST_NOT_LICENSED, **common)
    if status == 404 or code == 3001:
        return ZoomNotFound(message, **common)
    if status == 400 or code == 300:
        return ZoomValidationError(message, field_errors=_field_errors(body), **common)
    return ZoomError(message, **common)


def _rate_limit_error(headers, message: str, common: dict, now: float) -> ZoomError:
    limit_type = (headers.get("X-RateLimit-Type") or "").strip().lower()
    retry_after = headers.get("Retry-After")
    is_daily = limit_type == "daily-limit" or (limit_type != "qps" and _DAILY.search(message))
    if not is_daily:
        return ZoomRateLimited(message, retry_after=parse_retry_after(retry_after, now), **common)
    if "registrant" in message.lower():
        quota = QUOTA_REGISTRANT
    elif _HOST_QUOTA.search(message):
        quota = QUOTA_HOST
    else:
        quota = QUOTA_ACCOUNT
    resets_at = (_retry_after_moment(retry_after, now)
                 or next_utc_midnight(dt.datetime.fromtimestamp(now, UTC)))
    return ZoomQuotaExceeded(message, quota=quota, resets_at=resets_at, **common)


def _field_errors(body: Mapping[str, Any]) -> tuple[FieldError, ...]:
    entries = body.get("errors") or []
    if not isinstance(entries, list):
        return ()
    return tuple(
        FieldError(str(entry.get("field", "")), redact(entry.get("message", "")))
        for entry in entries
        if isinstance(entry, Mapping)
    )


def unavailable_from_exception(exc: Exception, operation: str) -> ZoomUnavailable:
    """A :class:`ZoomUnavailable` for a timeout or connection error raised by ``requests``."""
    text = repr(exc)
    surely_unsent = "ConnectTimeout" in type(exc).__name__ or (
        "NewConnectionError" in text or "Failed to establish a new connection" in text
    )
    return ZoomUnavailable(type(exc).__name__, operation=operation, request_sent=not surely_unsent)
