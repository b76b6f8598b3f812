"""Applying stored Zoom webhook events to the plugin's state (run by a Celery task)."""
import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from zoom_xblock.models import WebhookEvent, ZoomSession

log = logging.getLogger(__name__)


def _parse_time(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _session_for(event: WebhookEvent) -> ZoomSession | None:
    if event.zoom_id is None:
        return None
    return ZoomSession.objects.filter(zoom_id=event.zoom_id).first()


def _meeting_started(session: ZoomSession, obj: dict) -> None:
    session.live_status = ZoomSession.LiveStatus.LIVE
    session.actual_start = _parse_time(obj.get("start_time")) or timezone.now()
    session.save(update_fields=["live_status", "actual_start", "modified"])


def _meeting_ended(session: ZoomSession, obj: dict) -> None:
    session.live_status = ZoomSession.LiveStatus.ENDED
    session.actual_start = session.actual_start or _parse_time(obj.get("start_time"))
    session.actual_end = _parse_time(obj.get("end_time")) or timezone.now()
    session.save(update_fields=["live_status", "actual_start", "actual_end", "modified"])


HANDLERS = {
    "started": _meeting_started,
    "ended": _meeting_ended,
}


def apply_event(event_id: int) -> str:
    """Apply one stored event once; returns the event's resulting status."""
    with transaction.atomic():
        event = WebhookEvent.objects.select_for_update().filter(id=event_id).first()
        if event is None or event.status != WebhookEvent.Status.RECEIVED:
            return event.status if event else "missing"
        action = event.event.split(".", 1)[-1]
        handler = HANDLERS.get(action)
        session = _session_for(event)
        if handler is None or session is None:
            event.status = WebhookEvent.Status.IGNORED
        else:
            handler(session, (event.payload.get("payload") or {}).get("object") or {})
            event.status = WebhookEvent.Status.APPLIED
        event.applied_at = timezone.now()
        event.save(update_fields=["status", "applied_at"])
        return event.status
