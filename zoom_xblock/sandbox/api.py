"""The Zoom API subset under ``/v2``: one handler per operation, plus the route table.

Each handler gets the sandbox, the request and the URL arguments, runs under the state
lock, and returns ``(status, body)``; errors are raised as ``SandboxRefusal``.
"""
from __future__ import annotations

import dataclasses
import math
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from . import event_payloads
from .clock import iso
from .limits import HEAVY, LIGHT, MEDIUM, daily_limit_error
from .records import APPROVED, BASIC, DENIED, PENDING, WEBINARS, Meeting, User
from .refusals import (
    BATCH_NOT_ALLOWED,
    CANNOT_ACCESS,
    NO_PERMISSION,
    VALIDATION,
    SandboxRefusal,
    meeting_not_found,
    validation_error,
)
from .validation import SCHEDULED_TYPES, clean_meeting_body, clean_registrant, is_email

if TYPE_CHECKING:
    from .app import SandboxApp

Result = tuple[int, Any]
MAX_PAGE_SIZE = 300
MAX_BATCH = 30
MAX_PANELISTS = 100


@dataclasses.dataclass(frozen=True)
class Operation:
    """One API operation: where it lives, its rate-limit category and required scope."""

    method: str
    rule: str  # werkzeug rule below /v2
    label: str  # how stats name it; ``{kind}`` becomes meetings or webinars
    category: str
    scope: str  # ``{noun}`` becomes meeting or webinar; ``a|b`` means either
    handler: Callable[..., Result]
    webinar_category: str = ""  # where Zoom's spec labels the webinar call differently

    def category_for(self, kind: str | None) -> str:
        return self.webinar_category if kind == WEBINARS and self.webinar_category else (
            self.category)

    def label_for(self, kind: str | None) -> str:
        return self.label.format(kind=kind or "meetings")

    def scopes_for(self, kind: str | None) -> list[str]:
        noun = "webinar" if kind == WEBINARS else "meeting"
        return self.scope.format(noun=noun).split("|")


# -- helpers ------------------------------------------------------------------------------


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object ({} for an empty body), else Zoom's 300."""
    if not request.get_data():
        return {}
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        raise SandboxRefusal(400, VALIDATION, "Request Body should be a valid JSON object.")
    return body


def page_size_of(request: Request, default: int = 30) -> int:
    raw = request.args.get("page_size", str(default))
    try:
        size = int(raw)
    except ValueError:
        raise validation_error("page_size", "Invalid field.") from None
    if not 1 <= size <= MAX_PAGE_SIZE:  # Zoom refuses it rather than clamping
        raise validation_error("page_size", f"The page size can be at most {MAX_PAGE_SIZE}.")
    return size


def decode_meeting_reference(raw: str) -> str:
    """An id or a UUID; UUIDs starting with ``/`` or holding ``//`` arrive encoded twice."""
    reference = raw
    for _ in range(2):
        if "%" not in reference:
            break
        reference = urllib.parse.unquote(reference)
    return reference


def check_host_quota(sandbox: SandboxApp, host: User, kind: str) -> None:
    """100 create/update requests per host and day, separately for meetings and webinars."""
    limit = sandbox.config.host_daily_quota
    day = sandbox.clock.today()
    if sandbox.daily.consume([("host", host.id, kind)], day, limit) is not None:
        noun = "Webinar" if kind == WEBINARS else "Meeting"
        sandbox.stats.record_throttle(f"Daily-limit:{noun.lower()}-host")
        raise daily_limit_error(
            MEDIUM, limit,
            f"You have exceeded the daily rate limit ({limit}) of {noun} Create/Update API "
            "requests permitted for this particular user. You may resume these requests at "
            "GMT 00:00:00.", day)


def check_registrant_quota(sandbox: SandboxApp, meeting: Meeting, emails: list[str],
                           category: str) -> None:
    """3 add/batch/status requests per registrant, meeting and day."""
    limit = sandbox.config.registrant_daily_quota
    day = sandbox.clock.today()
    keys = [("registrant", meeting.id, email) for email in sorted({e.lower() for e in emails})]
    refused = sandbox.daily.consume(keys, day, limit)
    if refused is not None:
        sandbox.stats.record_throttle("Daily-limit:registrant")
        raise daily_limit_error(
            category, limit,
            f"You have exceeded the daily rate limit ({limit}) of Add {meeting.noun.capitalize()}"
            f" Registrant API requests permitted for this particular registrant ({refused[2]})."
            " You may resume these requests at GMT 00:00:00.", day)


def require_webinar_licence(host: User, sandbox: SandboxApp | None = None) -> None:
    if not host.webinar or (sandbox is not None and not sandbox.state.webinar_plan):
        raise SandboxRefusal(400, NO_PERMISSION, "Subscription plan for webinar is missing. "
                             "Enable webinar for this user once the subscription plan is "
                             f"added:{host.id}.")


ALTERNATIVE_HOST_REFUSED = 1114


def check_alternative_hosts(sandbox: SandboxApp, kind: str, fields: dict[str, Any]) -> None:
    """Zoom takes as alternative hosts only licensed users of the same account (with a
    webinar licence for a webinar); any other address refuses the whole create or update
    (400, code 1114, naming the addresses), before anything is stored."""
    hosts = (fields.get("settings") or {}).get("alternative_hosts") or ""
    refused = []
    for email in filter(None, (part.strip() for part in hosts.replace(",", ";").split(";"))):
        user = sandbox.state.user_by_email(email)
        if (user is None or user.email.lower() != email.lower() or user.type == BASIC
                or (kind == WEBINARS and not user.webinar)):
            refused.append(email)
    if refused:
        raise SandboxRefusal(400, ALTERNATIVE_HOST_REFUSED, "Unable to assign alternative host: "
                             f"{', '.join(refused)}. Alternative hosts must be licensed users in "
                             "the same account.")


def api_webhooks(sandbox: SandboxApp) -> bool:
    return sandbox.config.api_webhooks


# -- users ---------------------------------------------------------------------------------


def get_user(sandbox: SandboxApp, request: Request, user_ref: str) -> Result:
    user = sandbox.state.find_user(user_ref)
    return 200, user.to_api(sandbox.config.account_id, sandbox.state.base_url)


def get_user_settings(sandbox: SandboxApp, request: Request, user_ref: str) -> Result:
    answer = sandbox.state.find_user(user_ref).settings_to_api()
    if not sandbox.state.webinar_plan:  # no Webinar plan on the account: nobody has it
        answer["feature"].update(webinar=False, webinar_capacity=0)
    return 200, answer


def plan_usage(sandbox: SandboxApp, request: Request, account_ref: str) -> Result:
    """``GET /accounts/{accountId}/plans/usage``: the base plan, and the Webinar plan when
    the account has one (its hosts are the users with a webinar licence)."""
    if account_ref not in ("me", sandbox.config.account_id):
        raise SandboxRefusal(404, 2001, f"Account does not exist: {account_ref}.")
    users = list(sandbox.state.users.values())
    licensed = sum(1 for user in users if user.type != BASIC)
    answer: dict[str, Any] = {"plan_base": {"type": "monthly", "hosts": max(licensed, 1),
                                            "usage": licensed}}
    if sandbox.state.webinar_plan:
        hosts = sum(1 for user in users if user.webinar)
        answer["plan_webinar"] = [{"type": "webinar500", "hosts": max(hosts, 1),
                                   "usage": hosts}]
    return 200, answer


# -- meetings and webinars ------------------------------------------------------------------


def require_licence_for_registration(host: User, meeting_settings: dict[str, Any]) -> None:
    """Registration needs a licensed host: a Basic host gets Zoom's 200 "no permission"."""
    if host.type == BASIC and meeting_settings.get("approval_type", 2) != 2:
        raise SandboxRefusal(400, NO_PERMISSION, "Only licensed users can require registration. "
                             f"Upgrade the user to a paid plan:{host.id}.")


def create_meeting(sandbox: SandboxApp, request: Request, user_ref: str, kind: str) -> Result:
    host = sandbox.state.find_user(user_ref)
    fields = clean_meeting_body(kind, json_body(request), partial=False)
    if kind == WEBINARS:
        require_webinar_licence(host, sandbox)
    require_licence_for_registration(host, fields.get("settings", {}))
    check_alternative_hosts(sandbox, kind, fields)
    check_host_quota(sandbox, host, kind)
    meeting = sandbox.state.create_meeting(kind, host, fields)
    return 201, meeting.to_api(sandbox.state.base_url, sandbox.state.start_url(meeting))


def list_meetings(sandbox: SandboxApp, request: Request, user_ref: str, kind: str) -> Result:
    """The host's unexpired scheduled meetings; agendas cut to 250 characters, as Zoom does."""
    host = sandbox.state.find_user(user_ref)
    listing = request.args.get("type", "scheduled")
    if listing not in ("scheduled", "live", "upcoming", "upcoming_meetings",
                       "previous_meetings"):
        raise validation_error("type", "Invalid field.")
    page_size = page_size_of(request)
    mine = sorted((m for m in sandbox.state.meetings.values()
                   if m.kind == kind and m.host_id == host.id and not m.deleted
                   and m.ended_at is None), key=lambda m: m.id)
    chunk, token = sandbox.state.page((kind, host.id, listing, page_size), mine, page_size,
                                      request.args.get("next_page_token", ""))
    items = [{"id": m.id, "uuid": m.uuid, "host_id": m.host_id, "topic": m.topic,
              "type": m.type, "start_time": m.start_time or "", "duration": m.duration,
              "timezone": m.timezone, "agenda": m.agenda[:250], "created_at": m.created_at,
              "join_url": m.join_url(sandbox.state.base_url)} for m in chunk]
    return 200, {"page_size": page_size, "total_records": len(mine), "next_page_token": token,
                 kind: items}


def get_meeting(sandbox: SandboxApp, request: Request, kind: str, meeting_id: str) -> Result:
    meeting = sandbox.state.get_meeting(kind, meeting_id)
    return 200, meeting.to_api(sandbox.state.base_url, sandbox.state.start_url(meeting))


def update_meeting(sandbox: SandboxApp, request: Request, kind: str, meeting_id: str) -> Result:
    meeting = sandbox.state.get_meeting(kind, meeting_id)
    fields = clean_meeting_body(kind, json_body(request), partial=True,
                                default_timezone=meeting.timezone)
    check_alternative_hosts(sandbox, kind, fields)
    host = sandbox.state.find_user(meeting.host_id)
    require_licence_for_registration(host, {**meeting.settings, **fields.get("settings", {})})
    check_host_quota(sandbox, host, kind)
    changed, previous = sandbox.state.update_meeting(meeting, fields)
    if changed and api_webhooks(sandbox):
        sandbox.state.emit(event_payloads.meeting_updated(
            meeting, changed, previous, host.email, host.id, sandbox.config.account_id,
            sandbox.clock.now()))
    return 204, None


def delete_meeting(sandbox: SandboxApp, request: Request, kind: str, meeting_id: str) -> Result:
    meeting = sandbox.state.get_meeting(kind, meeting_id)
    if meeting.status == "started":
        raise SandboxRefusal(400, 3002, f"Sorry, you cannot delete this {meeting.noun} since it "
                             "is in progress.")
    sandbox.state.delete_meeting(meeting)
    if api_webhooks(sandbox):
        sandbox.state.emit(event_payloads.meeting_deleted(
            meeting, meeting.host_email, meeting.host_id, sandbox.config.account_id,
            sandbox.clock.now()))
    return 204, None


# -- registrants ----------------------------------------------------------------------------


def add_registrant(sandbox: SandboxApp, request: Request, kind: str, meeting_id: str) -> Result:
    meeting = sandbox.state.get_meeting(kind, meeting_id)
    require_licence_for_registration(sandbox.state.find_user(meeting.host_id), meeting.settings)
    body = json_body(request)
    person = {**body, **clean_registrant(body)}
    sandbox.state.check_can_register(
        meeting, sandbox.state.new_registrant_count(meeting, [person["email"]]))
    check_registrant_quota(sandbox, meeting, [person["email"]], LIGHT)
    # As Zoom's spec: only the meeting registrant body has ``auto_approve``; under manual
    # approval a webinar registrant added one at a time stays pending.
    approve = meeting.settings.get("approval_type") == 0 or (
        kind != WEBINARS and bool(body.get("auto_approve")))
    registrant, _ = sandbox.state.add_registrant(meeting, person, approve)
    answer: dict[str, Any] = {"id": meeting.id, "registrant_id": registrant.id,
                              "topic": meeting.topic, "start_time": meeting.start_time or "",
                              "occurrences": []}
    if registrant.status == APPROVED:
        answer["join_url"] = sandbox.state.registrant_join_url(meeting, registrant)
    return 201, answer


def batch_registrants(sandbox: SandboxApp, request: Request, kind: str,
                      meeting_id: str) -> Result:
    meeting = sandbox.state.get_meeting(kind, meeting_id)
    host = sandbox.state.find_user(meeting.host_id)
    if kind == WEBINARS:
        require_webinar_licence(host, sandbox)
    if not meeting.registration_required:
        raise SandboxRefusal(404, CANNOT_ACCESS, "Registration has not been enabled for this "
                             f"{meeting.noun}: {meeting.id}.")
    require_licence_for_registration(host, meeting.settings)
    refusal = batch_refusal(meeting, host)
    if refusal:
        raise SandboxRefusal(400, BATCH_NOT_ALLOWED, refusal)
    body = json_body(request)
    people = body.get("registrants")
    if not isinstance(people, list) or not people:
        raise validation_error("registrants", "registrants is required.")
    if len(people) > MAX_BATCH:
        raise validation_error("registrants", f"A maximum of {MAX_BATCH} registrants can be "
                               "added in a single request.")
    cleaned, errors = [], []
    for index, person in enumerate(people):  # Zoom names every bad entry, then refuses all
        try:
            cleaned.append(clean_registrant(person, field_prefix=f"registrants[{index}]."))
        except SandboxRefusal as error:
            errors.extend(error.errors or [])
    if errors:
        raise SandboxRefusal(400, VALIDATION, "Validation Failed.", errors=errors)
    emails = [person["email"] for person in cleaned]
    new_people = sandbox.state.new_registrant_count(meeting, emails)
    if new_people and len(meeting.active_registrants()) + new_people > (
            sandbox.config.max_registrants):
        raise SandboxRefusal(404, 3043, f"{meeting.noun.capitalize()} has reached maximum attendee "
                             "capacity.")
    sandbox.state.check_can_register(meeting, 0)
    check_registrant_quota(sandbox, meeting, emails, HEAVY)
    approve = meeting.settings.get("approval_type") == 0 or bool(body.get("auto_approve"))
    answers = []
    for person in cleaned:
        registrant, _ = sandbox.state.add_registrant(meeting, person, approve)
        item = {"email": registrant.email, "registrant_id": registrant.id}
        if registrant.status == APPROVED:
            item["join_url"] = sandbox.state.registrant_join_url(meeting, registrant)
        answers.append(item)
    return 201, {"registrants": answers}


def batch_refusal(meeting: Meeting, host: User) -> str:
    """Why Zoom refuses a batch here (error 303), or "" when it accepts one."""
    noun = meeting.noun
    if meeting.type not in SCHEDULED_TYPES:
        scheduled = 5 if meeting.kind == WEBINARS else 2
        return (f"This API can only be used for scheduled {noun}({noun} type: {scheduled}). "
                f"Batch registration is not supported for other {noun} types.")
    if not meeting.registration_required:
        return f"Batch registration needs registration to be enabled on this {noun}."
    if host.type == BASIC:
        return "Batch registration is only available for a licensed host."
    return ""


def registrant_status(sandbox: SandboxApp, request: Request, kind: str,
                      meeting_id: str) -> Result:
    meeting = sandbox.state.get_meeting(kind, meeting_id)
    body = json_body(request)
    action = body.get("action")
    if action not in ("approve", "cancel", "deny"):
        raise validation_error("action", "Invalid field. Allowed values: approve, cancel, deny.")
    references = body.get("registrants")
    if not isinstance(references, list) or not references:
        raise validation_error("registrants", "registrants is required.")
    if len(references) > MAX_BATCH:
        raise validation_error("registrants", f"At most {MAX_BATCH} registrants per request.")
    if not all(isinstance(reference, dict) for reference in references):
        raise validation_error("registrants", "Invalid field.")
    registrants = sandbox.state.find_registrants(meeting, references)
    if registrants:
        check_registrant_quota(sandbox, meeting, [reg.email for reg in registrants], MEDIUM)
    sandbox.state.set_registrant_status(meeting, registrants, action)
    return 204, None


def list_registrants(sandbox: SandboxApp, request: Request, kind: str,
                     meeting_id: str) -> Result:
    meeting = sandbox.state.get_meeting(kind, meeting_id)
    status = request.args.get("status", APPROVED)
    if status not in (APPROVED, PENDING, DENIED):
        raise validation_error("status", "Invalid field. Allowed values: pending, approved, "
                               "denied.")
    page_size = page_size_of(request)
    matching = [reg for reg in meeting.registrants.values() if reg.status == status]
    chunk, token = sandbox.state.page(("registrants", meeting.id, status, page_size), matching,
                                      page_size, request.args.get("next_page_token", ""))
    return 200, {
        "page_count": max(math.ceil(len(matching) / page_size), 1), "page_number": 1,
        "page_size": page_size, "total_records": len(matching), "next_page_token": token,
        "registrants": [
            reg.to_api(sandbox.state.registrant_join_url(meeting, reg)
                       if reg.status == APPROVED else "")
            for reg in chunk
        ],
    }


# -- panelists ------------------------------------------------------------------------------


def add_panelists(sandbox: SandboxApp, request: Request, meeting_id: str) -> Result:
    webinar = sandbox.state.get_meeting(WEBINARS, meeting_id)
    panelists = json_body(request).get("panelists")
    if not isinstance(panelists, list) or not panelists:
        raise validation_error("panelists", "panelists is required.")
    if len(panelists) > MAX_BATCH:
        raise validation_error("panelists", f"At most {MAX_BATCH} panelists per request.")
    for index, panelist in enumerate(panelists):
        if not isinstance(panelist, dict) or not is_email(panelist.get("email")):
            raise validation_error(f"panelists[{index}].email", "Invalid email address.")
        if not isinstance(panelist.get("name"), str) or not panelist["name"].strip():
            raise validation_error(f"panelists[{index}].name", "name is required.")
    known = {pan.email.lower() for pan in webinar.panelists.values()}
    new = {pan["email"].lower() for pan in panelists} - known
    if len(known) + len(new) > MAX_PANELISTS:
        raise SandboxRefusal(400, CANNOT_ACCESS, "You have reached the limit for the number of "
                             "panelists you can add. Contact Zoom Support for more information.")
    for panelist in panelists:
        sandbox.state.add_panelist(webinar, panelist["name"], panelist["email"])
    return 201, {"id": str(webinar.id), "updated_at": iso(sandbox.clock.now())}


def list_panelists(sandbox: SandboxApp, request: Request, meeting_id: str) -> Result:
    webinar = sandbox.state.get_meeting(WEBINARS, meeting_id)
    items = [{"id": pan.id, "email": pan.email, "name": pan.name,
              "join_url": webinar.personal_join_url(sandbox.state.base_url, pan.token)}
             for pan in webinar.panelists.values()]
    return 200, {"total_records": len(items), "panelists": items}


def delete_panelist(sandbox: SandboxApp, request: Request, meeting_id: str,
                    panelist_id: str) -> Result:
    webinar = sandbox.state.get_meeting(WEBINARS, meeting_id)
    if not sandbox.state.remove_panelist(webinar, panelist_id):
        raise SandboxRefusal(404, VALIDATION, f"Panelist does not exist: {panelist_id}.")
    return 204, None


# -- participants after the meeting ----------------------------------------------------------


def _instance_participants(sandbox: SandboxApp, kind: str, raw_reference: str):
    meeting, instance = sandbox.state.find_instance(kind, decode_meeting_reference(raw_reference))
    if instance not in meeting.instances:
        raise meeting_not_found(kind, raw_reference)
    return meeting, [part for part in meeting.participants if part.instance_uuid == instance]


def report_participants(sandbox: SandboxApp, request: Request, kind: str,
                        meeting_ref: str) -> Result:
    meeting, participants = _instance_participants(sandbox, kind, meeting_ref)
    include_registrant_id = "registrant_id" in request.args.get("include_fields", "")
    return 200, _participants_page(sandbox, request, ("report", meeting.id), participants,
                                   lambda part, now: part.to_report(now, include_registrant_id))


def past_participants(sandbox: SandboxApp, request: Request, past: str,
                      meeting_ref: str) -> Result:
    kind = WEBINARS if past == "past_webinars" else "meetings"
    meeting, participants = _instance_participants(sandbox, kind, meeting_ref)
    return 200, _participants_page(sandbox, request, ("past", meeting.id), participants,
                                   lambda part, now: part.to_past(now))


def _participants_page(sandbox: SandboxApp, request: Request, listing: tuple[Any, ...],
                       participants: list[Any], show: Callable[[Any, float], dict]) -> dict:
    page_size = page_size_of(request)
    chunk, token = sandbox.state.page((*listing, page_size), participants, page_size,
                                      request.args.get("next_page_token", ""))
    now = sandbox.clock.now()
    return {"page_count": max(math.ceil(len(participants) / page_size), 1),
            "page_size": page_size, "total_records": len(participants),
            "next_page_token": token, "participants": [show(part, now) for part in chunk]}


KIND = "<any(meetings, webinars):kind>"

OPERATIONS: tuple[Operation, ...] = (
    Operation("GET", "/users/<user_ref>", "GET /users/{{userId}}", LIGHT,
              "user:read:user:admin", get_user),
    Operation("GET", "/users/<user_ref>/settings", "GET /users/{{userId}}/settings", MEDIUM,
              "user:read:settings:admin", get_user_settings),
    Operation("GET", "/accounts/<account_ref>/plans/usage",
              "GET /accounts/{{accountId}}/plans/usage", HEAVY,
              "billing:read:plan_usage:admin", plan_usage),
    Operation("POST", f"/users/<user_ref>/{KIND}", "POST /users/{{userId}}/{kind}", MEDIUM,
              "{noun}:write:{noun}:admin", create_meeting, webinar_category=LIGHT),
    Operation("GET", f"/users/<user_ref>/{KIND}", "GET /users/{{userId}}/{kind}", MEDIUM,
              "{noun}:read:list_{noun}s:admin", list_meetings),
    Operation("GET", f"/{KIND}/<meeting_id>", "GET /{kind}/{{id}}", LIGHT,
              "{noun}:read:{noun}:admin", get_meeting),
    Operation("PATCH", f"/{KIND}/<meeting_id>", "PATCH /{kind}/{{id}}", LIGHT,
              "{noun}:update:{noun}:admin", update_meeting),
    Operation("DELETE", f"/{KIND}/<meeting_id>", "DELETE /{kind}/{{id}}", LIGHT,
              "{noun}:delete:{noun}:admin", delete_meeting),
    Operation("POST", f"/{KIND}/<meeting_id>/registrants", "POST /{kind}/{{id}}/registrants",
              LIGHT, "{noun}:write:registrant:admin", add_registrant),
    Operation("GET", f"/{KIND}/<meeting_id>/registrants", "GET /{kind}/{{id}}/registrants",
              MEDIUM, "{noun}:read:list_registrants:admin", list_registrants),
    Operation("POST", f"/{KIND}/<meeting_id>/batch_registrants",
              "POST /{kind}/{{id}}/batch_registrants", HEAVY,
              "{noun}:write:batch_registrants:admin", batch_registrants),
    Operation("PUT", f"/{KIND}/<meeting_id>/registrants/status",
              "PUT /{kind}/{{id}}/registrants/status", MEDIUM,
              "{noun}:update:registrant_status:admin", registrant_status),
    Operation("POST", "/webinars/<meeting_id>/panelists", "POST /webinars/{{id}}/panelists",
              MEDIUM, "webinar:write:panelist:admin", add_panelists),
    Operation("GET", "/webinars/<meeting_id>/panelists", "GET /webinars/{{id}}/panelists",
              MEDIUM, "webinar:read:list_panelists:admin", list_panelists),
    Operation("DELETE", "/webinars/<meeting_id>/panelists/<panelist_id>",
              "DELETE /webinars/{{id}}/panelists/{{panelistId}}", LIGHT,
              "webinar:delete:panelist:admin", delete_panelist),
    Operation("GET", f"/report/{KIND}/<path:meeting_ref>/participants",
              "GET /report/{kind}/{{id}}/participants", HEAVY,
              "report:read:list_{noun}_participants:admin", report_participants),
    Operation("GET", "/<any(past_meetings, past_webinars):past>/<path:meeting_ref>/participants",
              "GET /past_{kind}/{{uuid}}/participants", MEDIUM,
              "meeting:read:past_meeting:admin|meeting:read:list_past_participants:admin"
              "|webinar:read:list_past_participants:admin", past_participants),
)
