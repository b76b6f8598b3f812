"""Webhook payloads in Zoom's shapes (zoom-api.md section 5).

Every event is ``{event, event_ts (ms), payload: {account_id, object: {...}}}``. As on Zoom,
``object.id`` is a string in the started/ended/participant events and a number in the
updated/deleted/registration/recording events.
"""
from __future__ import annotations

from typing import Any

from .clock import iso
from .records import Meeting, Participation, Registrant


def envelope(event: str, account_id: str, now: float, payload: dict[str, Any],
             **top_level: Any) -> dict[str, Any]:
    """Wrap a payload the way Zoom does."""
    return {"event": event, "event_ts": int(now * 1000),
            "payload": {"account_id": account_id, **payload}, **top_level}


def _numeric_object(meeting: Meeting) -> dict[str, Any]:
    return {**meeting.webhook_object(), "id": meeting.id}


def meeting_started(meeting: Meeting, account_id: str, now: float) -> dict[str, Any]:
    return envelope(f"{meeting.noun}.started", account_id, now,
                    {"object": meeting.webhook_object()})


def meeting_ended(meeting: Meeting, account_id: str, now: float) -> dict[str, Any]:
    obj = {**meeting.webhook_object(), "end_time": iso(now)}
    return envelope(f"{meeting.noun}.ended", account_id, now, {"object": obj})


def participant_event(meeting: Meeting, part: Participation, joined: bool, account_id: str,
                      now: float) -> dict[str, Any]:
    """``meeting.participant_joined`` / ``_left`` (or the ``webinar.*`` ones)."""
    participant: dict[str, Any] = {
        "user_id": part.user_id, "user_name": part.name, "id": part.zoom_user_id,
        "participant_uuid": part.participant_uuid, "email": part.email,
        "participant_user_id": part.zoom_user_id,
    }
    if part.registrant_id:
        participant["registrant_id"] = part.registrant_id
    if joined:
        participant["join_time"] = iso(part.join_time)
    else:
        participant["leave_time"] = iso(part.leave_time or now)
        participant["leave_reason"] = "left the meeting"
    obj = {**meeting.webhook_object(), "participant": participant}
    suffix = "participant_joined" if joined else "participant_left"
    return envelope(f"{meeting.noun}.{suffix}", account_id, now, {"object": obj})


def meeting_updated(meeting: Meeting, changed: dict[str, Any], previous: dict[str, Any],
                    operator: str, operator_id: str, account_id: str,
                    now: float) -> dict[str, Any]:
    """``meeting.updated``: ``object`` holds the new values, ``old_object`` the old ones."""
    payload = {
        "operator": operator, "operator_id": operator_id, "operation": "single",
        "time_stamp": int(now * 1000),
        "object": {"id": meeting.id, "uuid": meeting.uuid, **changed},
        "old_object": {"id": meeting.id, "uuid": meeting.uuid, **previous},
    }
    return envelope(f"{meeting.noun}.updated", account_id, now, payload)


def meeting_deleted(meeting: Meeting, operator: str, operator_id: str, account_id: str,
                    now: float) -> dict[str, Any]:
    payload = {"operator": operator, "operator_id": operator_id, "operation": "single",
               "object": _numeric_object(meeting)}
    return envelope(f"{meeting.noun}.deleted", account_id, now, payload)


def registration_event(meeting: Meeting, registrant: Registrant, suffix: str, join_url: str,
                       operator: str, operator_id: str, account_id: str,
                       now: float) -> dict[str, Any]:
    """``meeting.registration_created`` / ``_approved`` / ``_cancelled`` / ``_denied``."""
    registrant_object: dict[str, Any] = {
        "id": registrant.id, "first_name": registrant.first_name,
        "last_name": registrant.last_name, "email": registrant.email,
        "status": registrant.status, "create_time": registrant.create_time,
    }
    if registrant.status == "approved":
        registrant_object["join_url"] = join_url
    obj = {**_numeric_object(meeting), "occurrences": [], "registrant": registrant_object}
    payload = {"operator": operator, "operator_id": operator_id, "object": obj}
    return envelope(f"{meeting.noun}.registration_{suffix}", account_id, now, payload)


def recording_completed(meeting: Meeting, host_email: str, base_url: str, recording_id: str,
                        download_token: str, duration_minutes: int, account_id: str,
                        now: float) -> dict[str, Any]:
    """``recording.completed`` with a share URL, files and the top-level download token."""
    start = meeting.started_at or now - duration_minutes * 60
    end = start + duration_minutes * 60
    files = []
    for index, (file_type, recording_type) in enumerate(
            (("MP4", "shared_screen_with_speaker_view"), ("M4A", "audio_only"))):
        file_id = f"{recording_id}-{index}"
        files.append({
            "id": file_id, "meeting_id": meeting.uuid, "recording_start": iso(start),
            "recording_end": iso(end), "file_type": file_type,
            "file_extension": file_type, "file_size": 1024 * (index + 1),
            "play_url": f"{base_url}/rec/play/{file_id}",
            "download_url": f"{base_url}/rec/download/{file_id}",
            "status": "completed", "recording_type": recording_type,
        })
    obj = {
        **_numeric_object(meeting), "account_id": account_id, "host_email": host_email,
        "total_size": sum(item["file_size"] for item in files),
        "recording_count": len(files), "share_url": f"{base_url}/rec/share/{recording_id}",
        "recording_files": files, "password": "", "recording_play_passcode": "",
    }
    return envelope("recording.completed", account_id, now, {"object": obj},
                    download_token=download_token)
