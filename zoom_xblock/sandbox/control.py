"""The control API under ``/_sandbox/`` (JSON), for tests, the demo and benchmarks.

It plays "Zoom and the people in it": resets state, adds users, injects faults, starts and
ends meetings, makes participants join and leave, edits or deletes meetings as someone
else would, moves the clock, and reports statistics. See ``ROUTES`` for the list.
"""
from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from . import event_payloads
from .api import json_body
from .clock import iso
from .records import APPROVED, Meeting, Registrant
from .refusals import SandboxRefusal, validation_error
from .state import stable_user_id
from .validation import clean_meeting_body

# Someone editing in Zoom's own web pages is not held to the API's duration check (the
# plugin must cope with what they leave there).
ZOOM_UI_MAX_DURATION = 100_000

if TYPE_CHECKING:
    from .app import SandboxApp

Result = tuple[int, Any]
DEFAULT_OPERATOR = "admin@example.com"


def index(sandbox: SandboxApp, request: Request) -> Result:
    return 200, {"routes": [f"{method} /_sandbox{rule}" for method, rule, _ in ROUTES]}


def reset(sandbox: SandboxApp, request: Request) -> Result:
    """Back to the seed users, real time, no faults, no deliveries, zeroed stats."""
    sandbox.reset()
    return 200, {"reset": True}


def get_config(sandbox: SandboxApp, request: Request) -> Result:
    return 200, {**sandbox.config.public_dict(), "base_url": sandbox.state.base_url}


def list_users(sandbox: SandboxApp, request: Request) -> Result:
    return 200, {"users": [user.to_dict() for user in sandbox.state.users.values()]}


def create_user(sandbox: SandboxApp, request: Request) -> Result:
    return 201, sandbox.state.upsert_user(json_body(request)).to_dict()


def set_account(sandbox: SandboxApp, request: Request) -> Result:
    """``{"webinar_plan": bool}``: give the account a Zoom Webinar plan, or take it away
    (without one, no user can host a webinar, as in Zoom); back to the config on reset."""
    body = json_body(request)
    if isinstance(body.get("webinar_plan"), bool):
        sandbox.state.webinar_plan = body["webinar_plan"]
    return 200, {"webinar_plan": sandbox.state.webinar_plan}


def dump_state(sandbox: SandboxApp, request: Request) -> Result:
    return 200, sandbox.state.dump()


def get_faults(sandbox: SandboxApp, request: Request) -> Result:
    return 200, {**sandbox.faults.to_dict(),
                 "drop_webhooks": sandbox.webhooks.drop_remaining}


def set_faults(sandbox: SandboxApp, request: Request) -> Result:
    """Body: any of error_ratio, latency_ms, timeout_ratio, timeout_seconds,
    expire_tokens (bool), drop_webhooks (count)."""
    body = json_body(request)
    if body.pop("expire_tokens", False):
        sandbox.state.expire_tokens()
    if "drop_webhooks" in body:
        sandbox.webhooks.drop_next(int(body.pop("drop_webhooks")))
    sandbox.faults.update(body)
    return get_faults(sandbox, request)


def clear_faults(sandbox: SandboxApp, request: Request) -> Result:
    sandbox.faults.clear()
    sandbox.webhooks.drop_next(0)
    return get_faults(sandbox, request)


def expire_tokens(sandbox: SandboxApp, request: Request) -> Result:
    return 200, {"expired": sandbox.state.expire_tokens()}


def list_webhooks(sandbox: SandboxApp, request: Request) -> Result:
    return 200, {"deliveries": sandbox.webhooks.deliveries(request.args.get("event"))}


def clear_webhooks(sandbox: SandboxApp, request: Request) -> Result:
    sandbox.webhooks.clear()
    return 200, {"deliveries": []}


def drop_webhooks(sandbox: SandboxApp, request: Request) -> Result:
    sandbox.webhooks.drop_next(int(json_body(request).get("count", 1)))
    return 200, {"drop_webhooks": sandbox.webhooks.drop_remaining}


def wait_webhooks(sandbox: SandboxApp, request: Request) -> Result:
    """Wait (outside the state lock) until every queued webhook is sent or given up."""
    idle = sandbox.webhooks.wait_idle(float(json_body(request).get("timeout", 10)))
    return 200, {"idle": idle}


def validate_webhooks(sandbox: SandboxApp, request: Request) -> Result:
    return 200, sandbox.webhooks.validate_endpoints()


def _meeting(sandbox: SandboxApp, meeting_id: str) -> Meeting:
    return sandbox.state.get_meeting(None, meeting_id)


def _operator(body: dict[str, Any]) -> tuple[str, str]:
    operator = str(body.get("operator") or DEFAULT_OPERATOR)
    return operator, stable_user_id(operator)


def start_meeting(sandbox: SandboxApp, request: Request, meeting_id: str) -> Result:
    meeting = _meeting(sandbox, meeting_id)
    started = sandbox.state.start_meeting(meeting)
    return 200, {"started": started, "uuid": meeting.uuid, "status": meeting.status}


def end_meeting(sandbox: SandboxApp, request: Request, meeting_id: str) -> Result:
    meeting = _meeting(sandbox, meeting_id)
    ended = sandbox.state.end_meeting(meeting)
    return 200, {"ended": ended, "uuid": meeting.uuid, "status": meeting.status}


def zoom_side_update(sandbox: SandboxApp, request: Request, meeting_id: str) -> Result:
    """Someone edits the meeting in Zoom: ``meeting.updated`` with ``old_object``.

    Body: the fields to change (as for PATCH) plus an optional ``operator`` e-mail.
    """
    meeting = _meeting(sandbox, meeting_id)
    body = json_body(request)
    operator, operator_id = _operator(body)
    changes = {key: value for key, value in body.items() if key != "operator"}
    fields = clean_meeting_body(meeting.kind, changes, partial=True,
                                default_timezone=meeting.timezone,
                                max_duration=ZOOM_UI_MAX_DURATION)
    changed, previous = sandbox.state.update_meeting(meeting, fields)
    if changed:
        sandbox.state.emit(event_payloads.meeting_updated(
            meeting, changed, previous, operator, operator_id, sandbox.config.account_id,
            sandbox.clock.now()))
    return 200, {"changed": changed, "previous": previous}


def zoom_side_delete(sandbox: SandboxApp, request: Request, meeting_id: str) -> Result:
    """Someone deletes the meeting in Zoom: ``meeting.deleted``."""
    meeting = _meeting(sandbox, meeting_id)
    operator, operator_id = _operator(json_body(request))
    sandbox.state.end_meeting(meeting)
    sandbox.state.delete_meeting(meeting)
    sandbox.state.emit(event_payloads.meeting_deleted(meeting, operator, operator_id,
                                              sandbox.config.account_id, sandbox.clock.now()))
    return 200, {"deleted": meeting.id}


def zoom_side_cancel(sandbox: SandboxApp, request: Request, meeting_id: str) -> Result:
    """Someone cancels a registration in Zoom: ``meeting.registration_cancelled``.

    Body: ``{registrant_id}`` or ``{email}``, optional ``operator``.
    """
    meeting = _meeting(sandbox, meeting_id)
    body = json_body(request)
    registrants = sandbox.state.find_registrants(
        meeting, [{"id": body.get("registrant_id"), "email": body.get("email")}])
    if not registrants:
        raise SandboxRefusal(404, 3001, "Registrant not found.")
    operator, _ = _operator(body)
    changed = sandbox.state.set_registrant_status(meeting, registrants, "cancel",
                                                  operator=operator)
    return 200, {"cancelled": [reg.id for reg in changed]}


def complete_recording(sandbox: SandboxApp, request: Request, meeting_id: str) -> Result:
    """Send ``recording.completed`` (share_url, recording_files, download_token)."""
    meeting = _meeting(sandbox, meeting_id)
    duration = int(json_body(request).get("duration_minutes", meeting.duration or 60))
    recording_id = secrets.token_hex(8)
    download_token = secrets.token_urlsafe(32)
    payload = event_payloads.recording_completed(
        meeting, meeting.host_email, sandbox.state.base_url, recording_id, download_token,
        duration, sandbox.config.account_id, sandbox.clock.now())
    sandbox.state.recordings[recording_id] = {
        "id": recording_id, "meeting_id": meeting.id, "topic": meeting.topic,
        "download_token": download_token, **payload["payload"]["object"]}
    sandbox.state.emit(payload)
    return 201, payload


def _find_registrant(sandbox: SandboxApp, registrant_id: str) -> tuple[Meeting, Registrant]:
    for meeting in sandbox.state.meetings.values():
        if registrant_id in meeting.registrants:
            return meeting, meeting.registrants[registrant_id]
    raise SandboxRefusal(404, 3001, f"Registrant not found: {registrant_id}.")


def participant_join(sandbox: SandboxApp, request: Request) -> Result:
    """Body: ``{registrant_id}`` (an approved registrant), or
    ``{meeting_id, name, email}`` for a guest, panelist or host."""
    body = json_body(request)
    if body.get("registrant_id"):
        meeting, registrant = _find_registrant(sandbox, str(body["registrant_id"]))
        if meeting.deleted:
            raise SandboxRefusal(404, 3001, f"Meeting {meeting.id} is not found or has expired.")
        if registrant.status != APPROVED:
            raise SandboxRefusal(400, 3000, f"Registrant is {registrant.status}, not approved.")
        part, joined = sandbox.state.join(meeting, name=registrant.name,
                                          email=registrant.email, role="attendee",
                                          registrant_id=registrant.id)
    else:
        meeting = _meeting(sandbox, body.get("meeting_id", ""))
        if not body.get("name"):
            raise validation_error("name", "name is required.")
        part, joined = sandbox.state.join(meeting, name=str(body["name"]),
                                          email=str(body.get("email", "")),
                                          role=str(body.get("role", "guest")))
    return 200, {**part.to_dict(), "meeting_id": meeting.id, "joined": joined}


def participant_leave(sandbox: SandboxApp, request: Request) -> Result:
    """Body: ``{registrant_id}``, or ``{meeting_id, email | participant_uuid}``."""
    body = json_body(request)
    if body.get("registrant_id"):
        meeting, registrant = _find_registrant(sandbox, str(body["registrant_id"]))
        part = sandbox.state.find_participation(meeting, email=registrant.email)
    else:
        meeting = _meeting(sandbox, body.get("meeting_id", ""))
        part = sandbox.state.find_participation(
            meeting, email=str(body.get("email", "")),
            participant_uuid=str(body.get("participant_uuid", "")))
    if part is None:
        raise SandboxRefusal(404, 3001, "This person is not in the meeting.")
    sandbox.state.leave(meeting, part)
    return 200, {**part.to_dict(), "meeting_id": meeting.id}


def get_clock(sandbox: SandboxApp, request: Request) -> Result:
    return 200, {"now": iso(sandbox.clock.now()), "offset_seconds": sandbox.clock.offset}


def advance_clock(sandbox: SandboxApp, request: Request) -> Result:
    """Body: any of seconds, minutes, hours, days (summed)."""
    body = json_body(request)
    seconds = (float(body.get("seconds", 0)) + 60 * float(body.get("minutes", 0))
               + 3600 * float(body.get("hours", 0)) + 86400 * float(body.get("days", 0)))
    sandbox.clock.advance(seconds)
    return get_clock(sandbox, request)


def get_stats(sandbox: SandboxApp, request: Request) -> Result:
    stats = sandbox.stats.snapshot()
    deliveries = sandbox.webhooks.deliveries()
    stats["webhooks"] = {
        "sent": sum(1 for item in deliveries if item["ok"]),
        "failed": sum(1 for item in deliveries if item["done"] and not item["ok"]
                      and not item["dropped"]),
        "dropped": sum(1 for item in deliveries if item["dropped"]),
        "pending": sum(1 for item in deliveries if not item["done"]),
    }
    return 200, stats


def reset_stats(sandbox: SandboxApp, request: Request) -> Result:
    sandbox.stats.reset()
    return get_stats(sandbox, request)


# (method, rule below /_sandbox, handler); handlers marked in UNLOCKED run without the lock.
ROUTES: tuple[tuple[str, str, Callable[..., Result]], ...] = (
    ("GET", "/", index),
    ("POST", "/reset", reset),
    ("GET", "/config", get_config),
    ("GET", "/users", list_users),
    ("POST", "/users", create_user),
    ("POST", "/account", set_account),
    ("GET", "/state", dump_state),
    ("GET", "/faults", get_faults),
    ("POST", "/faults", set_faults),
    ("DELETE", "/faults", clear_faults),
    ("POST", "/tokens/expire", expire_tokens),
    ("GET", "/webhooks", list_webhooks),
    ("DELETE", "/webhooks", clear_webhooks),
    ("POST", "/webhooks/drop", drop_webhooks),
    ("POST", "/webhooks/wait", wait_webhooks),
    ("POST", "/webhooks/validate", validate_webhooks),
    ("POST", "/meetings/<meeting_id>/start", start_meeting),
    ("POST", "/meetings/<meeting_id>/end", end_meeting),
    ("POST", "/meetings/<meeting_id>/update", zoom_side_update),
    ("POST", "/meetings/<meeting_id>/delete", zoom_side_delete),
    ("POST", "/meetings/<meeting_id>/registrants/cancel", zoom_side_cancel),
    ("POST", "/meetings/<meeting_id>/recording", complete_recording),
    ("POST", "/participants/join", participant_join),
    ("POST", "/participants/leave", participant_leave),
    ("GET", "/clock", get_clock),
    ("POST", "/clock/advance", advance_clock),
    ("GET", "/stats", get_stats),
    ("POST", "/stats/reset", reset_stats),
    ("DELETE", "/stats", reset_stats),
)
UNLOCKED = (wait_webhooks, validate_webhooks)
