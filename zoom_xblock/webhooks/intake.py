"""HTTP endpoints of the plugin: Zoom webhooks (and, in later modules, Join and calendars).

Webhooks are acknowledged in milliseconds: the body is checked (size, content type, signature,
freshness, JSON), committed once (events arriving together share a commit:
:mod:`zoom_xblock.group_commit`), and applied by a Celery task (one task serves a burst of
events: ``zoom_events.request_apply``). Nothing here calls Zoom. Every refusal is a 4xx:
nothing a caller sends makes this view answer 5xx, except a missing secret token (503, the
operator's to fix, so that Zoom retries once it is set).
"""
import json
import logging
import re

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from zoom_xblock import accounts, bulk_rows
from zoom_xblock.conf import get_config
from zoom_xblock.group_commit import GroupCommit
from zoom_xblock.models import WebhookEvent, ZoomSession
from zoom_xblock.webhooks import zoom_events
from zoom_xblock.zoom import redaction
from zoom_xblock.zoom import webhooks as zoom_webhooks

log = logging.getLogger(__name__)

JSON_CONTENT_TYPES = ("application/json",)
TIMESTAMP = re.compile(r"[0-9]{1,12}")
MAX_BIGINT = 2**63 - 1
READ_CHUNK = 64 * 1024


class BodyTooLarge(Exception):
    """The request body is over ``WEBHOOK_MAX_BODY_BYTES`` (whatever Content-Length said)."""


def _read_body(request, limit: int) -> bytes:
    """The raw body, never more than ``limit`` bytes read into memory.

    A declared Content-Length over the cap is refused before reading; a Content-Length that
    lies (or is absent, as with chunked uploads a WSGI server passes through) cannot make us
    read more than ``limit + 1`` bytes.
    """
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.strip().isdigit() and int(declared) > limit:
        raise BodyTooLarge
    if not declared and request.META.get("wsgi.input_terminated"):
        stream = request.META["wsgi.input"]  # chunked: the server ends the stream for us
    else:
        stream = request  # Django's LimitedStream, bounded by Content-Length
    chunks, size = [], 0
    while size <= limit:
        chunk = stream.read(min(READ_CHUNK, limit + 1 - size))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    if size > limit:
        raise BodyTooLarge
    return b"".join(chunks)


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _decode(body: bytes):
    """The JSON document, or None when the body is not strict JSON."""
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        return None


def _column_id(event: zoom_webhooks.ZoomEvent) -> int | None:
    """The meeting or webinar id as a number that fits the column, or None."""
    value = event.object_id
    if value is None or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if number <= MAX_BIGINT else None


def _event_ts(data: dict) -> int | None:
    """``event_ts`` when Zoom sent a whole number that fits the column (no bool, no float)."""
    value = data.get("event_ts")
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BIGINT:
        return None
    return value


def _error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@csrf_exempt
@require_POST
# Acknowledged only once committed: Tutor runs the LMS with ATOMIC_REQUESTS
# (tutor/templates/apps/openedx/config/partials/auth.yml), which would commit after the answer.
@transaction.non_atomic_requests
def webhook(request, endpoint: str):
    """Receive a Zoom webhook for meetings or webinars."""
    config = get_config()
    try:
        body = _read_body(request, config.webhook_max_body_bytes)
    except BodyTooLarge:
        return _error("body too large", 413)
    if request.content_type not in JSON_CONTENT_TYPES:
        return _error("expected application/json", 415)
    candidates = accounts.accounts_for_webhook(None, config)
    if not candidates:
        log.error("Zoom webhook refused: ZOOM_XBLOCK WEBHOOK_SECRET_TOKEN is not set")
        return _error("webhooks are not configured", 503)
    timestamp = request.headers.get(zoom_webhooks.TIMESTAMP_HEADER) or ""
    signer = _signing_account(candidates, body, request, timestamp, config)
    if signer is None:
        return _error("invalid signature", 401)
    data = _decode(body)
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        return _error("malformed JSON" if data is None else "not a Zoom event", 400)
    if not data["event"]:
        return HttpResponse(status=200)  # nothing Zoom sends: acknowledged and ignored
    event = zoom_webhooks.parse_event(data)
    if not _names_account(event, signer) or (len(candidates) > 1
                                             and not _owns_meeting(event, signer, candidates)):
        return _error("invalid signature", 401)  # signed by one account, naming another's
    if event.event == zoom_webhooks.URL_VALIDATION_EVENT:
        plain = event.payload.get("plainToken")
        if not isinstance(plain, str) or not plain or len(plain) > 256:
            return _error("plainToken missing", 400)
        return JsonResponse(
            zoom_webhooks.url_validation_response(signer.webhook_secret_token, plain)
        )
    if event.event not in zoom_events.STORED_EVENTS:
        log.debug("Zoom webhook %r acknowledged and ignored", event.event[:64])
        return HttpResponse(status=200)
    return _store(data, event, endpoint)


def _signing_account(candidates, body: bytes, request, timestamp: str, config):
    """The account whose webhook secret signed ``body``, or None (one HMAC per account)."""
    if TIMESTAMP.fullmatch(timestamp) is None:
        return None
    signature = request.headers.get(zoom_webhooks.SIGNATURE_HEADER)
    for account in candidates:
        if zoom_webhooks.verify_signature(account.webhook_secret_token, body, signature,
                                          timestamp,
                                          tolerance_seconds=config.webhook_tolerance_seconds):
            return account
    return None


def _names_account(event: zoom_webhooks.ZoomEvent, signer) -> bool:
    """True unless the event's ``payload.account_id`` names another account than the one
    whose secret signed it (Zoom names the account in every event but
    ``endpoint.url_validation``; an account configured without its id accepts any)."""
    account_id = event.account_id
    if account_id is None or not signer.account_id:
        return True
    return isinstance(account_id, str) and account_id == signer.account_id


def _owns_meeting(event: zoom_webhooks.ZoomEvent, signer, candidates) -> bool:
    """False when the event is about a meeting of another of the site's accounts (one
    organisation's app must not write another's attendance); one indexed query."""
    zoom_id = _column_id(event)
    row = ZoomSession.objects.filter(zoom_id=zoom_id).values_list(
        "zoom_account", "course_key").first() if zoom_id is not None else None
    if row is None:
        return True  # not one of ours: stored, then ignored when applied
    name = row[0] or accounts.course_account_name(row[1])
    owner = next((account for account in candidates if account.name == name), None)
    return owner is not None and owner.account_id == signer.account_id


def _store(data: dict, event: zoom_webhooks.ZoomEvent, endpoint: str) -> HttpResponse:
    """Store the event once (Zoom's retries share its dedupe key), then queue its applying.

    The answer goes out only once the event is committed: Zoom does not send it again after a
    200. Events arriving together are committed together (:data:`INTAKE`)."""
    # The recording download token is a credential: keep it out of the database, with every
    # passcode and every link's token (zoom.redaction.redact_payload).
    data.pop("download_token", None)  # not part of the dedupe key (event, event_ts, payload)
    INTAKE.submit(WebhookEvent(dedupe_key=event.dedupe_key, event=event.event, endpoint=endpoint,
                               zoom_id=_column_id(event), event_ts=_event_ts(data),
                               payload=redaction.redact_payload(data)))
    return HttpResponse(status=200)


def _write_events(rows: list[WebhookEvent]) -> list[bool]:
    """Store ``rows`` with one INSERT; True for each when any was new. An event already
    stored (Zoom sent it again, perhaps racing its first delivery) is skipped by the
    database's unique dedupe key, so one retry never fails the batch. The view runs outside
    any transaction (``non_atomic_requests``), so the statement is committed when it returns."""
    inserted = bulk_rows.insert_new(rows)
    return [inserted > 0] * len(rows)


def _apply_soon(rows, outcomes) -> None:
    if any(outcomes):
        # At once, unless a test holds a transaction.
        transaction.on_commit(zoom_events.request_apply)


# One per process: the webhook view runs in each of a server's threads.
INTAKE = GroupCommit(_write_events, after_batch=_apply_soon)
