"""A session's life as people live it, driven through the local Zoom and its webhooks: a sound
check long before the start is a test run (the session stays upcoming), an early start or a
late end breaks nothing, a past-dated session waits to be run, Join stays after the end, and
learners and staff read the same attendance."""
from datetime import UTC, datetime, timedelta

import pytest
from completion.models import BlockCompletion
from django.urls import reverse

from tests.learning import BLOCK_FIELDS
from tests.utils import COURSE, SANDBOX_CREDENTIALS, as_user, enroll, make_block, make_user
from tests.utils import render as render_block
from tests.zoom_people import ZoomRoom, capture_webhooks, deliver
from zoom_xblock import attended, platform, runs, session_values, sweep
from zoom_xblock.learners import learner_status, sync
from zoom_xblock.meeting import sessions
from zoom_xblock.models import AttendanceInterval, Registration, ZoomSession
from zoom_xblock.staff import reports

pytestmark = pytest.mark.django_db

SECRET = SANDBOX_CREDENTIALS["WEBHOOK_SECRET_TOKEN"]


def minute_now() -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0)


class Session:
    """A session of a block, scheduled in the local Zoom, with Ada and Bob registered."""

    def __init__(self, sandbox, outbox, capture, start, **changes):
        self.capture, self.outbox, self.sandbox = capture, outbox, sandbox
        self.block = make_block(None, **BLOCK_FIELDS)
        self.usage_key = platform.usage_key_for(self.block)
        values = {"kind": "meeting", "title": "Seminar", "agenda": "", "start": start,
                  "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com",
                  "alternative_hosts": ["host2@example.com"], "join_window_minutes": 15,
                  "completion_threshold_percent": 50, **changes}
        with capture(execute=True):
            self.session = sessions.save_desired(self.usage_key, COURSE, values)
        self.refresh()
        assert self.session.status == "scheduled", self.session.last_error
        self.ada, self.bob = make_user("ada"), make_user("bob")
        for person in (self.ada, self.bob):
            enroll(person)
        sync.sync_session(self.session.id, "test")
        self.room = ZoomRoom(sandbox.url, self.session.zoom_id)
        self.deliver_all()

    def reg(self, user) -> Registration:
        return Registration.objects.get(session=self.session, user_id=user.id)

    def deliver_all(self):
        pending, self.outbox[:] = list(self.outbox), []
        for payload in pending:
            assert deliver(payload, SECRET, self.capture).status_code == 200

    def refresh(self) -> ZoomSession:
        self.session = ZoomSession.objects.get(usage_key=self.usage_key)
        return self.session

    def run(self, minutes: float, *people, guests=()):
        """Start the meeting in Zoom, let ``people`` (registrations or ``(name, e-mail)``
        guests) in, run ``minutes``, end it, deliver Zoom's webhooks."""
        self.room.start()
        for registration in people:
            self.room.join(registration)
        for name, email in guests:
            self.room.join(name=name, email=email)
        self.room.advance(minutes)
        self.room.end()
        self.deliver_all()

    def view(self, user) -> str:
        return render_block(as_user(self.block, user))


@pytest.fixture
def life(zoom_sandbox, monkeypatch, django_capture_on_commit_callbacks):
    outbox = capture_webhooks(zoom_sandbox, monkeypatch)
    return lambda start, **changes: Session(zoom_sandbox, outbox,
                                            django_capture_on_commit_callbacks, start, **changes)


def join(client, usage_key, user, **params):
    client.force_login(user)
    return client.get(reverse("zoom_xblock:join", kwargs={"usage_key": usage_key}), params)


# --- Test runs, early starts, late ends ------------------------------------------------------

def test_a_sound_check_long_before_the_start_keeps_the_session_upcoming(life, client):
    s = life(datetime(2030, 1, 15, 14, tzinfo=UTC))
    s.run(5, s.reg(s.ada))  # the organizer checks sound and video, Ada pops in, all leave

    session = s.refresh()
    assert session.live_status == ZoomSession.LiveStatus.NOT_STARTED
    assert (session.actual_start, session.actual_end) == (None, None)
    assert len(session.test_runs) == 1 and session.test_runs[0]["uuid"]
    (shown,) = reports.summary(session)["test_runs"]  # staff see it
    assert shown["minutes"] == 5 and shown["when"].endswith("UTC")
    staff = make_user("teacher", course_role="staff")
    assert "Test runs (long before the start" in s.view(staff)
    assert learner_status.phase(session) == learner_status.Phase.UPCOMING
    assert "Upcoming" in s.view(s.ada) and "This session has ended" not in s.view(s.ada)
    page = join(client, s.usage_key, s.ada)
    assert page.status_code == 200 and "Join is not open yet" in page.content.decode()
    # Attendance is not settled from it: nobody is a no-show, nobody completed.
    assert s.reg(s.ada).attended_seconds == 0 and s.reg(s.ada).completed_at is None
    assert reports.attendance_summary(session)["no_shows"] is None
    assert not BlockCompletion.objects.exists()
    # Registering goes on: a learner enrolled afterwards gets a place in Zoom.
    cy = make_user("cy")
    enroll(cy)
    result = sync.sync_session(session.id, "test")
    assert result.get("interrupted") is None
    assert Registration.objects.get(session=session, user_id=cy.id).state == "registered"


def test_a_sound_check_then_the_real_session_count_the_real_run_only(life):
    start = minute_now() + timedelta(hours=2)
    s = life(start)
    s.run(10, s.reg(s.ada))  # two hours before: a test run
    assert s.refresh().live_status == ZoomSession.LiveStatus.NOT_STARTED

    s.room.advance(100)  # ten minutes before the start the organizer opens the room ...
    s.run(40, s.reg(s.ada), s.reg(s.bob))  # ... and the session runs 40 minutes

    session = s.refresh()
    assert session.live_status == ZoomSession.LiveStatus.ENDED
    assert session.actual_start < start < session.actual_end  # started early: the real run
    assert len(session.test_runs) == 1
    ada = s.reg(s.ada)
    assert 40 * 60 <= ada.attended_seconds <= 41 * 60  # the 10 minutes of the test run left out
    assert ada.completed_at is not None


def test_a_session_that_runs_late_counts_every_minute(life):
    s = life(minute_now() + timedelta(minutes=5))
    s.run(100, s.reg(s.ada))  # 60 minutes scheduled, 100 held

    session = s.refresh()
    assert session.live_status == ZoomSession.LiveStatus.ENDED and not session.test_runs
    assert 100 * 60 <= s.reg(s.ada).attended_seconds <= 101 * 60


def test_a_late_started_webhook_of_a_test_run_does_not_reopen_it(life):
    s = life(datetime(2030, 1, 15, 14, tzinfo=UTC))
    s.room.start()
    started = list(s.outbox)
    s.outbox[:] = []
    s.room.advance(3)
    s.room.end()
    s.deliver_all()  # the end arrives first ...
    s.outbox[:] = started
    s.deliver_all()  # ... then Zoom retries the start
    assert s.refresh().live_status == ZoomSession.LiveStatus.NOT_STARTED


def _closed_by_old_code(s) -> ZoomSession:
    """What the plugin did before test runs: the sound check ended the session."""
    now = minute_now()
    ZoomSession.objects.filter(id=s.session.id).update(
        live_status="ended", actual_start=now - timedelta(minutes=5), actual_end=now)
    Registration.objects.filter(id=s.reg(s.ada).id).update(attended_seconds=240)
    return s.refresh()


def test_the_sweep_reopens_sessions_a_test_run_closed(life):
    s = life(datetime(2030, 1, 15, 14, tzinfo=UTC))
    _closed_by_old_code(s)

    assert sweep.run()["reopened"] == 1

    session = s.refresh()
    assert session.live_status == ZoomSession.LiveStatus.NOT_STARTED
    assert len(session.test_runs) == 1 and session.actual_end is None
    assert s.reg(s.ada).attended_seconds == 0
    assert learner_status.phase(session) == learner_status.Phase.UPCOMING
    assert sweep.run()["reopened"] == 0  # done once


def test_saving_again_in_studio_reopens_a_session_a_test_run_closed(life, zoom_sandbox):
    s = life(datetime(2030, 1, 15, 14, tzinfo=UTC))
    _closed_by_old_code(s)

    values = {name: getattr(s.session, name) for name in sessions.DESIRED_FIELDS}
    with s.capture(execute=True):
        saved = sessions.save_desired(s.usage_key, COURSE, values)

    assert saved.live_status == ZoomSession.LiveStatus.NOT_STARTED
    assert s.refresh().test_runs


def test_a_real_session_is_not_mistaken_for_a_test_run_by_the_sweep(life):
    s = life(minute_now() + timedelta(minutes=5))
    s.run(30, s.reg(s.ada))
    assert sweep.run()["reopened"] == 0
    assert s.refresh().live_status == ZoomSession.LiveStatus.ENDED


def test_the_margin_is_a_setting(settings):
    start = datetime(2030, 1, 15, 14, tzinfo=UTC)
    session = ZoomSession(start=start)
    assert runs.is_test_run(session, start - timedelta(minutes=15))
    assert not runs.is_test_run(session, start - timedelta(minutes=14))
    settings.ZOOM_XBLOCK = {"TEST_RUN_MINUTES_BEFORE_START": 60}
    assert not runs.is_test_run(session, start - timedelta(minutes=30))


# --- Past-dated sessions (iSpring) -----------------------------------------------------------

def test_a_past_dated_session_is_not_started_until_run_then_counts(life, client):
    s = life(minute_now() - timedelta(days=3))

    session = s.refresh()
    assert learner_status.phase(session) == learner_status.Phase.OPEN
    assert "Not started yet" in s.view(s.ada)
    assert "This session has ended" not in s.view(s.ada)
    assert reports.attendance_summary(session)["no_shows"] is None
    assert join(client, s.usage_key, s.ada).status_code == 302  # joinable: to her own link

    s.run(45, s.reg(s.ada))  # the organizer runs it now, to account for it

    session = s.refresh()
    assert session.live_status == ZoomSession.LiveStatus.ENDED and not session.test_runs
    assert s.reg(s.ada).completed_at is not None
    assert set(BlockCompletion.objects.values_list("user_id", flat=True)) == {s.ada.id}
    summary = reports.attendance_summary(session)
    assert (summary["attended"], summary["no_shows"], summary["completed"]) == (1, 1, 1)


# --- Join after the end (Eurekos) --------------------------------------------------------------

def test_after_the_end_join_says_so_and_still_opens_the_learners_own_link(life, client):
    s = life(minute_now() + timedelta(minutes=5))
    s.run(40, s.reg(s.ada))
    s.room.record(40)
    s.deliver_all()

    page = join(client, s.usage_key, s.ada)
    html = page.content.decode()
    assert page.status_code == 200
    assert "This session has ended" in html and "Open your Zoom link" in html
    assert "Watch the recording" in html
    assert s.reg(s.ada).join_url not in html  # never a personal link in a page
    opened = join(client, s.usage_key, s.ada, open="1")
    assert opened.status_code == 302 and opened["Location"] == s.reg(s.ada).join_url

    view = s.view(s.ada)
    assert "This session has ended." in view and "Open your Zoom link" in view
    assert "?open=1" in view
    outsider = make_user("outsider")  # signed in, not in the course
    html = join(client, s.usage_key, outsider, open="1").content.decode()
    assert "This session has ended" in html
    assert "Watch the recording" not in html and "Open your Zoom link" not in html


def test_after_the_end_someone_never_registered_gets_the_note_without_a_link(life, client):
    s = life(minute_now() + timedelta(minutes=5))
    s.run(40, s.reg(s.ada))
    late = make_user("late")
    enroll(late)

    for params in ({}, {"open": "1"}):
        page = join(client, s.usage_key, late, **params)
        assert page.status_code == 200
        html = page.content.decode()
        assert "This session has ended" in html and "Open your Zoom link" not in html


# --- One attendance definition ---------------------------------------------------------------

def _attended(s, user, seconds):
    reg = s.reg(user)
    Registration.objects.filter(id=reg.id).update(attended_seconds=seconds)


def test_learner_and_staff_read_the_same_minutes_and_the_same_yes_or_no(life):
    s = life(minute_now() + timedelta(minutes=5))
    s.run(1, s.reg(s.ada))
    _attended(s, s.ada, 113)
    _attended(s, s.bob, 4)

    rows = {row["user_id"]: row for row in reports.report_page(
        s.refresh(), reports.ReportQuery())["rows"]}
    assert (rows[s.ada.id]["attended_minutes"], rows[s.ada.id]["attended"]) == (2, True)
    assert (rows[s.bob.id]["attended_minutes"], rows[s.bob.id]["attended"]) == (0, False)
    assert "You attended 2 minutes." in s.view(s.ada)
    assert "You did not attend this session." in s.view(s.bob)
    summary = reports.attendance_summary(s.session)
    assert (summary["attended"], summary["no_shows"]) == (1, 1)
    lines = "".join(reports.csv_lines(s.session)).splitlines()
    (ada_line,) = [line for line in lines if "ada@example.com" in line]
    assert ada_line.split(",")[4] == "2"


def test_the_learner_sees_what_completion_needs(life):
    s = life(minute_now() + timedelta(hours=3), completion_threshold_percent=75)
    assert "To complete this session, attend at least 45 minutes." in s.view(s.ada)
    s.room.advance(170)
    s.run(20, s.reg(s.ada))
    view = s.view(s.ada)
    assert "You attended 20 minutes." in view or "You attended 21 minutes." in view
    assert "Completion needed 45 minutes of attendance." in view
    assert s.reg(s.ada).completed_at is None


def test_completion_follows_the_minutes_the_learner_is_shown(life):
    s = life(minute_now() + timedelta(minutes=5), duration_minutes=60,
             completion_threshold_percent=75)
    session = s.refresh()
    assert attended.required_minutes(session) == 45
    assert attended.meets_threshold(session, 44 * 60 + 30)  # shown as 45 minutes
    assert not attended.meets_threshold(session, 44 * 60 + 29)  # shown as 44
    session.completion_threshold_percent = 0
    assert not attended.meets_threshold(session, 4)  # "You did not attend"
    assert attended.meets_threshold(session, 30)


def test_the_organizer_and_alternative_hosts_are_not_walk_ins(life):
    s = life(minute_now() + timedelta(minutes=5))
    s.run(30, s.reg(s.ada), guests=[("Grace Hopper", "HOST@example.com"),
                                     ("Alan Turing", "host2@example.com"),
                                     ("A stranger", "someone@elsewhere.org")])
    session = s.refresh()
    assert AttendanceInterval.objects.filter(session=session, registration=None).count() == 3
    assert reports.attendance_summary(session)["walk_ins"] == 1


def test_the_demo_has_a_past_dated_session():
    from tests.project.runtime import ZoomWorkbenchRuntime
    from zoom_xblock.block.xblock import ZoomXBlock

    (xml,) = [xml for name, xml in ZoomXBlock.workbench_scenarios() if "past-dated" in name]
    runtime = ZoomWorkbenchRuntime(None)
    block = runtime.get_block(runtime.parse_xml_string(xml))
    assert block.alternative_hosts == ["host2@example.com"]
    assert session_values.start_utc(block.start_local, block.timezone) < datetime.now(UTC)
