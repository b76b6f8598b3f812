"""HTTP endpoints of the plugin: Zoom webhooks (and, in later modules, Join and calendars).

Webhooks are acknowledged in milliseconds: the body is checked (size, signature, freshness,
JSON), stored once, and applied by a Celery task after commit. Nothing here calls Zoom.
"""
import hashlib
import json
import logging

from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from zoom_xblock.conf import get_config
from zoom_xblock.models import WebhookEvent
from zoom_xblock.zoom import webhooks as zoom_webhooks

log = logging.getLogger(__name__)


def _dedupe_key(body: dict) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _zoom_id(body: dict):
    raw = ((body.get("payload") or {}).get("object") or {}).get("id")
    try:
        return int(raw)
    except (TypeError, ValueError):
        return None


@csrf_exempt
@require_POST
def webhook(request, endpoint: str):
    """Receive a Zoom webhook for meetings or webinars."""
    config = get_config()
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > config.webhook_max_body_bytes:
        return JsonResponse({"error": "body too large"}, status=413)
    body = request.body
    if len(body) > config.webhook_max_body_bytes:
        return JsonResponse({"error": "body too large"}, status=413)
    if not config.webhook_secret_token:
        log.error("Zoom webhook refused: ZOOM_XBLOCK WEBHOOK_SECRET_TOKEN is not set")
        return JsonResponse({"error": "webhooks are not configured"}, status=503)
    signed = zoom_webhooks.verify_signature(
        config.webhook_secret_token,
        body,
        request.headers.get(zoom_webhooks.SIGNATURE_HEADER),
        request.headers.get(zoom_webhooks.TIMESTAMP_HEADER),
        tolerance_seconds=config.webhook_tolerance_seconds,
    )
    if not signed:
        return JsonResponse({"error": "invalid signature"}, status=401)
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        return JsonResponse({"error": "malformed JSON"}, status=400)
    if not isinstance(data, dict) or not isinstance(data.get("event"), str):
        return JsonResponse({"error": "not a Zoom event"}, status=400)
    if data["event"] == zoom_webhooks.URL_VALIDATION_EVENT:
        plain = (data.get("payload") or {}).get("plainToken")
        if not isinstance(plain, str) or not plain:
            return JsonResponse({"error": "plainToken missing"}, status=400)
        return JsonResponse(
            zoom_webhooks.url_validation_response(config.webhook_secret_token, plain)
        )
    return _store(data, endpoint)


def _store(data: dict, endpoint: str) -> HttpResponse:
    event_ts = data.get("event_ts")
    try:
        with transaction.atomic():
            event = WebhookEvent.objects.create(
                dedupe_key=_dedupe_key(data),
                event=data["event"][:64],
                endpoint=endpoint,
                zoom_id=_zoom_id(data),
                event_ts=event_ts if isinstance(event_ts, int) else None,
                payload=data,
            )
    except IntegrityError:
        return HttpResponse(status=200)  # a retry of an event we already have
    transaction.on_commit(lambda: _queue_apply(event.id))
    return HttpResponse(status=200)


def _queue_apply(event_id: int) -> None:
    from zoom_xblock import tasks  # pylint: disable=import-outside-toplevel

    try:
        tasks.apply_webhook.delay(event_id)
    except Exception:  # pylint: disable=broad-except
        log.warning("Could not queue webhook %s; the sweep applies stored events", event_id,
                    exc_info=True)
