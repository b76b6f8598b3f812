"""Zoom webhooks: how Zoom signs a request and how we check one, and reading what it sent.

Zoom signs ``"v0:{timestamp}:{raw body}"`` with HMAC-SHA256 keyed by the app's secret
token and sends ``x-zm-signature: v0=<hex>`` with ``x-zm-request-timestamp: <seconds>``.
The same secret answers the ``endpoint.url_validation`` challenge. Pure Python, no Django.
"""

import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

SIGNATURE_HEADER = "x-zm-signature"
TIMESTAMP_HEADER = "x-zm-request-timestamp"
URL_VALIDATION_EVENT = "endpoint.url_validation"
DEFAULT_TOLERANCE_SECONDS = 300


def _hex_hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def compute_signature(secret: str, timestamp: str, body: bytes) -> str:
    """Return the ``x-zm-signature`` value Zoom would send for ``body`` at ``timestamp``."""
    message = b"v0:" + str(timestamp).encode("ascii") + b":" + body
    return "v0=" + _hex_hmac(secret, message)


def signature_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Headers that sign ``body`` the way Zoom does (used by the sandbox and the tests)."""
    stamp = str(int(time.time()) if timestamp is None else int(timestamp))
    return {
        SIGNATURE_HEADER: compute_signature(secret, stamp, body),
        TIMESTAMP_HEADER: stamp,
        "Content-Type": "application/json",
    }


def verify_signature(
    secret: str,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """True only for a fresh request signed with ``secret`` over exactly ``body``.

    The comparison runs in constant time; a timestamp further than ``tolerance_seconds``
    from ``now`` (past or future) is refused, so a captured request cannot be replayed.
    """
    if not secret or not signature or not timestamp:
        return False
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    current = time.time() if now is None else now
    if abs(current - stamp) > tolerance_seconds:
        return False
    expected = compute_signature(secret, str(stamp), body)
    return hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "replace"))


def url_validation_response(secret: str, plain_token: str) -> dict[str, str]:
    """The body Zoom expects in answer to an ``endpoint.url_validation`` event."""
    return {
        "plainToken": plain_token,
        "encryptedToken": _hex_hmac(secret, plain_token.encode("utf-8")),
    }


@dataclass(frozen=True)
class ZoomEvent:
    """A parsed webhook envelope; ``object`` has its ``id`` normalised to ``str``."""

    event: str
    event_ts: int | None
    account_id: str | None
    object: dict[str, Any] = field(repr=False)
    payload: dict[str, Any] = field(repr=False)
    dedupe_key: str

    @property
    def object_id(self) -> str | None:
        """The meeting or webinar id as a string (Zoom sends it as a number or a string)."""
        return self.object.get("id")


def normalise_id(value: Any) -> str | None:
    """Zoom ids arrive as numbers in some events and strings in others: always ``str``."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def event_dedupe_key(envelope: Mapping[str, Any]) -> str:
    """A stable key for one event: Zoom's retries of it share the key, other events do not."""
    canonical = json.dumps(
        {
            "event": envelope.get("event"),
            "event_ts": envelope.get("event_ts"),
            "payload": envelope.get("payload"),
        },
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def parse_event(body: bytes | str | Mapping[str, Any]) -> ZoomEvent:
    """Parse a webhook body (raw bytes, text or decoded JSON) into a :class:`ZoomEvent`.

    Raises ``ValueError`` for a body that is not a JSON object with an ``event``.
    """
    envelope = json.loads(body) if isinstance(body, (bytes, str)) else body
    if not isinstance(envelope, Mapping) or not envelope.get("event"):
        raise ValueError("not a Zoom webhook envelope")
    payload = envelope.get("payload") if isinstance(envelope.get("payload"), Mapping) else {}
    obj = dict(payload.get("object") or {}) if isinstance(payload.get("object"), Mapping) else {}
    if "id" in obj:
        obj["id"] = normalise_id(obj["id"])
    event_ts = envelope.get("event_ts")
    return ZoomEvent(
        event=str(envelope["event"]),
        event_ts=int(event_ts) if isinstance(event_ts, (int, float)) else None,
        account_id=payload.get("account_id"),
        object=obj,
        payload=dict(payload),
        dedupe_key=event_dedupe_key(envelope),
    )


EARLIEST = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
LATEST = dt.datetime(2999, 12, 31, tzinfo=dt.UTC)


def parse_time(value) -> dt.datetime | None:
    """A Zoom timestamp (``2024-05-01T10:00:00Z``) as an aware UTC datetime, or None (also
    for one out of :data:`EARLIEST`..:data:`LATEST`)."""
    if not value or not isinstance(value, str) or len(value) > 64:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        moment = (moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return moment if EARLIEST <= moment <= LATEST else None
