"""Participant sync against the local Zoom: every eligible learner registered exactly once,
nobody else; capacity with a waitlist; prerequisites; unusable e-mails; Zoom's limits."""
import math
from datetime import UTC, datetime

import pytest
import requests

from tests.standin.models import Subsection, SubsectionProgress
from tests.utils import COURSE, enroll, make_user, unenroll
from zoom_xblock.learners import sync
from zoom_xblock.meeting import sessions
from zoom_xblock.models import Registration, SessionAlert, SyncRun, ZoomSession
from zoom_xblock.wording import stored_text

pytestmark = pytest.mark.django_db

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@sync"
WEEK1 = "block-v1:Demo+Zoom+2026+type@sequential+block@week1"
VALUES = {"kind": "meeting", "title": "Tutorial", "start": datetime(2030, 1, 15, 14, tzinfo=UTC),
          "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com"}


@pytest.fixture
def session(zoom_sandbox, django_capture_on_commit_callbacks):
    def create(**changes):
        with django_capture_on_commit_callbacks(execute=True):
            made = sessions.save_desired(USAGE, COURSE, {**VALUES, **changes})
        made.refresh_from_db()
        assert made.status == "scheduled"
        return made
    return create


def _registrants(sandbox, zoom_id):
    state = requests.get(f"{sandbox.url}/_sandbox/state", timeout=5).json()
    (meeting,) = [m for m in state["meetings"] if m["id"] == zoom_id]
    return {r["email"]: r for r in meeting["registrants"]}


def _calls(sandbox):
    return requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()["calls"]


def _learners(count, prefix="learner"):
    people = [make_user(f"{prefix}{n}") for n in range(count)]
    for person in people:
        enroll(person)
    return people


def test_enrolled_learners_are_registered_each_with_their_own_link(zoom_sandbox, session):
    meeting = session()
    ada, bob = _learners(2)
    result = sync.sync_session(meeting.id, "test")
    assert result["added"] == 2
    in_zoom = _registrants(zoom_sandbox, meeting.zoom_id)
    assert {e: r["status"] for e, r in in_zoom.items()} == {
        ada.email: "approved", bob.email: "approved"}
    rows = {r.user_id: r for r in Registration.objects.filter(session=meeting)}
    assert rows[ada.id].state == rows[bob.id].state == "registered"
    assert rows[ada.id].join_url != rows[bob.id].join_url
    assert rows[ada.id].registrant_id == in_zoom[ada.email]["id"]


def test_a_second_pass_changes_nothing_and_calls_nothing(zoom_sandbox, session):
    meeting = session()
    _learners(3)
    sync.sync_session(meeting.id, "test")
    requests.post(f"{zoom_sandbox.url}/_sandbox/stats/reset", timeout=5)
    result = sync.sync_session(meeting.id, "test")
    assert (result["added"], result["cancelled"], result["zoom_calls"]) == (0, 0, 0)
    assert _calls(zoom_sandbox) == {}


def test_learners_are_added_in_batches_of_thirty(zoom_sandbox, session):
    meeting = session()
    _learners(65)
    requests.post(f"{zoom_sandbox.url}/_sandbox/stats/reset", timeout=5)
    sync.sync_session(meeting.id, "test")
    calls = _calls(zoom_sandbox)
    assert calls["POST /meetings/{id}/batch_registrants"] == math.ceil(65 / 30)
    assert len(_registrants(zoom_sandbox, meeting.zoom_id)) == 65
    run = SyncRun.objects.filter(session=meeting).latest("id")
    assert (run.total, run.done, run.outcome) == (65, 65, "ok")


def test_unenrolled_learners_are_cancelled_and_returning_ones_reapproved(zoom_sandbox, session):
    meeting = session()
    ada, bob = _learners(2)
    sync.sync_session(meeting.id, "test")
    first_link = Registration.objects.get(session=meeting, user_id=ada.id).join_url
    unenroll(ada)
    sync.sync_session(meeting.id, "test")
    in_zoom = _registrants(zoom_sandbox, meeting.zoom_id)
    assert in_zoom[ada.email]["status"] == "cancelled"
    assert in_zoom[bob.email]["status"] == "approved"
    assert Registration.objects.get(session=meeting, user_id=ada.id).state == "cancelled"
    enroll(ada)
    requests.post(f"{zoom_sandbox.url}/_sandbox/stats/reset", timeout=5)
    sync.sync_session(meeting.id, "test")
    row = Registration.objects.get(session=meeting, user_id=ada.id)
    assert row.state == "registered" and row.join_url == first_link
    assert _registrants(zoom_sandbox, meeting.zoom_id)[ada.email]["status"] == "approved"
    assert "POST /meetings/{id}/batch_registrants" not in _calls(zoom_sandbox)  # re-approved


def test_capacity_fills_first_come_and_the_waitlist_moves_up(zoom_sandbox, session):
    meeting = session(capacity=2)
    ada, bob, cy = _learners(3)
    sync.sync_session(meeting.id, "test")
    states = {r.user_id: r.state for r in Registration.objects.filter(session=meeting)}
    assert states == {ada.id: "registered", bob.id: "registered", cy.id: "waitlisted"}
    assert cy.email not in _registrants(zoom_sandbox, meeting.zoom_id)
    unenroll(bob)
    sync.sync_session(meeting.id, "test")
    states = {r.user_id: r.state for r in Registration.objects.filter(session=meeting)}
    assert states == {ada.id: "registered", bob.id: "cancelled", cy.id: "registered"}


def test_only_learners_meeting_the_prerequisite_are_registered(zoom_sandbox, session):
    Subsection.objects.create(course_key=COURSE, usage_key=WEEK1, display_name="Week 1")
    meeting = session(prerequisite={"usage_key": WEEK1, "min_score": 60})
    ada, grace = _learners(2)
    SubsectionProgress.objects.create(user=ada, usage_key=WEEK1, score_percent=80)
    progress = SubsectionProgress.objects.create(user=grace, usage_key=WEEK1, score_percent=20)
    sync.sync_session(meeting.id, "test")
    assert set(_registrants(zoom_sandbox, meeting.zoom_id)) == {ada.email}
    row = Registration.objects.get(session=meeting, user_id=grace.id)
    assert (row.wanted, row.eligibility_reason) == (False, "prerequisite")
    progress.score_percent = 70
    progress.save()
    sync.sync_session(meeting.id, "progress")
    assert set(_registrants(zoom_sandbox, meeting.zoom_id)) == {ada.email, grace.email}
    progress.score_percent = 10  # a revoked requirement cancels the registration
    progress.save()
    sync.sync_session(meeting.id, "progress")
    assert _registrants(zoom_sandbox, meeting.zoom_id)[grace.email]["status"] == "cancelled"


def test_unusable_emails_fail_with_a_reason_and_hold_up_nobody(zoom_sandbox, session):
    meeting = session()
    good = _learners(2)
    bad = make_user("broken", email="not-an-address")
    twin = make_user("twin", email=good[0].email)
    enroll(bad)
    enroll(twin)
    result = sync.sync_session(meeting.id, "test")
    assert result["added"] == 2
    rows = {r.user_id: r for r in Registration.objects.filter(session=meeting)}
    assert rows[bad.id].state == "failed" and "not valid" in stored_text(rows[bad.id].last_error)
    assert rows[twin.id].state == "failed" and "same e-mail" in stored_text(
        rows[twin.id].last_error)
    requests.post(f"{zoom_sandbox.url}/_sandbox/stats/reset", timeout=5)
    sync.sync_session(meeting.id, "test")
    assert _calls(zoom_sandbox) == {}  # failed learners are not retried forever


def test_the_per_registrant_daily_limit_defers_instead_of_hammering(zoom_sandbox, session):
    meeting = session()
    ada = _learners(1)[0]
    sync.sync_session(meeting.id, "test")  # 1: added
    unenroll(ada)
    sync.sync_session(meeting.id, "test")  # 2: cancelled
    enroll(ada)
    sync.sync_session(meeting.id, "test")  # 3: approved again
    unenroll(ada)
    sync.sync_session(meeting.id, "test")  # a 4th would exceed Zoom's limit: deferred
    row = Registration.objects.get(session=meeting, user_id=ada.id)
    assert row.zoom_requests_today == 3
    assert (row.state, row.wanted) == ("registered", False)  # still in Zoom until midnight
    assert row.next_attempt_at is not None and row.next_attempt_at.hour == 0
    assert "3 changes a day" in stored_text(row.last_error)
    throttled = requests.get(f"{zoom_sandbox.url}/_sandbox/stats", timeout=5).json()["throttled"]
    assert not throttled  # the plugin never asked Zoom a fourth time


def test_a_full_reconciliation_reports_and_repairs_zoom_side_cancellations(zoom_sandbox, session):
    meeting = session()
    ada, _bob = _learners(2)
    sync.sync_session(meeting.id, "test")
    registrant = Registration.objects.get(session=meeting, user_id=ada.id).registrant_id
    requests.post(f"{zoom_sandbox.url}/_sandbox/meetings/{meeting.zoom_id}/registrants/cancel",
                  json={"registrant_id": registrant, "operator": "someone@example.com"},
                  timeout=5).raise_for_status()
    sync.sync_session(meeting.id, "sync-now", full=True)
    alert = SessionAlert.objects.get(session=meeting, kind="reconciliation")
    assert ada.email in alert.details["missing"]
    assert _registrants(zoom_sandbox, meeting.zoom_id)[ada.email]["status"] == "approved"


def test_learners_enrolled_before_the_meeting_exists_are_registered_once_it_does(
        zoom_sandbox, django_capture_on_commit_callbacks):
    ada = _learners(1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        made = sessions.save_desired(USAGE, COURSE, VALUES)
    made.refresh_from_db()
    assert Registration.objects.get(session=made, user_id=ada.id).state == "registered"
    assert ZoomSession.objects.get(id=made.id).sync_requested_at is None


def test_a_webinars_panel_follows_the_course_instructors_on_each_pass(zoom_sandbox, session):
    webinar = session(kind="webinar")
    make_user("prof", email="prof@example.com", course_role="instructor")
    sync.sync_session(webinar.id, "test")
    state = requests.get(f"{zoom_sandbox.url}/_sandbox/state", timeout=5).json()
    assert [p["email"] for p in state["webinars"][0]["panelists"]] == ["prof@example.com"]


def test_course_staff_who_joined_without_enrolling_keep_their_registration(zoom_sandbox, session):
    meeting = session()
    teacher = make_user("teacher", course_role="staff")
    Registration.objects.create(session=meeting, user_id=teacher.id, email=teacher.email,
                                first_name="Teacher", state="registered", registrant_id="r1",
                                join_url="https://zoom.example/j/1?tk=own")
    _learners(1)
    sync.sync_session(meeting.id, "test")
    row = Registration.objects.get(session=meeting, user_id=teacher.id)
    assert (row.state, row.wanted) == ("registered", True)
