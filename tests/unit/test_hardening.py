"""Issue 12: the holes an outsider's attack run found, each closed (one test per hole).

1. organizer identity is more than an e-mail address; 2. one poison event holds back nothing;
3. manual approval keeps outsiders pending; 4. attendance is credited by registrant id only;
5. bad input is a message or a safe default, never a 500; 6. no secret in stored webhooks;
7. failed runs closed, deleted meetings noticed, Join registers only on POST, pages tell
outsiders nothing, ``webinar.deleted`` finds only webinars.
"""
import json
import re
import time
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
import requests
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.learning import HOST, learners, register_all, registration, schedule
from tests.utils import COURSE, SANDBOX_CREDENTIALS, call_handler, make_block, make_user
from zoom_xblock import platform, sweep
from zoom_xblock.block.staff_panel import running_run
from zoom_xblock.clients import get_client
from zoom_xblock.learners import sync
from zoom_xblock.meeting import organizer_emails, zoom_body
from zoom_xblock.models import (
    AttendanceInterval,
    Registration,
    SessionAlert,
    SyncRun,
    WebhookEvent,
    ZoomSession,
)
from zoom_xblock.staff import health
from zoom_xblock.webhooks import attendance, zoom_events
from zoom_xblock.zoom.webhooks import parse_time, signature_headers

pytestmark = pytest.mark.django_db

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@hardening"
JOIN = reverse("zoom_xblock:join", kwargs={"usage_key": USAGE})
ICS = reverse("zoom_xblock:calendar", kwargs={"usage_key": USAGE})
SECRET = SANDBOX_CREDENTIALS["WEBHOOK_SECRET_TOKEN"]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def location(response) -> str:
    return response.get("Location", "")


def row(**changes) -> ZoomSession:
    """A session as an old row or an import may have left it (no Zoom needed)."""
    values = {"usage_key": USAGE, "course_key": COURSE, "title": "Seminar", "zoom_id": 4242,
              "status": ZoomSession.Status.SCHEDULED, "host_email": HOST, "timezone": "UTC",
              "start": timezone.now() + timedelta(minutes=5), "duration_minutes": 60}
    return ZoomSession.objects.create(**{**values, **changes})


def stored_event(name: str, zoom_id=4242, **obj) -> WebhookEvent:
    payload = {"event": name, "event_ts": int(time.time() * 1000),
               "payload": {"account_id": "acc", "object": {"id": str(zoom_id), **obj}}}
    return WebhookEvent.objects.create(
        dedupe_key=f"{name}-{time.monotonic_ns()}", event=name, endpoint=name.partition(".")[0],
        zoom_id=zoom_id, payload=payload,
        received_at=timezone.now() - timedelta(minutes=5))


# --- 1. Organizer identity ------------------------------------------------------------------

def test_an_unverified_account_with_the_organizers_address_gets_no_start_link(zoom_sandbox):
    """The platform signs new accounts in before their address is verified (is_active False)."""
    schedule(USAGE)
    newcomer = make_user("newcomer", email=HOST, course_role="instructor")
    newcomer.is_active = False
    newcomer.save()
    for response in (signed_in(newcomer).get(JOIN), signed_in(newcomer).post(JOIN)):
        assert response.status_code == 403 and "zak=" not in location(response)
    assert signed_in(newcomer).get(ICS).status_code == 403


def test_the_organizers_address_without_a_course_role_joins_as_a_participant(zoom_sandbox):
    session = schedule(USAGE, alternative_hosts=["host2@example.com"])
    (lookalike,) = learners("lookalike")
    lookalike.email = "HOST2@example.com"
    lookalike.save()
    response = signed_in(lookalike).post(JOIN)
    assert response.status_code == 302
    assert "zak=" not in location(response) and "tk=" in location(response)
    assert registration(session, lookalike).state == Registration.State.REGISTERED


def test_an_impostor_sees_no_start_button_and_gets_no_calendar_of_the_hosts_sessions(
        zoom_sandbox):
    from tests.learning import BLOCK_FIELDS
    from tests.utils import as_user, render

    block = make_block(None, **BLOCK_FIELDS)
    schedule(platform.usage_key_for(block))
    impostor = make_user("impostor", email=HOST)
    html = render(as_user(block, impostor))
    assert "Start the meeting" not in html
    ics = reverse("zoom_xblock:calendar", kwargs={"usage_key": platform.usage_key_for(block)})
    assert signed_in(impostor).get(ics).status_code == 403


# --- 2. Poison events -----------------------------------------------------------------------

@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00"])
def test_extreme_timestamps_parse_safely_and_hold_back_nothing(moment):
    session = row()
    poison = stored_event("meeting.started", start_time=moment)
    later = stored_event("meeting.participant_joined", participant={
        "participant_uuid": "p1", "user_name": "Ada", "join_time": moment})
    zoom_events.apply_received()
    poison.refresh_from_db(), later.refresh_from_db(), session.refresh_from_db()
    assert poison.status == WebhookEvent.Status.APPLIED  # the event's own time instead
    assert later.status in (WebhookEvent.Status.APPLIED, WebhookEvent.Status.IGNORED)
    assert session.live_status == ZoomSession.LiveStatus.LIVE
    assert parse_time(moment) is None


def test_an_event_that_fails_is_marked_with_its_reason_retried_then_given_up(settings):
    settings.ZOOM_XBLOCK = {"WEBHOOK_MAX_ATTEMPTS": 2, "SYNC_DEBOUNCE_SECONDS": 0}
    session = row()
    poison = stored_event("meeting.started")
    good = stored_event("meeting.ended", end_time="2030-01-01T10:00:00Z")
    with mock.patch.dict(zoom_events.HANDLERS, {"started": mock.Mock(
            side_effect=RuntimeError("boom"))}):
        zoom_events.apply_received()
        poison.refresh_from_db(), good.refresh_from_db()
        assert good.status == WebhookEvent.Status.APPLIED  # not held back
        assert poison.status == WebhookEvent.Status.FAILED
        assert poison.attempts == 1 and "RuntimeError: boom" in poison.error
        sweep.catch_up()  # the sweep retries it once more, then gives up
        sweep.catch_up()
        poison.refresh_from_db()
        assert poison.attempts == 2 and poison.status == WebhookEvent.Status.FAILED
    problems = health.run_check(self_check_webhooks=False, store=False).problems
    failed = [p for p in problems if p.code == "webhooks_failed"]
    assert failed and "RuntimeError: boom" in failed[0].message
    staff = make_user("teacher", course_role="staff")
    block = make_block(staff, title="Seminar")
    with mock.patch("zoom_xblock.platform.usage_key_for", return_value=session.usage_key):
        status, body = call_handler(block, "staff_summary", {})
    assert status == 200
    assert body["failed_events"][0]["event"] == "meeting.started"
    assert "RuntimeError: boom" in body["failed_events"][0]["error"]


def test_a_learner_whose_completion_fails_holds_back_no_other_learner():
    session = row(live_status=ZoomSession.LiveStatus.ENDED, completion_threshold_percent=10,
                  actual_start=datetime(2030, 1, 1, 10, tzinfo=UTC),
                  actual_end=datetime(2030, 1, 1, 11, tzinfo=UTC))
    gone, stays = (Registration.objects.create(session=session, user_id=user.id,
                                               email=user.email,
                                               state=Registration.State.REGISTERED)
                   for user in (make_user("gone"), make_user("stays")))
    for reg in (gone, stays):
        AttendanceInterval.objects.create(
            session=session, registration=reg, participant_key=f"k{reg.user_id}",
            join_time=session.actual_start, leave_time=session.actual_end)
    real = platform.publish_completion

    def publish(user_id, usage_key, completion):
        if user_id == gone.user_id:
            raise LookupError("the user was deleted")
        real(user_id, usage_key, completion)

    with mock.patch("zoom_xblock.platform.publish_completion", side_effect=publish):
        attendance.settle(session)
    stays.refresh_from_db(), gone.refresh_from_db()
    assert stays.completed_at is not None and not stays.progress_pending
    assert gone.progress_pending and "LookupError" in gone.progress_error  # retried later


def test_the_sweeps_report_step_runs_when_the_webhook_step_fails():
    with mock.patch("zoom_xblock.webhooks.zoom_events.apply_pending", side_effect=OverflowError), \
            mock.patch("zoom_xblock.webhooks.attendance.run_due_reports", return_value=3):
        result = sweep.catch_up()
    assert result["webhooks_applied"] == 0 and result["reports_queued"] == 3


# --- 3. Manual approval -------------------------------------------------------------------------

def _zoom_registrants(session, status):
    return list(get_client().iter_registrants(session.kind, session.zoom_id, status=status))


def _outsider_registers(sandbox, session) -> requests.Response:
    page = requests.post(session.registration_url, timeout=5,
                         data={"first_name": "Eve", "email": "eve@outside.example"})
    assert page.status_code == 200
    return page


def test_meetings_use_manual_approval_and_the_plugins_registrants_are_approved(zoom_sandbox):
    session = schedule(USAGE)
    assert get_client().get("meeting", session.zoom_id)["settings"]["approval_type"] == 1
    (ada,) = learners("ada")
    register_all(session)
    assert registration(session, ada).join_url
    assert [r["email"] for r in _zoom_registrants(session, "approved")] == [ada.email]


def test_a_webinar_learner_registered_just_in_time_is_approved(zoom_sandbox):
    session = schedule(USAGE, kind="webinar")
    (ada,) = learners("ada")
    Registration.objects.filter(session=session).delete()
    response = signed_in(ada).post(JOIN)
    assert response.status_code == 302 and "tk=" in location(response)


@pytest.mark.parametrize("policy, denied", [("deny", 1), ("report", 0)])
def test_an_outsider_who_self_registers_stays_pending_and_is_reported(
        zoom_sandbox, settings, policy, denied):
    session = schedule(USAGE)
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "OUTSIDER_REGISTRANTS": policy}
    learners("ada")
    register_all(session)
    assert "waiting for the host's approval" in _outsider_registers(zoom_sandbox, session).text
    result = sync.sync_session(session.id, "staff", full=True)
    assert result["reconciled"]["extra"] == 1 and result["reconciled"]["denied"] == denied
    alert = SessionAlert.objects.get(session=session, kind=SessionAlert.Kind.RECONCILIATION)
    assert alert.details["extra"] == ["eve@outside.example"]
    assert [r["email"] for r in _zoom_registrants(session, "denied")] == (
        ["eve@outside.example"] if denied else [])
    assert [r["email"] for r in _zoom_registrants(session, "approved")] == ["ada@example.com"]


def test_the_cancel_policy_also_cancels_outsiders_someone_approved_in_zoom(
        zoom_sandbox, settings):
    session = schedule(USAGE)
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "OUTSIDER_REGISTRANTS": "cancel"}
    _outsider_registers(zoom_sandbox, session)
    (eve,) = _zoom_registrants(session, "pending")
    get_client().set_registrant_status("meeting", session.zoom_id, "approve",
                                       [{"id": eve["id"], "email": eve["email"]}])
    result = sync.sync_session(session.id, "staff", full=True)
    assert result["reconciled"]["cancelled"] == 1
    assert _zoom_registrants(session, "approved") == []


# --- 4. Attendance by registrant id ------------------------------------------------------------

def test_a_guest_typing_a_learners_address_in_the_report_is_a_walk_in():
    session = row()
    reg = Registration.objects.create(session=session, user_id=make_user("ada").id,
                                      email="ada@example.com")
    guest = attendance.Participant.from_report({
        "name": "Ada?", "user_email": "ADA@example.com", "join_time": "2030-01-01T10:00:00Z",
        "leave_time": "2030-01-01T11:00:00Z", "participant_user_id": ""})
    signed = attendance.Participant.from_report({
        "name": "Ada", "user_email": "ada@example.com", "join_time": "2030-01-01T12:00:00Z",
        "leave_time": "2030-01-01T13:00:00Z", "participant_user_id": "zoom-user-1"})
    forged, _ = attendance._create_interval(session, guest, guest.join_time, guest.leave_time,
                                            AttendanceInterval.Source.REPORT)
    vouched, _ = attendance._create_interval(session, signed, signed.join_time,
                                             signed.leave_time, AttendanceInterval.Source.REPORT)
    assert forged.registration is None and vouched.registration == reg


def test_a_signed_in_address_of_an_unverified_account_credits_nobody():
    session = row()
    ada = make_user("ada")
    ada.is_active = False
    ada.save()
    Registration.objects.create(session=session, user_id=ada.id, email=ada.email)
    assert attendance.match_registration(session, "", ada.email, by_email=True) is None


# --- 5. No 500 on bad input ---------------------------------------------------------------------

@pytest.fixture
def author():
    return make_user("author", course_role="staff")


def _submit(author, **form):
    block = make_block(author, studio=True, title="T", host_email=HOST,
                       start_local="2030-01-15T10:00")
    return call_handler(block, "studio_submit", form)


def test_a_5000_digit_number_in_the_editor_is_a_message(author):
    status, body = _submit(author, duration_minutes="9" * 5000, capacity="1" * 5000)
    assert status == 400
    assert set(body["errors"]) >= {"duration_minutes", "capacity"}


def test_a_start_in_year_one_in_a_western_zone_is_a_message(author):
    status, body = _submit(author, start_date="0001-01-01", start_time="00:00",
                           timezone="America/Los_Angeles")
    assert status == 400 and "start_date" in body["errors"]


def test_an_infinite_page_on_the_staff_report_falls_back_to_the_first(author):
    block = make_block(author, title="T")
    for page in (float("inf"), float("-inf"), 1e300, "9" * 5000, [1], 10**30):
        status, body = call_handler(block, "staff_report", {"page": page, "page_size": page})
        assert status == 200 and body["page"] == 1, page


@pytest.mark.parametrize("changes", [
    {"timezone": ""}, {"timezone": "Mars/Olympus_Mons"}, {"alternative_hosts": [1, None, 2.5]},
    {"prerequisite": "garbage"}, {"prerequisite": {"usage_key": 7, "min_score": "x"}},
    {"prerequisite": ["a"]}, {"alternative_hosts": "co@example.com"},
])
def test_garbage_in_an_old_row_gives_pages_not_500s(zoom_sandbox, changes):
    session = schedule(USAGE)
    ZoomSession.objects.filter(id=session.id).update(**changes)
    (ada,) = learners("ada")
    teacher = make_user("teacher", course_role="staff")
    for user in (ada, teacher):
        for response in (signed_in(user).get(JOIN), signed_in(user).post(JOIN),
                         signed_in(user).get(ICS)):
            assert response.status_code < 500
    session.refresh_from_db()
    payload = zoom_body.zoom_payload(session)
    assert payload["timezone"] in ("UTC", "Europe/Paris")
    assert isinstance(payload["settings"]["alternative_hosts"], str)
    sync.sync_session(session.id, "test")  # does not raise


@pytest.mark.parametrize("garbage", ["garbage", ["a"], {"usage_key": 7},
                                     {"usage_key": "not a key", "min_score": 60}])
def test_an_unreadable_prerequisite_lets_nobody_in_as_if_it_were_met(zoom_sandbox, garbage):
    session = schedule(USAGE)
    ZoomSession.objects.filter(id=session.id).update(prerequisite=garbage)
    Registration.objects.filter(session=session).delete()
    (ada,) = learners("ada")
    response = signed_in(ada).post(JOIN)
    assert response.status_code == 403
    assert "can no longer be read" in response.content.decode()
    sync.sync_session(session.id, "test")
    assert not registration(session, ada).wanted


@pytest.mark.parametrize("fields", [
    {"timezone": "Not/AZone"}, {"timezone": ""}, {"alternative_hosts": [1, 2]},
])
def test_garbage_from_an_olx_import_renders_every_view(author, fields):
    from tests.utils import render

    block = make_block(author, title="T", host_email=HOST, start_local="2030-01-15T10:00",
                       **fields)
    for view in ("student_view", "author_view", "studio_view"):
        assert render(block, view)


def test_a_title_with_a_newline_gives_a_calendar_and_a_one_line_e_mail_subject(zoom_sandbox):
    session = schedule(USAGE, title="Week 1\r\nBcc: victim@example.com & <friends>")
    (ada,) = learners("ada")
    response = signed_in(ada).get(ICS)
    assert response.status_code == 200
    summary = [line for line in response.content.decode().splitlines()
               if line.startswith("SUMMARY")]
    assert summary == ["SUMMARY:Week 1 Bcc: victim@example.com & <friends>"]
    mail.outbox.clear()
    assert organizer_emails.organizer_changes(session, {}, {"host": HOST}) == "assigned"
    (sent,) = mail.outbox
    assert sent.subject == 'You are the organizer of "Week 1 Bcc: victim@example.com & <friends>"'
    assert sent.to == [HOST] and "victim@example.com" not in sent.cc + sent.bcc


# --- 6. Secrets at intake -----------------------------------------------------------------------

def test_stored_webhooks_keep_no_passcode_and_no_download_token(settings):
    settings.ZOOM_XBLOCK = {"WEBHOOK_SECRET_TOKEN": SECRET, "SYNC_DEBOUNCE_SECONDS": 0}
    secrets = ["REC-PASSCODE", "MEETING-PWD", "DL-ACCESS-TOKEN", "HOST-ZAK", "JOIN-TK",
               "DOWNLOAD-TOKEN"]
    body = json.dumps({
        "event": "recording.completed", "event_ts": int(time.time() * 1000),
        "download_token": "DOWNLOAD-TOKEN",
        "payload": {"account_id": "a", "object": {
            "id": 1, "uuid": "u==", "password": "MEETING-PWD",
            "recording_play_passcode": "REC-PASSCODE",
            "share_url": "https://zoom.us/rec/share/abc?access_token=DL-ACCESS-TOKEN",
            "start_url": "https://zoom.us/s/1?zak=HOST-ZAK",
            "join_url": "https://zoom.us/w/1?tk=JOIN-TK",
            "recording_files": [{"id": "f", "download_url":
                                 "https://zoom.us/rec/download/f?access_token=DL-ACCESS-TOKEN"}],
        }}}).encode()
    response = Client().generic("POST", "/zoom/webhook/meeting", body,
                                content_type="application/json",
                                headers={k: v for k, v in signature_headers(SECRET, body).items()
                                         if k != "Content-Type"})
    assert response.status_code == 200
    stored = json.dumps(WebhookEvent.objects.get().payload)
    for secret in secrets:
        assert secret not in stored, secret
    assert "https://zoom.us/rec/share/abc" in stored  # the link itself stays


# --- 7. The smaller ones ------------------------------------------------------------------------

def test_a_sync_that_fails_closes_its_run(zoom_sandbox):
    session = schedule(USAGE)
    with mock.patch("zoom_xblock.learners.sync.reconcile", side_effect=RuntimeError("boom")), \
            pytest.raises(RuntimeError):
        sync.sync_session(session.id, "staff", full=True)
    run = SyncRun.objects.filter(session=session).latest("id")
    assert run.outcome == SyncRun.Outcome.FAILED and run.finished_at is not None
    assert running_run(session) is None  # "Sync now" can start again
    session.refresh_from_db()
    # and the sweep retries: "come back then" (sync_retry_at), apart from "something changed"
    assert session.sync_retry_at is not None


def test_a_zoom_error_during_reconciliation_closes_the_run(zoom_sandbox):
    from zoom_xblock.zoom import ZoomUnavailable

    session = schedule(USAGE)
    with mock.patch("zoom_xblock.learners.sync.reconcile", side_effect=ZoomUnavailable("down")):
        result = sync.sync_session(session.id, "staff", full=True)
    assert "interrupted" in result
    assert SyncRun.objects.filter(session=session).latest("id").finished_at is not None


def test_the_sweep_notices_a_meeting_deleted_in_zoom_without_its_webhook(zoom_sandbox):
    session = schedule(USAGE)
    get_client().delete("meeting", session.zoom_id)  # the sandbox sends no webhook for it
    sync.sync_session(session.id, "pre_start")
    session.refresh_from_db()
    assert session.status == ZoomSession.Status.DELETED_IN_ZOOM
    assert SessionAlert.objects.filter(session=session,
                                       kind=SessionAlert.Kind.DELETED_IN_ZOOM).exists()
    (ada,) = learners("ada")
    assert signed_in(ada).post(JOIN).status_code == 410


def test_a_get_of_join_never_registers_anyone(zoom_sandbox):
    from tests.learning import reset_calls, sandbox_calls

    session = schedule(USAGE)
    (ada,) = learners("ada")
    Registration.objects.filter(session=session).delete()
    reset_calls(zoom_sandbox)
    response = signed_in(ada).get(JOIN)  # what a cross-site <img src> would do
    assert response.status_code == 200
    html = response.content.decode()
    assert re.search(r'<form method="post" action="[^"]*/zoom/join/', html)
    assert 'name="csrfmiddlewaretoken"' in html
    assert not Registration.objects.filter(session=session).exists()
    assert sandbox_calls(zoom_sandbox) == {}


def test_the_join_post_needs_the_csrf_token(zoom_sandbox):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    Registration.objects.filter(session=session).delete()
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    assert client.post(JOIN).status_code == 403
    page = client.get(JOIN).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    response = client.post(JOIN, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and "tk=" in location(response)


@pytest.fixture
def configured(settings):
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "SYNC_DEBOUNCE_SECONDS": 0}


@pytest.mark.parametrize("status", [ZoomSession.Status.DELETED, ZoomSession.Status.SCHEDULED])
def test_pages_tell_outsiders_nothing_about_the_session(configured, status):
    row(status=status, title="Secret board meeting", host_email="ceo@example.com",
        live_status=ZoomSession.LiveStatus.ENDED)
    outsider = make_user("outsider")
    for response in (signed_in(outsider).get(JOIN), signed_in(outsider).post(JOIN),
                     signed_in(outsider).get(ICS)):
        html = response.content.decode()
        assert response.status_code in (403, 410, 200)
        assert "Secret board meeting" not in html and "ceo@example.com" not in html


def test_an_enrolled_learner_still_sees_the_title_of_a_cancelled_session(configured):
    row(status=ZoomSession.Status.DELETED, title="Week 1 review")
    (ada,) = learners("ada")
    response = signed_in(ada).get(JOIN)
    assert response.status_code == 410 and "Week 1 review" in response.content.decode()


def test_webinar_deleted_with_a_meetings_id_leaves_the_meeting_alone():
    meeting = row(kind=ZoomSession.Kind.MEETING)
    event = stored_event("webinar.deleted", zoom_id=meeting.zoom_id)
    assert zoom_events.apply_event(event.id) == WebhookEvent.Status.IGNORED
    meeting.refresh_from_db()
    assert meeting.status == ZoomSession.Status.SCHEDULED


def test_the_join_page_lets_its_button_post_with_an_origin(zoom_sandbox):
    """With ``no-referrer`` a browser sends ``Origin: null`` and Django's CSRF check refuses."""
    session = schedule(USAGE)
    (ada,) = learners("ada")
    Registration.objects.filter(session=session).delete()
    page = signed_in(ada).get(JOIN)
    assert page["Referrer-Policy"] == "same-origin"
    registration(session, ada)  # still nobody registered
    redirect = signed_in(ada).post(JOIN)
    assert redirect["Referrer-Policy"] == "no-referrer"
