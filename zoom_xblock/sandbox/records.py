"""The sandbox's records (users, meetings/webinars, registrants, panelists, participants)
and how each one is shown in Zoom's API shapes."""
from __future__ import annotations

import dataclasses
from typing import Any

from .clock import iso

MEETINGS = "meetings"
WEBINARS = "webinars"
KINDS = (MEETINGS, WEBINARS)

BASIC = 1
LICENSED = 2

APPROVED = "approved"
PENDING = "pending"
DENIED = "denied"
CANCELLED = "cancelled"

NO_REGISTRATION = 2  # settings.approval_type

MEETING_SETTINGS: dict[str, Any] = {
    "host_video": False, "participant_video": False, "join_before_host": False,
    "jbh_time": 0, "mute_upon_entry": False, "watermark": False, "use_pmi": False,
    "approval_type": NO_REGISTRATION, "registration_type": 1, "audio": "voip",
    "auto_recording": "none", "enforce_login": False, "waiting_room": False,
    "alternative_hosts": "", "alternative_hosts_email_notification": True,
    "close_registration": False, "show_share_button": False,
    "allow_multiple_devices": False, "registrants_confirmation_email": True,
    "registrants_email_notification": True, "meeting_authentication": False,
    "email_notification": True, "private_meeting": False, "in_meeting": False,
    "cn_meeting": False, "global_dial_in_countries": [], "global_dial_in_numbers": [],
}
WEBINAR_SETTINGS: dict[str, Any] = {
    "host_video": False, "panelists_video": False, "practice_session": False,
    "hd_video": False, "hd_video_for_attendees": False, "approval_type": NO_REGISTRATION,
    "registration_type": 1, "audio": "voip", "auto_recording": "none",
    "enforce_login": False, "alternative_hosts": "", "close_registration": False,
    "show_share_button": False, "allow_multiple_devices": False, "on_demand": False,
    "registrants_confirmation_email": True, "registrants_email_notification": True,
    "notify_registrants": True, "post_webinar_survey": False,
    "meeting_authentication": False, "panelists_invitation_email_notification": True,
    "global_dial_in_countries": [],
}


@dataclasses.dataclass
class User:
    """A user of the sandbox account: type 1 basic or 2 licensed, maybe a webinar licence."""

    id: str
    email: str
    first_name: str
    last_name: str
    type: int
    webinar: bool
    created_at: str
    pmi: int
    account: str = ""  # another account's id: Zoom answers 1010 for this user

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def to_api(self, account_id: str, base_url: str) -> dict[str, Any]:
        """``GET /users/{userId}``."""
        return {
            "id": self.id, "email": self.email, "first_name": self.first_name,
            "last_name": self.last_name, "display_name": self.name, "type": self.type,
            "status": "active", "account_id": account_id, "account_number": 100000001,
            "role_name": "Member", "role_id": "2", "timezone": "UTC", "language": "en-US",
            "dept": "", "verified": 1, "pmi": self.pmi, "use_pmi": False,
            "personal_meeting_url": f"{base_url}/j/{self.pmi}",
            "created_at": self.created_at, "user_created_at": self.created_at,
            "last_login_time": self.created_at, "login_types": [100], "group_ids": [],
            "im_group_ids": [], "phone_number": "", "cluster": "sandbox",
        }

    def settings_to_api(self) -> dict[str, Any]:
        """``GET /users/{userId}/settings``: ``feature.webinar`` is the webinar licence."""
        return {
            "feature": {
                "meeting_capacity": 300 if self.type == LICENSED else 100,
                "large_meeting": False, "webinar": self.webinar,
                "webinar_capacity": 500 if self.webinar else 0,
                "cn_meeting": False, "zoom_events": False,
            },
            "schedule_meeting": {"host_video": False, "participants_video": False},
            "recording": {"cloud_recording": self.type == LICENSED},
        }

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclasses.dataclass
class Registrant:
    """A person registered to one meeting or webinar, with a personal join token."""

    id: str
    email: str
    first_name: str
    last_name: str
    status: str
    token: str
    create_time: str
    fields: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def to_api(self, join_url: str) -> dict[str, Any]:
        """An item of ``GET /meetings/{id}/registrants``."""
        item = {"id": self.id, "email": self.email, "first_name": self.first_name,
                "last_name": self.last_name, "status": self.status,
                "create_time": self.create_time, "join_url": join_url,
                "custom_questions": []}
        item.update(self.fields)
        return item


@dataclasses.dataclass
class Panelist:
    """A webinar panelist (joins with its own link)."""

    id: str
    email: str
    name: str
    token: str


@dataclasses.dataclass
class Participation:
    """One join/leave interval of one person in one meeting instance."""

    participant_uuid: str
    user_id: str  # per-meeting numeric id, as a string
    zoom_user_id: str  # the account user's id when signed in, else ""
    name: str
    email: str
    registrant_id: str
    role: str  # attendee, panelist, host or guest
    instance_uuid: str
    join_time: float
    leave_time: float | None = None

    def duration(self, now: float) -> int:
        end = self.leave_time if self.leave_time is not None else now
        return max(int(end - self.join_time), 0)

    def to_report(self, now: float, include_registrant_id: bool) -> dict[str, Any]:
        """An item of ``GET /report/meetings/{id}/participants``."""
        item = {
            "id": self.zoom_user_id, "user_id": self.user_id, "name": self.name,
            "user_email": self.email, "join_time": iso(self.join_time),
            "leave_time": iso(self.leave_time if self.leave_time is not None else now),
            "duration": self.duration(now), "failover": False,
            "status": "in_meeting", "customer_key": "",
            "participant_user_id": self.zoom_user_id,
        }
        if include_registrant_id:
            item["registrant_id"] = self.registrant_id
        return item

    def to_past(self, now: float) -> dict[str, Any]:
        """An item of ``GET /past_meetings/{uuid}/participants``."""
        return {
            "id": self.zoom_user_id, "user_id": self.user_id, "name": self.name,
            "user_email": self.email, "registrant_id": self.registrant_id,
            "join_time": iso(self.join_time),
            "leave_time": iso(self.leave_time if self.leave_time is not None else now),
            "duration": self.duration(now), "failover": False, "status": "in_meeting",
        }

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["join_time"] = iso(self.join_time)
        data["leave_time"] = iso(self.leave_time) if self.leave_time is not None else None
        return data


@dataclasses.dataclass
class Meeting:
    """A meeting (kind ``meetings``) or a webinar (kind ``webinars``)."""

    kind: str
    id: int
    uuid: str
    host_id: str
    host_email: str
    topic: str
    type: int
    start_time: str | None
    duration: int
    timezone: str
    agenda: str
    password: str
    created_at: str
    settings: dict[str, Any]
    registration_token: str
    status: str = "waiting"  # or "started"
    deleted: bool = False
    started_at: float | None = None
    ended_at: float | None = None
    instances: list[str] = dataclasses.field(default_factory=list)
    registrants: dict[str, Registrant] = dataclasses.field(default_factory=dict)
    registrant_ids_by_email: dict[str, str] = dataclasses.field(default_factory=dict)
    panelists: dict[str, Panelist] = dataclasses.field(default_factory=dict)
    participants: list[Participation] = dataclasses.field(default_factory=list)

    @property
    def noun(self) -> str:
        return "webinar" if self.kind == WEBINARS else "meeting"

    @property
    def registration_required(self) -> bool:
        return self.settings.get("approval_type", NO_REGISTRATION) != NO_REGISTRATION

    @property
    def path_letter(self) -> str:
        """Zoom's join links: ``/j/{id}`` for meetings, ``/w/{id}`` for webinars."""
        return "w" if self.kind == WEBINARS else "j"

    def join_url(self, base_url: str) -> str:
        return f"{base_url}/{self.path_letter}/{self.id}?pwd={self.password}"

    def personal_join_url(self, base_url: str, token: str) -> str:
        return f"{base_url}/{self.path_letter}/{self.id}?tk={token}"

    def registration_url(self, base_url: str) -> str:
        return f"{base_url}/{self.noun}/register/{self.registration_token}"

    def active_registrants(self) -> list[Registrant]:
        """Registrants Zoom still lists (cancelled ones are gone)."""
        return [reg for reg in self.registrants.values() if reg.status != CANCELLED]

    def to_api(self, base_url: str, start_url: str) -> dict[str, Any]:
        """``GET /meetings/{id}`` (and the 201 body of a create)."""
        body: dict[str, Any] = {
            "uuid": self.uuid, "id": self.id, "host_id": self.host_id,
            "host_email": self.host_email, "assistant_id": "", "topic": self.topic,
            "type": self.type, "status": "started" if self.status == "started" else "waiting",
            "timezone": self.timezone, "agenda": self.agenda, "created_at": self.created_at,
            "start_url": start_url, "join_url": self.join_url(base_url),
            "password": self.password, "h323_password": self.password,
            "pstn_password": self.password, "encrypted_password": self.password,
            "pre_schedule": False, "settings": dict(self.settings),
        }
        if self.start_time is not None:
            body["start_time"] = self.start_time
            body["duration"] = self.duration
        if self.registration_required:
            body["registration_url"] = self.registration_url(base_url)
        return body

    def webhook_object(self) -> dict[str, Any]:
        """The common ``payload.object`` fields of meeting webhooks (id as a string)."""
        return {
            "id": str(self.id), "uuid": self.uuid, "host_id": self.host_id,
            "topic": self.topic, "type": self.type,
            "start_time": iso(self.started_at) if self.started_at else (self.start_time or ""),
            "timezone": self.timezone, "duration": self.duration,
        }

    def to_dict(self, base_url: str) -> dict[str, Any]:
        """The control API's dump of this meeting."""
        return {
            "kind": self.kind, "id": self.id, "uuid": self.uuid, "host_id": self.host_id,
            "host_email": self.host_email, "topic": self.topic, "type": self.type,
            "start_time": self.start_time, "duration": self.duration,
            "timezone": self.timezone, "agenda": self.agenda, "settings": self.settings,
            "status": self.status, "deleted": self.deleted, "instances": self.instances,
            "started_at": iso(self.started_at) if self.started_at else None,
            "ended_at": iso(self.ended_at) if self.ended_at else None,
            "join_url": self.join_url(base_url),
            "registrants": [
                {**dataclasses.asdict(reg),
                 "join_url": self.personal_join_url(base_url, reg.token)}
                for reg in self.registrants.values()
            ],
            "panelists": [
                {**dataclasses.asdict(pan),
                 "join_url": self.personal_join_url(base_url, pan.token)}
                for pan in self.panelists.values()
            ],
            "participants": [part.to_dict() for part in self.participants],
        }

