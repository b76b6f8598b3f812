"""The browser side of the sandbox: join pages, the host's start page, recordings.

Opening a personal join link joins that person (a participant interval and a signed
``participant_joined`` webhook); the page's Leave button sends ``participant_left``. The
host's ``start_url`` starts the meeting. Plain HTML with a main landmark, real buttons
and a live status line, so the pages work with a keyboard and a screen reader.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING

from werkzeug.wrappers import Request, Response

from .records import APPROVED, PENDING, Meeting, Panelist, Registrant
from .refusals import SandboxRefusal

if TYPE_CHECKING:
    from .app import SandboxApp

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Zoom sandbox</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 42rem; margin: 2rem auto;
       padding: 0 1rem; line-height: 1.5; color: #1b1b1b; }}
button {{ font-size: 1rem; padding: .5rem 1.25rem; border-radius: .25rem;
          border: 2px solid #0b5cff; background: #0b5cff; color: #fff; cursor: pointer; }}
button:focus {{ outline: 3px solid #ffbf47; outline-offset: 2px; }}
label {{ display: block; margin-top: .75rem; }}
input {{ font-size: 1rem; padding: .25rem; width: 100%; max-width: 24rem; }}
.note {{ color: #555; font-size: .9rem; }}
</style>
</head>
<body>
<main>
<h1>{heading}</h1>
{content}
<p class="note">Local Zoom sandbox - nothing here reaches Zoom.</p>
</main>
</body>
</html>
"""


def page(title: str, heading: str, content: str, status: int = 200) -> Response:
    body = PAGE.format(title=text(title), heading=text(heading), content=content)
    return Response(body, status=status, content_type="text/html; charset=utf-8")


def text(value: str) -> str:
    """Escape for an HTML text node (apostrophes stay readable)."""
    return html.escape(value, quote=False)


def spaced_id(meeting_id: int) -> str:
    """Zoom shows ids in groups: 123 4567 8901."""
    text = str(meeting_id)
    return f"{text[:-8]} {text[-8:-4]} {text[-4:]}".strip()


def describe(meeting: Meeting) -> str:
    return f"'{meeting.topic}' \u2014 {meeting.noun} {spaced_id(meeting.id)}"


def button_form(action: str, label: str, hidden: dict[str, str]) -> str:
    fields = "".join(f'<input type="hidden" name="{html.escape(name)}" '
                     f'value="{html.escape(value)}">' for name, value in hidden.items())
    return (f'<form method="post" action="{html.escape(action)}">{fields}'
            f'<button type="submit">{html.escape(label)}</button></form>')


def join_page(sandbox: SandboxApp, request: Request, meeting_id: int) -> Response:
    """``GET /j/{id}`` and ``/w/{id}``: a personal link (``tk``) joins its owner."""
    token = request.args.get("tk", "")
    with sandbox.state.lock:
        if not token:
            return _general_link(sandbox, meeting_id)
        resolved = sandbox.state.resolve_join_token(token)
        if resolved is None or resolved[0].id != meeting_id or resolved[0].deleted:
            return page("Invalid link", "This link is not valid",
                        "<p>The meeting may have been deleted or the registration cancelled."
                        "</p>", status=404)
        meeting, role, record = resolved
        if isinstance(record, Registrant) and record.status != APPROVED:
            waiting = record.status == PENDING
            message = ("Your registration is waiting for the host's approval."
                       if waiting else f"Your registration is {record.status}.")
            return page("Not approved", "You cannot join yet" if waiting else "You cannot join",
                        f'<p role="status">{text(message)}</p>', status=403)
        name = record.name
        registrant_id = record.id if isinstance(record, Registrant) else ""
        part, _ = sandbox.state.join(meeting, name=name, email=record.email,
                                     role="panelist" if isinstance(record, Panelist)
                                     else "attendee", registrant_id=registrant_id)
    return _joined(meeting, part.name, part.email, part.participant_uuid, token)


def _general_link(sandbox: SandboxApp, meeting_id: int) -> Response:
    meeting = sandbox.state.meetings.get(meeting_id)
    if meeting is None or meeting.deleted:
        return page("Not found", "This meeting does not exist", "", status=404)
    if meeting.registration_required:
        return page("Registration required", "Registration required",
                    f"<p>{text(describe(meeting))} needs registration: use your "
                    "personal link.</p>", status=403)
    form = (f'<form method="post" action="/{meeting.path_letter}/{meeting.id}/join">'
            '<label for="name">Your name</label><input id="name" name="name" required '
            'autocomplete="name"><label for="email">E-mail</label>'
            '<input id="email" name="email" type="email" autocomplete="email">'
            '<p><button type="submit">Join</button></p></form>')
    return page("Join", f"Join {meeting.topic}", form)


def _by_registration_token(sandbox: SandboxApp, token: str) -> Meeting | None:
    for meeting in sandbox.state.meetings.values():
        if meeting.registration_token == token and not meeting.deleted:
            return meeting
    return None


def registration_page(sandbox: SandboxApp, request: Request, noun: str,
                      token: str) -> Response:
    """``/meeting/register/{token}``: Zoom's public registration form. Anyone who has the
    link (or finds the meeting) can register; under manual approval (``approval_type`` 1)
    the registrant waits for the host's approval, under automatic approval they are in."""
    meeting = _by_registration_token(sandbox, token)
    if meeting is None or meeting.noun != noun or not meeting.registration_required:
        return page("Not found", "This registration link is not valid", "", status=404)
    if request.method == "GET":
        form = (f'<form method="post" action="/{noun}/register/{html.escape(token)}">'
                '<label for="first_name">First name</label><input id="first_name" '
                'name="first_name" required><label for="email">E-mail</label>'
                '<input id="email" name="email" type="email" required>'
                '<p><button type="submit">Register</button></p></form>')
        return page("Register", f"Register for {meeting.topic}", form)
    person = {"email": request.form.get("email", "").strip(),
              "first_name": request.form.get("first_name", "").strip() or "Guest",
              "last_name": ""}
    if "@" not in person["email"]:
        return page("Register", "Enter a valid e-mail address", "", status=400)
    try:
        with sandbox.state.lock:
            sandbox.state.check_can_register(
                meeting, sandbox.state.new_registrant_count(meeting, [person["email"]]))
            registrant, _ = sandbox.state.add_registrant(
                meeting, person, meeting.settings.get("approval_type") == 0)
    except SandboxRefusal as error:
        return page("Register", "You cannot register", f"<p>{text(error.message)}</p>",
                    status=400)
    if registrant.status == PENDING:
        return page("Registered", "Registration received",
                    '<p role="status">Your registration is waiting for the host\'s approval.'
                    "</p>")
    link = sandbox.state.registrant_join_url(meeting, registrant)
    return page("Registered", "You are registered",
                f'<p><a href="{html.escape(link)}">Join the {meeting.noun}</a></p>')


def guest_join(sandbox: SandboxApp, request: Request, meeting_id: int) -> Response:
    """``POST /j/{id}/join`` from the guest form of a meeting without registration."""
    name = request.form.get("name", "").strip() or "Guest"
    email = request.form.get("email", "").strip()
    with sandbox.state.lock:
        meeting = sandbox.state.meetings.get(meeting_id)
        if meeting is None or meeting.deleted or meeting.registration_required:
            return page("Not allowed", "You cannot join this way", "", status=403)
        part, _ = sandbox.state.join(meeting, name=name, email=email, role="guest")
    return _joined(meeting, part.name, part.email, part.participant_uuid, "")


def _joined(meeting: Meeting, name: str, email: str, participant_uuid: str,
            token: str) -> Response:
    who = f"{name} ({email})" if email else name
    message = f"{who} joined {describe(meeting)}"
    content = (f'<p id="joined" role="status" data-meeting-id="{meeting.id}" '
               f'data-participant-uuid="{html.escape(participant_uuid)}">'
               f"{text(message)}</p>"
               + button_form(f"/{meeting.path_letter}/{meeting.id}/leave", "Leave",
                             {"tk": token, "participant_uuid": participant_uuid}))
    return page(f"In {meeting.topic}", f"You are in {meeting.topic}", content)


def leave(sandbox: SandboxApp, request: Request, meeting_id: int) -> Response:
    """``POST /j/{id}/leave``: the Leave button."""
    participant_uuid = request.form.get("participant_uuid", "")
    with sandbox.state.lock:
        meeting = sandbox.state.meetings.get(meeting_id)
        part = meeting and sandbox.state.find_participation(
            meeting, participant_uuid=participant_uuid)
        if meeting is None or part is None:
            return page("Not in the meeting", "You are not in this meeting", "", status=404)
        sandbox.state.leave(meeting, part)
    who = f"{part.name} ({part.email})" if part.email else part.name
    return page("Left", "You left the meeting",
                f'<p id="left" role="status">{text(who)} left {text(describe(meeting))}</p>')


def host_page(sandbox: SandboxApp, request: Request, meeting_id: int) -> Response:
    """``GET /s/{id}?zak=...``: the host starts the meeting (``meeting.started``)."""
    zak = request.args.get("zak", "")
    with sandbox.state.lock:
        meeting = sandbox.state.meeting_for_start_token(zak)
        if meeting is None or meeting.id != meeting_id:
            return page("Expired link", "This start link is not valid",
                        "<p>Start links expire after two hours: ask for a fresh one.</p>",
                        status=403)
        host = sandbox.state.users.get(meeting.host_id)
        host_name = host.name if host else meeting.host_email
        started_now = sandbox.state.start_meeting(meeting)
        sandbox.state.join(meeting, name=host_name, email=meeting.host_email, role="host")
    verb = "started" if started_now else "rejoined"
    content = (f'<p id="started" role="status" data-meeting-id="{meeting.id}">'
               f"{text(host_name)} ({text(meeting.host_email)}) {verb} "
               f"{text(describe(meeting))}</p>"
               + button_form(f"/s/{meeting.id}/end", "End meeting", {"zak": zak}))
    return page(f"Hosting {meeting.topic}", f"You are hosting {meeting.topic}", content)


def host_end(sandbox: SandboxApp, request: Request, meeting_id: int) -> Response:
    """``POST /s/{id}/end``: everyone leaves, then ``meeting.ended``."""
    with sandbox.state.lock:
        meeting = sandbox.state.meeting_for_start_token(request.form.get("zak", ""))
        if meeting is None or meeting.id != meeting_id:
            return page("Expired link", "This start link is not valid", "", status=403)
        sandbox.state.end_meeting(meeting)
    return page("Ended", "The meeting has ended",
                f'<p id="ended" role="status">{text(describe(meeting))} has ended.</p>')


def recording_page(sandbox: SandboxApp, request: Request, recording_id: str) -> Response:
    """``/rec/share/{id}`` and ``/rec/play/{file}``: a stand-in for Zoom's player."""
    recording = sandbox.state.recordings.get(recording_id.split("-", maxsplit=1)[0])
    if recording is None:
        return page("Not found", "This recording does not exist", "", status=404)
    return page("Recording", f"Recording of {recording['topic']}",
                "<p>The sandbox has no video; this page stands in for Zoom's player.</p>")


def recording_download(sandbox: SandboxApp, request: Request, file_id: str) -> Response:
    """``/rec/download/{file}``: needs the webhook's download token (or an API token)."""
    recording = sandbox.state.recordings.get(file_id.split("-", maxsplit=1)[0])
    token = request.args.get("access_token", "")
    bearer = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    allowed = recording is not None and (
        recording["download_token"] in (token, bearer)
        or sandbox.state.token_is_valid(token or bearer))
    if not allowed:
        return Response("Forbidden", status=401 if recording else 404)
    return Response(b"\x00" * 1024, content_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{file_id}.mp4"'})
