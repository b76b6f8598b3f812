"""What Zoom's events do: attendance matched to learners (registrant id, then e-mail, never
name), minutes to completion and score, the report sweep filling lost webhooks, drift
restored or reported, deletions and cancellations made in Zoom reported, recordings kept."""
from datetime import UTC, datetime, timedelta

import pytest
import requests
from completion.models import BlockCompletion

from tests.standin.models import BlockScore
from tests.utils import COURSE, SANDBOX_CREDENTIALS, enroll, make_user, unenroll
from tests.zoom_people import ZoomRoom, capture_webhooks, deliver
from zoom_xblock import intents, sweep
from zoom_xblock.learners import sync
from zoom_xblock.meeting import sessions
from zoom_xblock.models import (
    AttendanceInterval,
    Recording,
    Registration,
    SessionAlert,
    WebhookEvent,
    ZoomSession,
)
from zoom_xblock.webhooks import attendance
from zoom_xblock.zoom import ZoomClient, ZoomQuotaExceeded

pytestmark = pytest.mark.django_db

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@attend"
SECRET = SANDBOX_CREDENTIALS["WEBHOOK_SECRET_TOKEN"]
# The sessions run in the sandbox now: scheduled a few minutes ahead, so that each run is the
# session itself started a little early (a run long before the start is a test run).
SOON = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=10)
VALUES = {"kind": "meeting", "title": "Seminar", "agenda": "Week 3",
          "start": SOON, "duration_minutes": 60,
          "timezone": "UTC", "host_email": "host@example.com",
          "completion_threshold_percent": 50, "weight": 2.0}


class Meeting:
    """A scheduled session with three registered learners, its sandbox room and its mail."""

    def __init__(self, sandbox, outbox, capture, **changes):
        self.capture, self.outbox = capture, outbox
        with capture(execute=True):
            self.session = sessions.save_desired(USAGE, COURSE, {**VALUES, **changes})
        self.session.refresh_from_db()
        assert self.session.status == "scheduled"
        self.ada, self.bob, self.cy = (make_user(name) for name in ("ada", "bob", "cy"))
        for person in (self.ada, self.bob, self.cy):
            enroll(person)
        sync.sync_session(self.session.id, "test")
        self.room = ZoomRoom(sandbox.url, self.session.zoom_id)
        self.deliver_all()  # registration_created and the like: acknowledged, ignored

    def reg(self, user) -> Registration:
        return Registration.objects.get(session=self.session, user_id=user.id)

    def deliver_all(self, skip=()):
        """Deliver what Zoom sent since the last call, in order, except events in ``skip``
        (indexes into the pending list); returns the events delivered."""
        pending, self.outbox[:] = list(self.outbox), []
        sent = []
        for index, payload in enumerate(pending):
            if index in skip:
                continue
            assert deliver(payload, SECRET, self.capture).status_code == 200
            sent.append(payload)
        return sent

    def pending(self) -> list[str]:
        return [payload["event"] for payload in self.outbox]

    def refresh(self) -> ZoomSession:
        self.session.refresh_from_db()
        return self.session


@pytest.fixture
def meeting(zoom_sandbox, monkeypatch, django_capture_on_commit_callbacks):
    outbox = capture_webhooks(zoom_sandbox, monkeypatch)
    return lambda **changes: Meeting(zoom_sandbox, outbox, django_capture_on_commit_callbacks,
                                     **changes)


def minutes(seconds) -> int:
    """Whole minutes: Zoom's timestamps are whole seconds, and real time runs on between two
    actions in the sandbox, so a stretch can read a second longer than the clock advanced."""
    return int(seconds) // 60


def _completed(user_ids) -> set:
    return set(BlockCompletion.objects.filter(block_key=USAGE, user_id__in=user_ids,
                                              completion=1.0).values_list("user_id", flat=True))


def _scores() -> dict:
    return {row.user_id: (row.earned, row.possible)
            for row in BlockScore.objects.filter(block_key=USAGE)}


# --- Matching --------------------------------------------------------------------------------

def test_participants_match_by_registrant_id_or_a_signed_in_email_never_by_name(
        meeting, zoom_sandbox):
    m = meeting()
    # Bob has a Zoom user in the account: signed in, Zoom vouches for his address.
    requests.post(f"{zoom_sandbox.url}/_sandbox/users", json={
        "email": m.bob.email, "first_name": "Bob", "type": 2}, timeout=5).raise_for_status()
    m.room.start()
    m.room.join(m.reg(m.ada))  # her own link: the event carries her registrant id
    m.room.join(name="Bob Signed In", email=m.bob.email.upper())  # signed in: his e-mail
    m.room.join(name="Cy Guest", email=m.cy.email)  # a guest typing Cy's address: nobody
    m.room.join(name=m.cy.first_name, email="someone.else@elsewhere.org")  # Cy's name only
    m.deliver_all()
    rows = {row.name: row for row in AttendanceInterval.objects.filter(session=m.session)}
    assert rows["Ada"].registration == m.reg(m.ada)
    assert rows["Ada"].registrant_id == m.reg(m.ada).registrant_id
    assert rows["Bob Signed In"].registration == m.reg(m.bob)
    assert rows["Bob Signed In"].signed_in
    assert rows["Cy Guest"].registration is None  # forged: a walk-in for staff to see
    walk_in = rows["Cy"]
    assert walk_in.registration is None and walk_in.email == "someone.else@elsewhere.org"


def test_attended_time_is_the_union_of_intervals_clipped_to_the_meeting():
    t = datetime(2030, 1, 1, 10, tzinfo=UTC)

    def at(minutes):
        return t + timedelta(minutes=minutes)

    spans = [(at(-5), at(10)),            # joined before the start: counted from the start
             (at(5), at(20)),             # overlaps the first
             (at(5), at(20)),             # the same interval twice (webhook and report)
             (at(30), at(30)),            # a placeholder (leave without its join)
             (at(40), None),              # still in at the end
             (at(55), at(70))]            # inside the open one, and past the end
    assert attendance.attended_seconds(spans, at(0), at(60)) == (20 + 20) * 60
    assert attendance.attended_seconds([], at(0), at(60)) == 0
    assert attendance.attended_seconds([(at(0), None)], at(0), None) == 0  # not ended yet


def test_rejoins_are_merged_and_duplicates_counted_once(meeting):
    m = meeting()
    m.room.start()
    m.room.join(m.reg(m.ada))
    m.room.advance(10)
    m.room.leave(m.reg(m.ada))
    m.room.advance(5)
    m.room.join(m.reg(m.ada))  # back after a dropped connection
    m.room.advance(25)
    m.room.end()
    sent = m.deliver_all()
    for payload in sent:  # Zoom's retries: every event again
        deliver(payload, SECRET, m.capture)
    assert WebhookEvent.objects.filter(event__startswith="meeting.participant").count() == 4
    assert AttendanceInterval.objects.filter(session=m.session).count() == 2
    assert minutes(m.reg(m.ada).attended_seconds) == 35


# --- Threshold, completion and score ---------------------------------------------------------

def test_completion_and_full_score_only_at_or_above_the_threshold(meeting):
    m = meeting()  # 60 minutes scheduled, 50 %: 30 minutes needed; weight 2
    m.room.start()
    m.room.join(m.reg(m.ada))
    m.room.join(m.reg(m.bob))
    m.room.advance(10)
    m.room.leave(m.reg(m.bob))
    m.room.advance(20)
    m.room.end()  # Ada leaves with everyone at 30 minutes: exactly the threshold
    m.deliver_all()
    session = m.refresh()
    assert session.live_status == "ended" and session.actual_start and session.actual_end
    everyone = [m.ada.id, m.bob.id, m.cy.id]
    assert _completed(everyone) == {m.ada.id}
    assert _scores() == {m.ada.id: (2.0, 2.0), m.bob.id: (0.0, 2.0), m.cy.id: (0.0, 2.0)}
    ada = m.reg(m.ada)
    assert ada.completed_at is not None and minutes(ada.attended_seconds) == 30
    assert minutes(m.reg(m.bob).attended_seconds) == 10 and m.reg(m.bob).completed_at is None
    first_completion = ada.completed_at
    attendance.settle(m.refresh())  # again: nothing changes, completion is not re-published
    assert m.reg(m.ada).completed_at == first_completion


def test_without_a_weight_there_is_completion_but_no_score(meeting):
    m = meeting(weight=None, completion_threshold_percent=10)
    m.room.start()
    m.room.join(m.reg(m.bob))
    m.room.advance(7)
    m.room.end()
    m.deliver_all()
    assert _completed([m.ada.id, m.bob.id, m.cy.id]) == {m.bob.id}
    assert _scores() == {}


def test_a_past_dated_session_counts_once_started_and_ended(meeting):
    m = meeting(start=datetime(2020, 3, 2, 9, tzinfo=UTC))
    assert m.refresh().live_status == "not_started"
    m.room.start()
    m.room.join(m.reg(m.cy))
    m.room.advance(45)
    m.room.end()
    m.deliver_all()
    assert m.refresh().live_status == "ended"
    assert _completed([m.cy.id]) == {m.cy.id}


def test_a_leave_delivered_after_the_end_still_counts(meeting):
    m = meeting()
    m.room.start()
    m.room.join(m.reg(m.ada))
    m.room.advance(40)
    m.room.end()
    assert m.pending()[-2:] == ["meeting.participant_left", "meeting.ended"]
    m.outbox[-2], m.outbox[-1] = m.outbox[-1], m.outbox[-2]  # the end arrives first
    m.deliver_all()
    assert minutes(m.reg(m.ada).attended_seconds) == 40
    assert _completed([m.ada.id]) == {m.ada.id}


def test_a_leave_delivered_before_its_join_makes_one_interval(meeting):
    m = meeting()
    m.room.start()
    m.room.join(m.reg(m.bob))
    m.room.advance(12)
    m.room.leave(m.reg(m.bob))
    started, joined, left = m.outbox
    m.outbox[:] = [started, left, joined]
    m.deliver_all()
    (interval,) = AttendanceInterval.objects.filter(session=m.session)
    assert minutes((interval.leave_time - interval.join_time).total_seconds()) == 12


# --- The report sweep ------------------------------------------------------------------------

def test_the_report_sweep_recovers_a_lost_join(meeting):
    m = meeting()
    m.room.start()
    m.room.join(m.reg(m.ada))
    m.room.join(m.reg(m.bob))
    m.room.advance(35)
    m.room.end()
    lost = m.pending().index("meeting.participant_joined")  # Ada's join never arrives
    m.deliver_all(skip={lost})
    session = m.refresh()
    assert _completed([m.ada.id, m.bob.id]) == {m.bob.id}
    assert m.reg(m.ada).attended_seconds == 0  # her leave alone counts for nothing

    delay = timedelta(minutes=15)
    assert attendance.due_reports(now=session.actual_end + delay / 2) == []
    assert attendance.due_reports(now=session.actual_end + delay) == [session.id]
    result = attendance.fetch_report(session.id, now=session.actual_end + delay)
    assert result["rows"] == 2 and result["added"] == 2
    assert _completed([m.ada.id, m.bob.id]) == {m.ada.id, m.bob.id}
    assert minutes(m.reg(m.ada).attended_seconds) == 35
    assert minutes(m.reg(m.bob).attended_seconds) == 35  # webhook and report overlap: once
    assert _scores()[m.ada.id] == (2.0, 2.0)
    assert m.refresh().report_fetched_at is not None
    assert attendance.due_reports(now=session.actual_end + delay) == []
    assert attendance.fetch_report(session.id) == {"skipped": "not due"}
    intervals = AttendanceInterval.objects.count()
    attendance.fetch_report(session.id, force=True)  # idempotent
    assert AttendanceInterval.objects.count() == intervals


def test_the_sweep_queues_the_report_of_sessions_that_ended(meeting):
    m = meeting()
    m.room.start()
    m.room.join(m.reg(m.cy))
    m.room.advance(31)
    m.room.end()
    m.deliver_all(skip={1})  # Cy's join is lost
    later = m.refresh().actual_end + timedelta(minutes=20)  # the sandbox's clock ran ahead
    with m.capture(execute=True):
        summary = sweep.catch_up(now=later)
    assert summary["reports_queued"] == 1
    assert _completed([m.cy.id]) == {m.cy.id}


# --- Drift -------------------------------------------------------------------------------------

def test_drift_is_restored_and_reported(meeting):
    m = meeting()
    m.room.edit_in_zoom(topic="Hijacked", duration=15, operator="eve@example.com")
    m.deliver_all()
    (alert,) = SessionAlert.objects.filter(session=m.session, kind="drift")
    assert alert.details["operator"] == "eve@example.com"
    assert alert.details["changes"]["topic"] == {"old": "Seminar", "new": "Hijacked",
                                                 "course": "Seminar"}
    assert alert.details["changes"]["duration"]["new"] == 15
    assert "eve@example.com" in alert.message and alert.details["restored"] is True
    zoom_meeting = _zoom_meeting(m)
    assert (zoom_meeting["topic"], zoom_meeting["duration"]) == ("Seminar", 60)
    assert m.refresh().status == "scheduled"
    assert m.pending() == ["meeting.updated"]  # Zoom echoes the plugin's own PATCH ...
    m.deliver_all()
    assert SessionAlert.objects.filter(kind="drift").count() == 1  # ... which is not drift


def test_drift_is_only_reported_under_the_report_policy(meeting, settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "DRIFT_POLICY": "report"}
    m = meeting(start=datetime(2030, 1, 15, 14, tzinfo=UTC))
    m.room.edit_in_zoom(start_time="2030-01-15T16:00:00Z", timezone="UTC")
    m.deliver_all()
    (alert,) = SessionAlert.objects.filter(session=m.session, kind="drift")
    assert alert.details["restored"] is False
    assert alert.details["changes"]["start_time"]["course"] == "2030-01-15T14:00:00Z"
    assert _zoom_meeting(m)["start_time"] == "2030-01-15T16:00:00Z"
    assert m.pending() == []


def test_the_plugins_own_updates_are_not_drift(meeting, django_capture_on_commit_callbacks):
    m = meeting()
    with django_capture_on_commit_callbacks(execute=True):
        sessions.save_desired(USAGE, COURSE, {**VALUES, "title": "Seminar (moved)",
                                              "duration_minutes": 90})
    assert m.pending() == ["meeting.updated"]
    m.room.edit_in_zoom(waiting_room=True)  # a setting the course does not manage
    m.deliver_all()
    assert not SessionAlert.objects.filter(kind="drift").exists()


def test_restoring_drift_past_the_daily_limit_is_deferred(meeting, monkeypatch):
    m = meeting()

    def spent(*args, **kwargs):
        raise ZoomQuotaExceeded("daily limit", quota="host", status=429, code=3000,
                                resets_at=datetime(2031, 1, 1, tzinfo=UTC))

    monkeypatch.setattr(ZoomClient, "update", spent)
    m.room.edit_in_zoom(agenda="Something else")
    m.deliver_all()
    session = m.refresh()
    assert session.status == "deferred" and session.synced_version < session.desired_version
    assert {a.kind for a in SessionAlert.objects.filter(session=session)} == {"drift", "quota"}


# --- Deleted and cancelled in Zoom ------------------------------------------------------------

def test_a_meeting_deleted_in_zoom_is_marked_and_staff_alerted(meeting):
    m = meeting()
    m.room.delete_in_zoom(operator="eve@example.com")
    m.deliver_all()
    assert m.refresh().status == "deleted_in_zoom"
    (alert,) = SessionAlert.objects.filter(session=m.session, kind="deleted_in_zoom")
    assert "eve@example.com" in alert.message


def test_the_plugins_own_deletion_is_not_an_alert(meeting, django_capture_on_commit_callbacks):
    m = meeting()
    with django_capture_on_commit_callbacks(execute=True):
        intents.request_session_deletion(USAGE)
    assert "meeting.deleted" in m.pending()
    m.deliver_all()
    assert m.refresh().status == "deleted"
    assert not SessionAlert.objects.filter(kind="deleted_in_zoom").exists()


def test_a_registration_cancelled_in_zoom_is_reported_not_copied(meeting):
    m = meeting()
    m.room.cancel_in_zoom(m.reg(m.bob), operator="eve@example.com")
    m.deliver_all()
    (alert,) = SessionAlert.objects.filter(session=m.session, kind="registrant_changed")
    assert alert.details["user_id"] == m.bob.id and alert.details["action"] == "cancelled"
    assert m.bob.email in alert.message
    assert m.reg(m.bob).state == "registered"  # Open edX keeps its own state


def test_the_plugins_own_cancellation_is_not_reported(meeting):
    m = meeting()
    unenroll(m.cy)
    sync.sync_session(m.session.id, "test")
    assert "meeting.registration_cancelled" in m.pending()
    m.deliver_all()
    assert m.reg(m.cy).state == "cancelled"
    assert not SessionAlert.objects.filter(kind="registrant_changed").exists()


# --- Recordings and webinars -----------------------------------------------------------------

def test_a_completed_recording_is_stored_without_download_tokens(meeting):
    m = meeting()
    m.room.start()
    m.room.end()
    sent = m.room.record(minutes=42)
    m.deliver_all()
    (recording,) = Recording.objects.filter(session=m.session)
    obj = sent["payload"]["object"]
    assert recording.share_url == obj["share_url"] and recording.duration_minutes == 42
    assert recording.recording_key == obj["uuid"] and recording.recorded_at is not None
    assert [f["file_type"] for f in recording.files] == ["MP4", "M4A"]
    assert sent["download_token"] not in str(recording.files)
    assert sent["download_token"] not in str(WebhookEvent.objects.get(
        event="recording.completed").payload)


def test_recording_links_lose_their_access_tokens(meeting):
    m = meeting()
    payload = {"event": "recording.completed", "event_ts": 1, "download_token": "dl-secret",
               "payload": {"account_id": SANDBOX_CREDENTIALS["ACCOUNT_ID"], "object": {
                   "id": m.session.zoom_id, "uuid": "inst==", "topic": "Seminar",
                   "share_url": "https://zoom.example/rec/share/abc?pwd=passcode",
                   "recording_files": [{
                       "id": "f1", "file_type": "MP4", "status": "completed",
                       "recording_start": "2030-01-15T14:00:00Z",
                       "recording_end": "2030-01-15T14:20:00Z",
                       "download_url": "https://zoom.example/rec/download/f1?access_token=tok",
                       "play_url": "https://zoom.example/rec/play/f1"}]}}}
    deliver(payload, SECRET, m.capture)
    recording = Recording.objects.get(session=m.session)
    assert recording.share_url.endswith("?pwd=passcode")  # the learners' way in
    assert recording.files[0]["download_url"] == "https://zoom.example/rec/download/f1"
    assert recording.duration_minutes == 20


def test_webinars_count_attendance_the_same_way(meeting):
    m = meeting(kind="webinar")
    m.room.start()
    m.room.join(m.reg(m.ada))
    m.room.advance(33)
    m.room.end()
    assert m.pending()[0] == "webinar.started"
    m.deliver_all()
    assert _completed([m.ada.id, m.bob.id]) == {m.ada.id}


def _zoom_meeting(m):
    import requests  # pylint: disable=import-outside-toplevel

    state = requests.get(f"{m.room.url}/_sandbox/state", timeout=5).json()
    (found,) = [x for x in state["meetings"] + state["webinars"] if x["id"] == m.room.zoom_id]
    return found
