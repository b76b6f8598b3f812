"""The sandbox's in-memory Zoom account: users, meetings, registrants, participants.

All changes happen under one re-entrant lock (``state.lock``); the API and control layers
hold it for the whole of a request's read-modify-write. Webhooks are queued, never sent,
while the lock is held.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import os
import pickle
import random
import secrets
import threading
from typing import Any

from . import event_payloads
from .clock import SandboxClock, iso
from .config import SandboxConfig
from .records import (
    APPROVED,
    CANCELLED,
    DENIED,
    MEETING_SETTINGS,
    MEETINGS,
    PENDING,
    WEBINAR_SETTINGS,
    Meeting,
    Panelist,
    Participation,
    Registrant,
    User,
)
from .refusals import (
    CANNOT_ACCESS,
    CAPACITY_FULL,
    USER_NOT_IN_ACCOUNT,
    VALIDATION,
    SandboxRefusal,
    meeting_not_found,
    user_not_found,
)
from .webhook_sender import WebhookSender

PAGE_TOKEN_LIFETIME = 15 * 60
START_URL_LIFETIME = 2 * 60 * 60
MAX_REMEMBERED_TOKENS = 10_000  # above this, expired page and start tokens are forgotten
STATUS_ACTIONS = {"approve": APPROVED, "deny": DENIED, "cancel": CANCELLED}
STATUS_EVENTS = {APPROVED: "approved", DENIED: "denied", CANCELLED: "cancelled"}


def stable_user_id(email: str) -> str:
    """A Zoom-like 22-character user id that stays the same across restarts."""
    digest = hashlib.sha256(email.lower().encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")[:22]


def new_uuid() -> str:
    """A meeting-instance UUID like Zoom's: base64 of 16 bytes, may hold ``/`` and ``+``."""
    return base64.b64encode(secrets.token_bytes(16)).decode("ascii")


class SandboxState:
    """Everything the sandbox remembers; reset by ``reset()``."""

    def __init__(self, config: SandboxConfig, clock: SandboxClock,
                 webhooks: WebhookSender) -> None:
        self.config = config
        self.clock = clock
        self.webhooks = webhooks
        self.base_url = config.base_url.rstrip("/")
        self.lock = threading.RLock()
        self._random = random.Random(config.random_seed)
        self.reset()

    # -- lifecycle ---------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything and load the seed users again."""
        with self.lock:
            self.users: dict[str, User] = {}
            self.meetings: dict[int, Meeting] = {}
            self.access_tokens: dict[str, float] = {}
            self._meeting_by_uuid: dict[str, int] = {}
            self._join_tokens: dict[str, tuple[int, str, str]] = {}
            self._start_tokens: dict[str, tuple[int, float]] = {}
            self._page_tokens: dict[str, tuple[tuple[Any, ...], int, float]] = {}
            self._participant_uuids: dict[tuple[str, str], str] = {}
            self._user_ids = itertools.count(16778240)
            self.recordings: dict[str, dict[str, Any]] = {}
            self.webinar_plan = self.config.webinar_plan  # the account's Zoom Webinar plan
            for user in self.config.seed_users:
                self.upsert_user(user)

    # -- persistence (``--state-file``: the demo keeps its "Zoom" across restarts) ---------

    DURABLE = ("users", "meetings", "access_tokens", "recordings", "_meeting_by_uuid",
               "_join_tokens", "_start_tokens", "_participant_uuids")

    def save(self, path: str) -> None:
        """Write what the account holds to ``path`` (atomically: a crash keeps the last file)."""
        with self.lock:
            snapshot = {name: getattr(self, name) for name in self.DURABLE}
            snapshot["next_user_id"] = int(repr(self._user_ids)[len("count("):-1])
            snapshot["random"] = self._random.getstate()
            data = pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL)
        temporary = f"{path}.tmp"
        with open(temporary, "wb") as file:
            file.write(data)
        os.replace(temporary, path)

    def load(self, path: str) -> bool:
        """Read what :meth:`save` wrote (False, and nothing changes, if there is no file).

        The file is the sandbox's own (under the demo's ``var/``), never input from elsewhere.
        """
        try:
            with open(path, "rb") as file:
                snapshot = pickle.load(file)  # noqa: S301  (our own file, see above)
        except FileNotFoundError:
            return False
        with self.lock:
            for name in self.DURABLE:
                setattr(self, name, snapshot[name])
            self._user_ids = itertools.count(snapshot["next_user_id"])
            self._random.setstate(snapshot["random"])
            for user in self.config.seed_users:  # seed users changed since stay up to date
                self.upsert_user(user)
        return True

    def emit(self, payload: dict[str, Any]) -> None:
        self.webhooks.send(payload)

    # -- OAuth tokens --------------------------------------------------------------------

    def issue_token(self) -> str:
        token = secrets.token_urlsafe(32)
        with self.lock:
            self.access_tokens[token] = self.clock.now() + self.config.token_lifetime
        return token

    def token_is_valid(self, token: str) -> bool:
        with self.lock:
            expires_at = self.access_tokens.get(token)
        return expires_at is not None and expires_at > self.clock.now()

    def expire_tokens(self) -> int:
        """Make every issued token expired now; returns how many there were."""
        with self.lock:
            now = self.clock.now()
            for token in self.access_tokens:
                self.access_tokens[token] = min(self.access_tokens[token], now)
            return len(self.access_tokens)

    # -- users ---------------------------------------------------------------------------

    def upsert_user(self, data: dict[str, Any]) -> User:
        """Create a user, or update the one with the same e-mail."""
        email = str(data.get("email", "")).strip()
        if "@" not in email:
            raise SandboxRefusal(400, VALIDATION, "Validation Failed.",
                                 errors=[{"field": "email", "message": "Invalid email."}])
        user_type = int(data.get("type", 2))
        if user_type not in (1, 2):
            raise SandboxRefusal(400, VALIDATION, "Validation Failed.",
                                 errors=[{"field": "type", "message": "type must be 1 or 2."}])
        with self.lock:
            user_id = stable_user_id(email)
            user = User(
                id=user_id, email=email, first_name=str(data.get("first_name", "")),
                last_name=str(data.get("last_name", "")), type=user_type,
                webinar=bool(data.get("webinar", False)),
                created_at=iso(self.clock.now()),
                pmi=self._random.randint(10**9, 10**10 - 1),
                account=str(data.get("account_id") or ""),
            )
            if user_id in self.users:
                user.created_at, user.pmi = self.users[user_id].created_at, self.users[user_id].pmi
            self.users[user_id] = user
            return user

    def find_user(self, reference: str) -> User:
        """A user by id or e-mail (case-insensitive), else Zoom's 1001."""
        with self.lock:
            user = self.users.get(reference) or self.users.get(stable_user_id(reference))
            if user is None or (user.id != reference and user.email.lower() != reference.lower()):
                raise user_not_found(reference)
            if user.account and user.account != self.config.account_id:
                raise SandboxRefusal(400, USER_NOT_IN_ACCOUNT,
                                     f"User does not belong to this account: {reference}.")
            return user

    def user_by_email(self, email: str) -> User | None:
        with self.lock:
            return self.users.get(stable_user_id(email))

    # -- meetings and webinars -----------------------------------------------------------

    def create_meeting(self, kind: str, host: User, fields: dict[str, Any]) -> Meeting:
        """Store a new meeting or webinar from validated ``fields``."""
        defaults = WEBINAR_SETTINGS if kind != MEETINGS else MEETING_SETTINGS
        with self.lock:
            meeting_id = self._new_meeting_id()
            meeting = Meeting(
                kind=kind, id=meeting_id, uuid=new_uuid(), host_id=host.id,
                host_email=host.email, topic=fields["topic"], type=fields["type"],
                start_time=fields.get("start_time"), duration=fields.get("duration", 60),
                timezone=fields.get("timezone", "UTC"), agenda=fields.get("agenda", ""),
                password=fields.get("password") or str(self._random.randint(100000, 999999)),
                created_at=iso(self.clock.now()),
                settings={**defaults, **fields.get("settings", {})},
                registration_token=secrets.token_urlsafe(16),
            )
            if meeting.type in (2, 5) and meeting.start_time is None:
                meeting.start_time = iso(self.clock.now())
            self.meetings[meeting_id] = meeting
            self._meeting_by_uuid[meeting.uuid] = meeting_id
            return meeting

    def get_meeting(self, kind: str | None, meeting_id: Any, *,
                    include_deleted: bool = False) -> Meeting:
        """A meeting (or webinar) by numeric id, else Zoom's 3001."""
        with self.lock:
            try:
                meeting = self.meetings.get(int(meeting_id))
            except (TypeError, ValueError):
                meeting = None
            if (meeting is None or (kind is not None and meeting.kind != kind)
                    or (meeting.deleted and not include_deleted)):
                raise meeting_not_found(kind or MEETINGS, meeting_id)
            return meeting

    def find_instance(self, kind: str, reference: str) -> tuple[Meeting, str]:
        """A meeting and one instance UUID from a numeric id (latest instance) or a UUID."""
        with self.lock:
            if reference.isdigit():
                meeting = self.get_meeting(kind, reference, include_deleted=True)
                return meeting, meeting.uuid
            meeting_id = self._meeting_by_uuid.get(reference)
            if meeting_id is None or self.meetings[meeting_id].kind != kind:
                raise meeting_not_found(kind, reference)
            return self.meetings[meeting_id], reference

    def update_meeting(self, meeting: Meeting,
                       fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply validated ``fields``; return (changed values, their old values)."""
        changed: dict[str, Any] = {}
        previous: dict[str, Any] = {}
        with self.lock:
            for name, value in fields.items():
                if name == "settings":
                    new_settings = {key: val for key, val in value.items()
                                    if meeting.settings.get(key) != val}
                    if new_settings:
                        changed["settings"] = new_settings
                        previous["settings"] = {key: meeting.settings.get(key)
                                                for key in new_settings}
                        meeting.settings.update(new_settings)
                elif getattr(meeting, name) != value:
                    changed[name], previous[name] = value, getattr(meeting, name)
                    setattr(meeting, name, value)
        return changed, previous

    def delete_meeting(self, meeting: Meeting) -> None:
        with self.lock:
            meeting.deleted = True
            for token, (meeting_id, _, _) in list(self._join_tokens.items()):
                if meeting_id == meeting.id:
                    del self._join_tokens[token]

    def start_url(self, meeting: Meeting) -> str:
        """A fresh host link, valid for two hours of sandbox time."""
        token = secrets.token_urlsafe(24)
        with self.lock:
            now = self.clock.now()
            if len(self._start_tokens) > MAX_REMEMBERED_TOKENS:
                self._start_tokens = {key: entry for key, entry in self._start_tokens.items()
                                      if entry[1] > now}
            self._start_tokens[token] = (meeting.id, now + START_URL_LIFETIME)
        return f"{self.base_url}/s/{meeting.id}?zak={token}"

    def meeting_for_start_token(self, token: str) -> Meeting | None:
        with self.lock:
            meeting_id, expires_at = self._start_tokens.get(token, (0, 0.0))
            if expires_at <= self.clock.now() or meeting_id not in self.meetings:
                return None
            meeting = self.meetings[meeting_id]
            return None if meeting.deleted else meeting

    def _new_meeting_id(self) -> int:
        while True:
            meeting_id = self._random.randint(10**10, 10**11 - 1)
            if meeting_id not in self.meetings:
                return meeting_id

    # -- registrants ---------------------------------------------------------------------

    def check_can_register(self, meeting: Meeting, new_people: int) -> None:
        """Refuse registration when it is off, the meeting is over, or it is full."""
        if not meeting.registration_required:
            raise SandboxRefusal(400, CANNOT_ACCESS, f"This {meeting.noun} does not have "
                                 f"registration as required: {meeting.id}.")
        if self._is_over(meeting):
            raise SandboxRefusal(400, 3038, f"{meeting.noun.capitalize()} is over, you can not "
                                 "register now. If you have any questions, please contact the "
                                 f"{meeting.noun.capitalize()} host.")
        if len(meeting.active_registrants()) + new_people > self.config.max_registrants:
            raise SandboxRefusal(400, CAPACITY_FULL, f"{meeting.noun.capitalize()} has reached "
                                 "maximum attendee capacity.")

    def _is_over(self, meeting: Meeting) -> bool:
        """Ended, and its scheduled time is behind it. Zoom keeps a scheduled meeting open for
        registration after an early run (a host's sound check days before): only a meeting
        that ran and whose scheduled end has passed is "over" (code 3038)."""
        if meeting.ended_at is None or meeting.status == "started":
            return False
        if not meeting.start_time:
            return True
        start = dt.datetime.fromisoformat(meeting.start_time.replace("Z", "+00:00"))
        scheduled_end = start.timestamp() + 60 * (meeting.duration or 0)
        return self.clock.now() >= scheduled_end

    def new_registrant_count(self, meeting: Meeting, emails: list[str]) -> int:
        """How many of ``emails`` would become new active registrants."""
        count = 0
        for email in {email.lower() for email in emails}:
            registrant_id = meeting.registrant_ids_by_email.get(email)
            if registrant_id is None or meeting.registrants[registrant_id].status == CANCELLED:
                count += 1
        return count

    def add_registrant(self, meeting: Meeting, person: dict[str, Any],
                       approve: bool) -> tuple[Registrant, bool]:
        """Register ``person``; the same e-mail again returns the existing registrant.

        Returns (registrant, created). A cancelled registrant who registers again comes
        back with the same id and a new personal link.
        """
        status = APPROVED if approve else PENDING
        with self.lock:
            email_key = person["email"].lower()
            existing_id = meeting.registrant_ids_by_email.get(email_key)
            if existing_id is not None:
                registrant = meeting.registrants[existing_id]
                if registrant.status != CANCELLED:
                    return registrant, False
                self._join_tokens.pop(registrant.token, None)
                registrant.status = status
                registrant.token = self._new_join_token(meeting, "registrant", registrant.id)
                created = True
            else:
                registrant_id = secrets.token_urlsafe(16)[:22]
                extra = {key: value for key, value in person.items()
                         if key not in ("email", "first_name", "last_name", "auto_approve")
                         and isinstance(value, str)}
                registrant = Registrant(
                    id=registrant_id, email=person["email"], first_name=person["first_name"],
                    last_name=person.get("last_name", ""), status=status,
                    token=self._new_join_token(meeting, "registrant", registrant_id),
                    create_time=iso(self.clock.now()), fields=extra)
                meeting.registrants[registrant_id] = registrant
                meeting.registrant_ids_by_email[email_key] = registrant_id
                created = True
            if self.config.api_webhooks:
                self._emit_registration(meeting, registrant, "created")
            return registrant, created

    def find_registrants(self, meeting: Meeting, references: list[dict[str, Any]]
                         ) -> list[Registrant]:
        """Registrants named by ``{id}`` or ``{email}``; unknown ones are skipped."""
        found: dict[str, Registrant] = {}
        for reference in references:
            registrant = meeting.registrants.get(str(reference.get("id") or ""))
            if registrant is None and reference.get("email"):
                registrant_id = meeting.registrant_ids_by_email.get(
                    str(reference["email"]).lower())
                registrant = meeting.registrants.get(registrant_id or "")
            if registrant is not None:
                found[registrant.id] = registrant
        return list(found.values())

    def set_registrant_status(self, meeting: Meeting, registrants: list[Registrant],
                              action: str, *, operator: str | None = None) -> list[Registrant]:
        """Approve, deny or cancel; returns the registrants whose status changed.

        A cancelled registrant can be approved again (and keeps its personal link); denying
        or cancelling a cancelled one changes nothing.
        """
        new_status = STATUS_ACTIONS[action]
        changed = []
        with self.lock:
            for registrant in registrants:
                if registrant.status == new_status or (
                        registrant.status == CANCELLED and new_status != APPROVED):
                    continue
                registrant.status = new_status
                changed.append(registrant)
                if self.config.api_webhooks or operator is not None:
                    self._emit_registration(meeting, registrant, STATUS_EVENTS[new_status],
                                            operator=operator)
        return changed

    def registrant_join_url(self, meeting: Meeting, registrant: Registrant) -> str:
        return meeting.personal_join_url(self.base_url, registrant.token)

    def resolve_join_token(self, token: str) -> tuple[Meeting, str, Registrant | Panelist] | None:
        """(meeting, "registrant" | "panelist", record) for a personal join token."""
        with self.lock:
            entry = self._join_tokens.get(token)
            if entry is None:
                return None
            meeting_id, role, record_id = entry
            meeting = self.meetings[meeting_id]
            records = meeting.registrants if role == "registrant" else meeting.panelists
            return meeting, role, records[record_id]

    def _new_join_token(self, meeting: Meeting, role: str, record_id: str) -> str:
        token = secrets.token_urlsafe(24)
        self._join_tokens[token] = (meeting.id, role, record_id)
        return token

    def _emit_registration(self, meeting: Meeting, registrant: Registrant, suffix: str,
                           operator: str | None = None) -> None:
        operator_user = self.user_by_email(operator) if operator else None
        self.emit(event_payloads.registration_event(
            meeting, registrant, suffix, self.registrant_join_url(meeting, registrant),
            operator or meeting.host_email,
            operator_user.id if operator_user else meeting.host_id,
            self.config.account_id, self.clock.now()))

    # -- panelists -----------------------------------------------------------------------

    def add_panelist(self, meeting: Meeting, name: str, email: str) -> Panelist:
        with self.lock:
            for panelist in meeting.panelists.values():
                if panelist.email.lower() == email.lower():
                    panelist.name = name
                    return panelist
            panelist_id = secrets.token_urlsafe(16)[:22]
            panelist = Panelist(id=panelist_id, email=email, name=name,
                                token=self._new_join_token(meeting, "panelist", panelist_id))
            meeting.panelists[panelist_id] = panelist
            return panelist

    def remove_panelist(self, meeting: Meeting, panelist_id: str) -> bool:
        with self.lock:
            panelist = meeting.panelists.pop(panelist_id, None)
            if panelist is not None:
                self._join_tokens.pop(panelist.token, None)
            return panelist is not None

    # -- paging --------------------------------------------------------------------------

    def page(self, listing: tuple[Any, ...], items: list[Any], page_size: int,
             next_page_token: str) -> tuple[list[Any], str]:
        """One page of ``items`` and the token of the next page ("" at the end).

        Tokens belong to one listing and expire after 15 minutes of sandbox time.
        """
        now = self.clock.now()
        with self.lock:
            offset = 0
            if next_page_token:
                entry = self._page_tokens.get(next_page_token)
                if entry is None or entry[0] != listing or entry[2] + PAGE_TOKEN_LIFETIME < now:
                    raise SandboxRefusal(400, VALIDATION,
                                         "The next page token is invalid or expired.")
                offset = entry[1]
            chunk = items[offset:offset + page_size]
            token = ""
            if len(self._page_tokens) > MAX_REMEMBERED_TOKENS:
                self._page_tokens = {key: entry for key, entry in self._page_tokens.items()
                                     if entry[2] + PAGE_TOKEN_LIFETIME >= now}
            if offset + page_size < len(items):
                token = secrets.token_urlsafe(24)
                self._page_tokens[token] = (listing, offset + page_size, now)
            return chunk, token

    # -- the meeting itself: start, end, participants -------------------------------------

    def start_meeting(self, meeting: Meeting) -> bool:
        """Start the meeting (a new instance UUID if it ran before); False if running."""
        with self.lock:
            if meeting.status == "started":
                return False
            if meeting.instances:
                meeting.uuid = new_uuid()
                self._meeting_by_uuid[meeting.uuid] = meeting.id
            meeting.instances.append(meeting.uuid)
            meeting.status, meeting.started_at, meeting.ended_at = "started", self.clock.now(), None
            self.emit(event_payloads.meeting_started(meeting, self.config.account_id,
                                                     self.clock.now()))
            return True

    def end_meeting(self, meeting: Meeting) -> bool:
        """Everyone leaves, then ``meeting.ended``; False if it was not running."""
        with self.lock:
            if meeting.status != "started":
                return False
            for participation in self.open_participations(meeting):
                self.leave(meeting, participation)
            meeting.status, meeting.ended_at = "waiting", self.clock.now()
            self.emit(event_payloads.meeting_ended(meeting, self.config.account_id,
                                                   self.clock.now()))
            return True

    def open_participations(self, meeting: Meeting) -> list[Participation]:
        return [part for part in meeting.participants
                if part.leave_time is None and part.instance_uuid == meeting.uuid]

    def join(self, meeting: Meeting, *, name: str, email: str, role: str,
             registrant_id: str = "") -> tuple[Participation, bool]:
        """Someone joins (starting the meeting if needed, as with join-before-host).

        Returns (participation, joined_now); someone already in the meeting is not
        joined twice.
        """
        with self.lock:
            self.start_meeting(meeting)
            for participation in self.open_participations(meeting):
                if participation.email.lower() == email.lower() and email:
                    return participation, False
            key = (meeting.uuid, email.lower() or secrets.token_hex(8))
            participant_uuid = self._participant_uuids.setdefault(
                key, str(base64.b32encode(secrets.token_bytes(15)), "ascii"))
            account_user = self.user_by_email(email) if email else None
            participation = Participation(
                participant_uuid=participant_uuid, user_id=str(next(self._user_ids)),
                zoom_user_id=account_user.id if account_user else "", name=name, email=email,
                registrant_id=registrant_id, role=role, instance_uuid=meeting.uuid,
                join_time=self.clock.now())
            meeting.participants.append(participation)
            self.emit(event_payloads.participant_event(meeting, participation, True,
                                               self.config.account_id, self.clock.now()))
            return participation, True

    def leave(self, meeting: Meeting, participation: Participation) -> bool:
        """End an open interval and send ``participant_left``; False if already left."""
        with self.lock:
            if participation.leave_time is not None:
                return False
            participation.leave_time = self.clock.now()
            self.emit(event_payloads.participant_event(meeting, participation, False,
                                               self.config.account_id, self.clock.now()))
            return True

    def find_participation(self, meeting: Meeting, *, email: str = "",
                           participant_uuid: str = "") -> Participation | None:
        """The open interval of someone in the meeting, by e-mail or participant UUID."""
        for participation in self.open_participations(meeting):
            if participant_uuid and participation.participant_uuid == participant_uuid:
                return participation
            if email and participation.email.lower() == email.lower():
                return participation
        return None

    # -- dump ----------------------------------------------------------------------------

    def dump(self) -> dict[str, Any]:
        """Everything, for the control API (``GET /_sandbox/state``)."""
        with self.lock:
            meetings = [m.to_dict(self.base_url) for m in self.meetings.values()]
            return {
                "users": [user.to_dict() for user in self.users.values()],
                "meetings": [m for m in meetings if m["kind"] == MEETINGS],
                "webinars": [m for m in meetings if m["kind"] != MEETINGS],
                "recordings": list(self.recordings.values()),
                "clock": {"now": iso(self.clock.now()), "offset_seconds": self.clock.offset},
                "webhook_deliveries": self.webhooks.deliveries(),
            }
