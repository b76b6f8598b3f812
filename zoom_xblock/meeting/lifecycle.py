"""The meeting or webinar in Zoom follows the session the author recorded.

:func:`apply_session` creates the meeting on the first save and updates the same one afterwards
(an edit never deletes and recreates, so links stay stable); :func:`delete_session` deletes it
when the block is deleted. Both run in a Celery task, under a per-session lock, and are
idempotent: the session's ``desired_version`` / ``synced_version`` pair says whether Zoom is
behind. Zoom's 100-per-day create/update quota per host defers the work to the reset time, once
per host: the host's other sessions defer without spending a request to learn it.

A create that Zoom may have applied although it answered 5xx or timed out is never simply sent
again: the meeting carries a marker (the agenda's last line, unique to the block), and the next
attempt first looks for it among the host's meetings, adopts it, and deletes any duplicate the
plugin made.
"""
import logging
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from zoom_xblock import intents, panelists, problems, zoom_side
from zoom_xblock.accounts import course_account_name, session_account_name
from zoom_xblock.clients import NotConfigured, get_client
from zoom_xblock.conf import get_config
from zoom_xblock.intents import nudge_sync
from zoom_xblock.locks import exclusive
from zoom_xblock.meeting import drift, organizer_emails
from zoom_xblock.meeting.zoom_body import LISTED_AGENDA, creation_marker, zoom_payload
from zoom_xblock.models import Registration, SessionAlert, ZoomSession
from zoom_xblock.wording import stored
from zoom_xblock.zoom import (
    HOST_ALTERNATIVE_REFUSED,
    ZoomError,
    ZoomHostError,
    ZoomNotFound,
    ZoomQuotaExceeded,
    ZoomRateLimited,
    ZoomUnavailable,
    ZoomValidationError,
    is_ambiguous,
)
from zoom_xblock.zoom.limits import next_utc_midnight

log = logging.getLogger(__name__)

RETRY_AFTER_UNAVAILABLE = timedelta(minutes=2)
HOST_QUOTA_KEY = "zoom_xblock:host-quota:{kind}:{host}"


class RetryLater(Exception):
    """Zoom could not be reached; the task should run again at ``when``."""

    def __init__(self, when: datetime):
        super().__init__(when.isoformat())
        self.when = when


def unavailable_detail(error: ZoomError) -> str:
    """What Zoom (or the network) last said, short, for the "not answering" state."""
    detail = str(error.message or "")[:200]
    if error.status:
        return f"HTTP {error.status}" + (f": {detail}" if detail else "")
    return detail or type(error).__name__


def _fail(session: ZoomSession, message: str, code: str = "") -> dict:
    session.status = ZoomSession.Status.FAILED
    session.last_error, session.last_error_code = message, str(code)
    session.save(update_fields=["status", "last_error", "last_error_code", "modified"])
    return {"status": session.status, "error": message}


def _host_key(session: ZoomSession) -> str:
    return HOST_QUOTA_KEY.format(kind=session.kind, host=session.host_email.lower())


def _host_quota_until(session: ZoomSession) -> datetime | None:
    """When the host's daily quota resets, if another session of theirs already hit it."""
    value = cache.get(_host_key(session))
    moment = datetime.fromisoformat(value) if value else None
    return moment if moment and moment > timezone.now() else None


def _defer(session: ZoomSession, error: ZoomQuotaExceeded | None,
           resets_at: datetime | None = None) -> dict:
    resets_at = (resets_at or (error.resets_at if error else None)
                 or next_utc_midnight(timezone.now()))
    if error is not None:  # tell the host's other sessions, so they wait without asking Zoom
        ttl = max(1, int((resets_at - timezone.now()).total_seconds()))
        cache.set(_host_key(session), resets_at.isoformat(), timeout=ttl)
    session.status = ZoomSession.Status.DEFERRED
    session.deferred_until = resets_at
    session.last_error = problems.daily_limit_message(resets_at)
    session.last_error_code = problems.DAILY_LIMIT
    session.save(update_fields=["status", "deferred_until", "last_error", "last_error_code",
                                "modified"])
    SessionAlert.objects.get_or_create(
        session=session, kind=SessionAlert.Kind.QUOTA, resolved_at=None,
        defaults={"message": session.last_error},
    )
    return {"status": session.status, "deferred_until": resets_at.isoformat()}


def apply_session(session_id: int) -> dict:
    """Bring Zoom in line with the session's desired settings (create or update)."""
    with exclusive(f"apply:{session_id}", wait=30) as acquired:
        if not acquired:
            return {"skipped": "locked"}
        session = ZoomSession.objects.filter(id=session_id).first()
        if session is None or session.status in (ZoomSession.Status.DELETING,
                                                  ZoomSession.Status.DELETED):
            return {"skipped": "gone"}
        if session.deferred_until and session.deferred_until > timezone.now():
            return {"skipped": "deferred", "until": session.deferred_until.isoformat()}
        if session.zoom_id and session.synced_version >= session.desired_version:
            return {"status": session.status, "unchanged": True}
        return _apply(session)


def _apply(session: ZoomSession) -> dict:
    version = session.desired_version
    payload = zoom_payload(session, creating=session.zoom_id is None)
    previous = dict(session.applied_settings or {})
    waiting = _host_quota_until(session)
    if waiting:
        return _defer(session, None, waiting)
    outcome = _send_to_zoom(session, payload, previous)
    if outcome is not None:
        return outcome
    return _record_applied(session, payload, previous, version)


def _send_to_zoom(session: ZoomSession, payload: dict, previous: dict) -> dict | None:
    """Create the meeting in Zoom, or update it: None when Zoom took the change, else what
    became of the session (failed, deferred, deleted in Zoom). Raises :class:`RetryLater`
    when Zoom is not answering."""
    # A new meeting goes to the course's account now; an existing one stays in its own.
    account = (course_account_name(session.course_key) if session.zoom_id is None
               else session_account_name(session))
    try:
        client = get_client(account=account)
        if session.zoom_id is None:
            created = _create_once(client, session, payload)
            session.zoom_account = account
            session.zoom_id = int(created["id"])
            session.zoom_uuid = str(created.get("uuid") or "")
            session.registration_url = created.get("registration_url") or ""
        else:
            if previous.get("host") and previous["host"] != session.host_email:
                payload["schedule_for"] = session.host_email
            client.update(session.kind, session.zoom_id, payload)
    except NotConfigured:
        return _fail(session, stored("not_configured", missing=get_config().missing_credentials),
                     "not_configured")
    except ZoomQuotaExceeded as error:
        if error.quota == "registrant":
            raise
        return _defer(session, error)
    except ZoomHostError as error:
        # Worded when shown, with the Studio editor's words for the organizer (or the
        # alternative hosts) field.
        if error.reason == HOST_ALTERNATIVE_REFUSED:
            return _fail(session, stored(
                "alternative_hosts_refused", reason=error.reason,
                emails=list(error.addresses or session.alternative_hosts or [])), error.code)
        return _fail(session, stored("host_refused", reason=error.reason,
                                     email=session.host_email), error.code)
    except ZoomNotFound:
        zoom_side.mark_deleted_in_zoom(session)
        return {"status": session.status}
    except ZoomValidationError as error:
        fields = "; ".join(f"{e.field}: {e.message}" for e in error.field_errors)
        return _fail(session, stored("zoom_refused_session", details=fields or error.message),
                     error.code)
    except (ZoomUnavailable, ZoomRateLimited) as error:
        retry_at = timezone.now() + RETRY_AFTER_UNAVAILABLE
        # The author and staff views show "Zoom is not answering; retrying at HH:MM" from this.
        session.last_error = stored("zoom_unavailable", retry_at=retry_at.isoformat(),
                                    detail=unavailable_detail(error))
        session.last_error_code = str(error.code or error.status or "unavailable")
        fields = ["last_error", "last_error_code", "modified"]
        if session.zoom_id is None and is_ambiguous(error):
            session.create_attempted_at = session.create_attempted_at or timezone.now()
            fields.append("create_attempted_at")
        session.save(update_fields=fields)
        raise RetryLater(retry_at) from error
    except ZoomError as error:
        return _fail(session, stored("zoom_refused_session", details=error.message),
                     error.code)
    return None


def _record_applied(session: ZoomSession, payload: dict, previous: dict, version: int) -> dict:
    """Record what Zoom now has (the settings sent, the version), then what follows: drift
    put back, organizers and learners told, the learners synced, the panelists."""
    applied = {**payload, "host": session.host_email}
    session.create_attempted_at = None
    session.applied_settings = applied
    session.synced_version = version
    session.status = ZoomSession.Status.SCHEDULED
    session.deferred_until = None
    session.last_error = session.last_error_code = ""
    session.save()
    SessionAlert.objects.filter(session=session, kind=SessionAlert.Kind.QUOTA,
                                resolved_at=None).update(resolved_at=timezone.now())
    if previous:
        drift.mark_drift_restored(session, timezone.now())
    organizer_emails.organizer_changes(session, previous, applied)
    if previous:
        # A new schedule reaches the registered learners.
        intents.request_learner_messages(session.id)
    if not previous:
        nudge_sync([session.id], "scheduled")  # learners enrolled before Zoom had the meeting
    if session.kind == ZoomSession.Kind.WEBINAR:
        panelists.sync_panelists(session)
    if ZoomSession.objects.filter(id=session.id, desired_version__gt=version).exists():
        return apply_session(session.id)  # edited again while Zoom was answering
    return {"status": session.status, "zoom_id": session.zoom_id}


def _create_once(client, session: ZoomSession, payload: dict) -> dict:
    """Create the meeting, unless an earlier create that Zoom may have applied did it.

    After an ambiguous answer (``create_attempted_at`` set) the host's meetings are listed
    first: those with this block's marker were made by the plugin; the oldest is adopted and
    the others (true orphans of earlier attempts) are deleted.
    """
    if session.create_attempted_at is not None:
        found = find_created(client, session)
        if found:
            keep, *orphans = found
            for orphan in orphans:
                try:
                    client.delete(session.kind, orphan["id"], notify=False)
                except ZoomNotFound:
                    pass
                log.warning("zoom session=%s deleted duplicate meeting %s", session.id,
                            orphan["id"])
            log.info("zoom session=%s adopted meeting %s made by an earlier attempt",
                     session.id, keep["id"])
            return keep
    return client.create(session.kind, session.host_email, payload)


def find_created(client, session: ZoomSession) -> list[dict]:
    """The host's meetings that carry this block's marker, oldest first (full details)."""
    marker = creation_marker(session)
    found = []
    for item in client.list_scheduled(session.kind, session.host_email):
        agenda = str(item.get("agenda") or "")
        if marker in agenda:
            found.append(item)
        elif len(agenda) >= LISTED_AGENDA - len(marker):
            # The list cuts agendas to 250 characters: read the whole one (the title may have
            # changed since, so it is no help).
            details = client.get(session.kind, item["id"])
            if (details.get("agenda") or "").rstrip().endswith(marker):
                found.append(details)
    return sorted(found, key=lambda meeting: (str(meeting.get("created_at") or ""),
                                              int(meeting["id"])))


def delete_session(usage_key: str) -> dict:
    """Delete the meeting of a deleted block (gone already in Zoom counts as done)."""
    session = ZoomSession.objects.filter(usage_key=usage_key).first()
    if session is None:
        return {"skipped": "unknown"}
    with exclusive(f"apply:{session.id}", wait=30):
        if session.zoom_id is not None:
            try:
                get_client(account=session_account_name(session)).delete(
                    session.kind, session.zoom_id, notify=session.zoom_emails)
            except ZoomNotFound:
                pass
            except (ZoomUnavailable, ZoomRateLimited) as error:
                raise RetryLater(timezone.now() + RETRY_AFTER_UNAVAILABLE) from error
        session.status = ZoomSession.Status.DELETED
        session.save(update_fields=["status", "modified"])
        Registration.objects.filter(session=session).exclude(
            state=Registration.State.CANCELLED).update(
            state=Registration.State.CANCELLED, wanted=False, cancelled_at=timezone.now())
    intents.request_learner_messages(session.id)  # "cancelled" to those who were registered
    return {"status": session.status}


def retry_deferred() -> int:
    """Queue every session whose quota deferral has passed (run by the sweep)."""
    from zoom_xblock.intents import queue_apply  # pylint: disable=import-outside-toplevel

    due_sessions = list(ZoomSession.objects.filter(
        status=ZoomSession.Status.DEFERRED, deferred_until__lte=timezone.now()
    ).only("id", "kind", "host_email"))
    due = [session.id for session in due_sessions]
    cache.delete_many(list({_host_key(session) for session in due_sessions}))  # reset passed
    ZoomSession.objects.filter(id__in=due).update(deferred_until=None)
    for session_id in due:
        queue_apply(session_id)
    return len(due)
