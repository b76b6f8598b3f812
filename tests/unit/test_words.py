"""Every screen says what is happening in words: stored codes worded at render in the viewer's
language, reasons and buckets, alerts in people's terms, "Zoom is not answering" with Retry,
the capacity warning and promotion, one start button, ngettext (issue 15)."""
from datetime import UTC, datetime, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.utils import timezone, translation

from tests.utils import (
    COURSE,
    SANDBOX_CREDENTIALS,
    as_user,
    call_handler,
    enroll,
    make_block,
    make_user,
    render,
)
from zoom_xblock import platform, wording
from zoom_xblock.learners import sync
from zoom_xblock.meeting import authoring, lifecycle, sessions
from zoom_xblock.models import Registration, SessionAlert, SyncRun, WebhookEvent, ZoomSession
from zoom_xblock.staff import health, reports
from zoom_xblock.webhooks import zoom_events
from zoom_xblock.zoom import ZoomUnavailable

pytestmark = pytest.mark.django_db

VALUES = {"kind": "meeting", "title": "Tutorial", "start": datetime(2030, 1, 15, 14, tzinfo=UTC),
          "duration_minutes": 60, "timezone": "Europe/Paris", "host_email": "host@example.com"}
FIELDS = {"title": "Tutorial", "host_email": "host@example.com", "start_local": "2030-01-15T15:00",
          "timezone": "Europe/Paris"}
State = Registration.State


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def teacher():
    return make_user("teacher", course_role="staff", email="teacher@example.com")


@pytest.fixture
def block(teacher):
    return make_block(teacher, **FIELDS)


@pytest.fixture
def configured(settings):
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "SYNC_DEBOUNCE_SECONDS": 0}
    health.record_sweep()


def _session(block, **changes) -> ZoomSession:
    values = {"status": ZoomSession.Status.SCHEDULED, "zoom_id": 123, **VALUES, **changes}
    return ZoomSession.objects.create(usage_key=platform.usage_key_for(block), course_key=COURSE,
                                      **values)


# --- Stored codes, worded when shown ----------------------------------------------------------

def test_sync_messages_are_stored_as_codes_and_worded_in_the_viewers_language(block, configured):
    session = _session(block, zoom_id=None, status=ZoomSession.Status.CREATING)
    with translation.override("en"):
        sync.sync_session(session.id, "test")
    run = SyncRun.objects.get(session=session)
    assert wording.decode(run.message) == ("not_in_zoom", {})  # no English in the database
    with translation.override("es"):
        spanish = reports.summary(session)["last_run"]["message"]
    with translation.override("fr"):
        french = reports.summary(session)["last_run"]["message"]
    assert spanish == "A la espera de que la reunión exista en Zoom."
    assert french == "En attente de la création de la réunion dans Zoom."


def test_an_ended_session_is_not_waiting_for_zoom(block, configured):
    session = _session(block, live_status=ZoomSession.LiveStatus.ENDED)
    sync.sync_session(session.id, "test")
    html = render(block)
    assert "The session has ended: registrations no longer change." in html
    assert "Waiting for the meeting to exist in Zoom" not in html


def test_plain_text_stored_before_is_shown_as_it_is_and_markup_is_escaped():
    assert wording.render("Old English text <b>") == "Old English text &lt;b&gt;"
    assert wording.stored_text("Old English text") == "Old English text"
    hostile = wording.stored("zoom_refused_learner", reason="<script>alert(1)</script>")
    assert "<script>" not in wording.render(hostile)
    assert "&lt;script&gt;" in wording.render(hostile)
    assert wording.render(wording.stored("a_newer_code")) == "a_newer_code"


def test_never_registered_learners_are_not_counted_as_cancelled_and_reasons_are_words(
        block, configured):
    session = _session(block)
    never = Registration.objects.create(session=session, user_id=1, email="never@example.com",
                                        state=State.CANCELLED, wanted=False,
                                        eligibility_reason="not_enrolled")
    left = Registration.objects.create(session=session, user_id=2, email="left@example.com",
                                       state=State.CANCELLED, wanted=False, registrant_id="r2",
                                       eligibility_reason="prerequisite")
    counts = reports.state_counts(session)["counts"]
    assert (counts["cancelled"], counts["not_registered"]) == (1, 1)
    rows = {row["id"]: row for row in reports.report_page(session, reports.ReportQuery())["rows"]}
    assert (rows[never.id]["state_display"], rows[never.id]["detail"]) == (
        "Not registered", "Not enrolled in the course")
    assert (rows[left.id]["state_display"], rows[left.id]["detail"]) == (
        "Cancelled", "Requirements not met yet")
    html = render(block)
    assert "not_enrolled" not in html and "prerequisite</" not in html
    assert "Not enrolled in the course" in html


def test_report_and_alert_times_are_shown_in_the_viewers_zone(block, configured):
    session = _session(block)
    Registration.objects.create(session=session, user_id=1, email="a@example.com",
                                state=State.REGISTERED, registrant_id="r1",
                                registered_at=datetime(2030, 1, 10, 8, 30, tzinfo=UTC))
    SessionAlert.objects.create(session=session, kind="sync_failed", message="x")
    html = render(block)
    # The script shows these in the browser's zone; without script the session's zone shows.
    assert ('<time class="zoom-local" datetime="2030-01-10T08:30:00+00:00" data-format="short">'
            in html)
    assert 'zoom-staff-when"><time class="zoom-local"' in html


# --- Alerts about changes made in Zoom --------------------------------------------------------

def test_drift_alerts_use_labels_local_times_and_say_when_the_settings_were_put_back(
        zoom_sandbox, block, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        session = sessions.save_desired(platform.usage_key_for(block), COURSE, VALUES)
    session.refresh_from_db()
    health.record_sweep()
    event = WebhookEvent.objects.create(
        dedupe_key="d1", event="meeting.updated", endpoint="meeting", zoom_id=session.zoom_id,
        payload={"event": "meeting.updated", "payload": {
            "operator": "someone@example.com",
            "object": {"id": session.zoom_id, "start_time": "2030-01-22T09:00:00Z",
                       "duration": 90},
            "old_object": {"id": session.zoom_id, "start_time": "2030-01-15T14:00:00Z",
                           "duration": 60}}})
    with django_capture_on_commit_callbacks(execute=True):
        zoom_events.meeting_updated(ZoomSession.objects.get(id=session.id), event)
    alert = SessionAlert.objects.get(session=session, kind="drift")
    text = wording.stored_text(alert.message, "Europe/Paris")
    assert "start_time" not in text and "2030-01-22T09:00:00Z" not in text
    assert "Start: 2030-01-15 15:00 (Europe/Paris) → 2030-01-22 10:00 (Europe/Paris)" in text
    assert "Duration: 60 minutes → 90 minutes" in text
    # The restore ran (eager): the alert no longer says "being put back".
    assert "being put back" not in text and "were put back at" in text
    html = render(block)
    assert 'were put back at <time class="zoom-local"' in html


def test_a_drift_alert_waiting_for_its_restore_says_so():
    message = wording.stored("drift", operator="", restore=True,
                             changes={"topic": {"old": "A", "new": "B"}})
    assert wording.stored_text(message) == (
        "Someone changed the session in Zoom (Title: “A” → “B”). The course's settings are "
        "being put back.")


# --- Zoom is not answering --------------------------------------------------------------------

def test_zoom_not_answering_shows_the_retry_time_last_error_and_retry_in_both_views(
        block, configured, teacher):
    session = _session(block, status=ZoomSession.Status.UPDATING, desired_version=2,
                       synced_version=1, applied_settings={"host": "host@example.com"})
    client = mock.Mock()
    client.update.side_effect = ZoomUnavailable("Service Unavailable", status=503)
    with mock.patch.object(lifecycle, "get_client", return_value=client), \
            pytest.raises(lifecycle.RetryLater) as later:
        lifecycle.apply_session(session.id)
    session.refresh_from_db()
    assert wording.code_of(session.last_error) == "zoom_unavailable"
    local = later.value.when.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M")
    for html in (render(as_user(block, teacher, studio=True), "author_view"), render(block)):
        assert 'Zoom is not answering; retrying at <time class="zoom-local"' in html
        assert f"{local} (Europe/Paris)</time>" in html
        assert "Last error: HTTP 503: Service Unavailable" in html
        assert 'class="zoom-button zoom-retry"' in html
    assert "Updating in Zoom" not in render(as_user(block, teacher, studio=True), "author_view")
    with mock.patch("zoom_xblock.intents.queue_apply") as queued:  # the staff view's Retry
        status, body = call_handler(block, "staff_retry_zoom", {})
    assert status == 200 and queued.called and body["state"]["problem"] == "not_answering"
    with mock.patch("zoom_xblock.intents.queue_apply") as queued:  # the author view's Retry
        status, body = call_handler(as_user(block, teacher, studio=True), "retry_zoom", {})
    assert status == 200 and queued.called


def test_the_organizer_warning_speaks_of_the_change_once_the_meeting_exists():
    with mock.patch.object(authoring.clients, "get_client", side_effect=ZoomUnavailable("x")):
        _errors, created = authoring.organizer_problems("host@example.com", "meeting")
        _errors, exists = authoring.organizer_problems("host@example.com", "meeting",
                                                       in_zoom=True)
    assert "when the meeting is created" in created[0]
    assert "when the change is sent to Zoom" in exists[0]


# --- Capacity -----------------------------------------------------------------------------------

def test_lowering_the_capacity_below_the_registered_warns(block, configured):
    context = authoring.EditorContext(display_name="x", webinars_enabled=True, registered=3)
    assert authoring.capacity_warnings(5, context) == []
    assert authoring.capacity_warnings(None, context) == []
    warning = authoring.capacity_warnings(2, context)[0]
    assert "The capacity (2) is below the 3 learners registered already" in warning


def test_the_editor_warns_when_the_capacity_drops_below_the_registered(block, configured,
                                                                       teacher):
    session = _session(block)
    block = as_user(block, teacher, studio=True)  # the editor is Studio's
    for n in range(3):
        Registration.objects.create(session=session, user_id=n + 1, email=f"r{n}@example.com",
                                    state=State.REGISTERED, registrant_id=f"r{n}")
    with mock.patch.object(authoring, "organizer_problems", return_value=({}, [])), \
            mock.patch("zoom_xblock.intents.queue_apply"):
        status, body = call_handler(block, "studio_submit", {
            "start_date": "2030-01-15", "start_time": "15:00", "capacity": "2"})
    assert status == 200, body
    assert any("below the 3 learners registered" in warning for warning in body["warnings"])


def test_raising_the_capacity_promotes_the_waitlist_at_once(
        zoom_sandbox, block, django_capture_on_commit_callbacks):
    usage_key = platform.usage_key_for(block)
    with django_capture_on_commit_callbacks(execute=True):
        session = sessions.save_desired(usage_key, COURSE, {**VALUES, "capacity": 1})
    learners = [make_user(f"learner{n}") for n in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        for learner in learners:
            enroll(learner)
    sync.sync_session(session.id, "test")
    assert Registration.objects.filter(session=session, state=State.WAITLISTED).count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        sessions.save_desired(usage_key, COURSE, {**VALUES, "capacity": 3})
    # No sweep ran: the save itself queued the sync (eager Celery in this tier).
    assert Registration.objects.filter(session=session, state=State.REGISTERED).count() == 3


# --- One start button, the right words per kind -----------------------------------------------

def test_the_organizer_sees_one_start_button_with_a_confirmation_far_from_the_start(
        configured):
    organizer = make_user("organizer", course_role="staff", email="host@example.com")
    webinar = make_block(organizer, **FIELDS, kind="webinar")
    session = _session(webinar, kind="webinar")
    html = render(webinar)  # 2030: Join is not open, the staff area offers the early start
    assert html.count('class="zoom-button zoom-staff-start"') == 1
    assert "Start the webinar early" in html and "zoom-join" not in html
    assert 'data-confirm="This webinar is scheduled for 2030-01-15 15:00 (Europe/Paris)' in html
    ZoomSession.objects.filter(id=session.id).update(
        start=timezone.now() + timedelta(minutes=5))
    html = render(webinar)  # Join is open: the learner area has the only Start
    assert html.count(">Start the webinar<") == 1 and "zoom-staff-start" not in html
    assert "Start opens the webinar in Zoom as its host." in html
    assert "Join starts the meeting" not in html and "data-confirm" not in html
    ZoomSession.objects.filter(id=session.id).update(live_status="ended")
    html = render(webinar)
    assert "zoom-staff-start" not in html and "Start the webinar" not in html


def test_non_organizer_staff_are_not_told_the_learners_waitlist_sentence(block, configured):
    session = _session(block, capacity=1, start=timezone.now() + timedelta(minutes=5))
    Registration.objects.create(session=session, user_id=999, email="x@example.com",
                                state=State.REGISTERED, registrant_id="r")
    html = render(block)
    assert "This session is full (1 of 1 place taken). As course staff" in html
    assert "and you'll be registered automatically when a place frees up" not in html


def test_no_shows_before_the_end_are_a_dash_with_a_note(block, configured):
    _session(block)
    html = render(block)
    assert 'data-figure="no_shows"><dt>No-shows</dt><dd><span aria-hidden="true">–</span>' in html


@pytest.mark.parametrize("minutes,expected", [
    (1, "every minute"), (15, "every 15 minutes")])
def test_the_sweep_interval_is_counted_with_ngettext(settings, minutes, expected):
    settings.ZOOM_XBLOCK = {"SWEEP_INTERVAL_MINUTES": minutes}
    problem = health.Problem("sweep", {"last": "x", "minutes": 1, "interval": minutes})
    assert expected in problem.message and "1 minute ago" in problem.message
    assert "every 1 minutes" not in problem.line



def test_the_daily_limit_wording_is_ready_for_the_lifecycle():
    text = wording.stored_text(wording.stored("quota_deferred", until="2030-01-16T00:00:00+00:00"),
                               "Europe/Paris")
    assert text == "Zoom's daily limit reached; applied after 01:00 (Europe/Paris)."
