"""Account retirement: the plugin forgets a person whose account the platform retires.

The platform's retirement pipeline sends ``USER_RETIRE_LMS_MISC`` and ``USER_RETIRE_LMS_CRITICAL``
(``openedx/core/djangoapps/user_api/accounts/signals.py``) with the user, before renaming them.
The plugin then deletes the person's registrations, their attendance intervals (also the
walk-in ones matched by e-mail), their panelist rows, and blanks what stored Zoom webhooks say
about them (e-mail, name, registrant id, links), keeping the events themselves for the audit
trail. Registrants Zoom still holds for sessions yet to happen are cancelled in Zoom by a task.
Running it twice changes nothing more.
"""
import logging

from django.db import transaction
from django.db.models import Q

from zoom_xblock import intents
from zoom_xblock.models import AttendanceInterval, Panelist, Registration, WebhookEvent, ZoomSession

log = logging.getLogger(__name__)

# Keys of a Zoom participant or registrant object that name or reach the person.
PERSONAL_KEYS = ("email", "user_email", "user_name", "name", "first_name", "last_name",
                 "registrant_id", "join_url", "participant_user_id", "phone")
RETIRED = ""


def _is_about(obj: dict, emails: set[str], registrant_ids: set[str]) -> bool:
    for key in ("email", "user_email"):
        value = obj.get(key)
        if isinstance(value, str) and value.strip().lower() in emails:
            return True
    value = obj.get("registrant_id") or obj.get("id")
    return isinstance(value, str) and value in registrant_ids


def scrub(payload, emails: set[str], registrant_ids: set[str]):
    """The payload with every object about the person blanked (a copy; others untouched)."""
    if isinstance(payload, list):
        return [scrub(item, emails, registrant_ids) for item in payload]
    if not isinstance(payload, dict):
        return payload
    cleaned = {key: scrub(value, emails, registrant_ids) for key, value in payload.items()}
    if _is_about(payload, emails, registrant_ids):
        for key in PERSONAL_KEYS:
            if key in cleaned:
                cleaned[key] = RETIRED
        if cleaned.get("id") in registrant_ids:
            cleaned["id"] = RETIRED
    return cleaned


def purge_user(user_id: int, email: str = "") -> dict:
    """Delete the plugin's personal data about the user; queue Zoom's cancellations.

    ``email`` is the account's address when the signal came; the addresses the plugin
    registered the person with count too (the platform may have replaced it already).
    """
    with transaction.atomic():
        registrations = list(Registration.objects.filter(user_id=user_id).select_related(
            "session"))
        emails = {e.strip().lower() for e in [email, *(r.email for r in registrations)]
                  if e and e.strip()}
        registrant_ids = {r.registrant_id for r in registrations if r.registrant_id}
        in_zoom = _still_in_zoom(registrations)
        person = Q(registration__in=registrations) | Q(registrant_id__in=registrant_ids)
        panelist = Q(user_id=user_id)
        for address in emails:
            person |= Q(email__iexact=address)
            panelist |= Q(email__iexact=address)
        intervals = AttendanceInterval.objects.filter(person).delete()[0]
        panelists = Panelist.objects.filter(panelist).delete()[0]
        mentions = Q(pk__in=[])
        for needle in sorted(emails | registrant_ids):
            mentions |= Q(payload__icontains=needle)
        scrubbed = 0
        for event in WebhookEvent.objects.filter(mentions):
            cleaned = scrub(event.payload, emails, registrant_ids)
            if cleaned != event.payload:
                event.payload = cleaned
                event.save(update_fields=["payload"])
                scrubbed += 1
        deleted = Registration.objects.filter(id__in=[r.id for r in registrations]).delete()[0]
        for session_id, registrants in in_zoom.items():
            transaction.on_commit(
                lambda s=session_id, r=registrants: intents.queue_cancellation(s, r))
    log.info("Retired user %s: %s registrations, %s attendance intervals, %s panelist rows "
             "deleted; %s webhook events scrubbed", user_id, deleted, intervals, panelists,
             scrubbed)
    return {"registrations": deleted, "intervals": intervals, "panelists": panelists,
            "webhook_events": scrubbed, "zoom_cancellations": len(in_zoom)}


def _still_in_zoom(registrations) -> dict[int, list[dict]]:
    """Registrants Zoom holds for sessions that have not ended, by session."""
    pending = {}
    for row in registrations:
        session = row.session
        if (row.registrant_id and row.state == Registration.State.REGISTERED
                and session.in_zoom
                and session.live_status != ZoomSession.LiveStatus.ENDED):
            pending.setdefault(session.id, []).append({"id": row.registrant_id,
                                                       "email": row.email})
    return pending


def cancel_in_zoom(session_id: int, registrants: list[dict]) -> dict:
    """Cancel the registrants in Zoom (a meeting already gone there needs nothing)."""
    from zoom_xblock.accounts import session_account_name  # pylint: disable=import-outside-toplevel
    from zoom_xblock.clients import NotConfigured, get_client  # pylint: disable=import-outside-toplevel
    from zoom_xblock.zoom import ZoomNotFound  # pylint: disable=import-outside-toplevel

    session = ZoomSession.objects.filter(id=session_id).first()
    if session is None or not session.in_zoom or not registrants:
        return {"cancelled": 0}
    try:
        get_client(account=session_account_name(session)).set_registrant_status(
            session.kind, session.zoom_id, "cancel", registrants)
    except (ZoomNotFound, NotConfigured):
        return {"cancelled": 0}
    return {"cancelled": len(registrants)}
