"""The meeting or webinar in Zoom follows the author's session: created once, updated in place,
deleted with the block, never shared by a copy; Zoom's daily limit defers, never loses."""
from datetime import UTC, datetime

import pytest
import requests
from django.core import mail

from tests.utils import COURSE, make_user
from zoom_xblock import intents, panelists, sweep, wording
from zoom_xblock.meeting import authoring, sessions
from zoom_xblock.models import Panelist, SessionAlert, ZoomSession

pytestmark = pytest.mark.django_db

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@life"
VALUES = {
    "kind": "meeting", "title": "Office hours", "agenda": "Questions",
    "start": datetime(2030, 1, 15, 14, 0, tzinfo=UTC), "duration_minutes": 45,
    "timezone": "Europe/Paris", "host_email": "host@example.com",
    "alternative_hosts": ["host2@example.com"], "capacity": None, "zoom_emails": False,
    "auto_recording": "cloud",
}


def _zoom_state(sandbox, kind="meetings"):
    return requests.get(f"{sandbox.url}/_sandbox/state", timeout=5).json()[kind]


def _save(capture, usage=USAGE, **changes):
    with capture(execute=True):
        return sessions.save_desired(usage, COURSE, {**VALUES, **changes})


def test_first_save_creates_the_meeting_with_the_authors_settings(
        zoom_sandbox, django_capture_on_commit_callbacks):
    session = _save(django_capture_on_commit_callbacks)
    session.refresh_from_db()
    assert session.status == "scheduled" and session.zoom_id
    (meeting,) = _zoom_state(zoom_sandbox)
    assert meeting["id"] == session.zoom_id
    assert (meeting["topic"], meeting["start_time"], meeting["timezone"], meeting["duration"]) == (
        "Office hours", "2030-01-15T14:00:00Z", "Europe/Paris", 45)
    assert meeting["host_email"] == "host@example.com"
    settings = meeting["settings"]
    assert settings["approval_type"] == 1  # registration required, approved by the plugin
    assert settings["registrants_email_notification"] is False
    assert settings["alternative_hosts"] == "host2@example.com"
    assert settings["auto_recording"] == "cloud"


def test_an_edit_updates_the_same_meeting_and_keeps_its_links(
        zoom_sandbox, django_capture_on_commit_callbacks):
    first = _save(django_capture_on_commit_callbacks)
    first.refresh_from_db()
    link = first.registration_url
    _save(django_capture_on_commit_callbacks, title="Office hours (moved)", duration_minutes=90,
          start=datetime(2030, 1, 16, 9, 30, tzinfo=UTC), timezone="America/New_York")
    (meeting,) = _zoom_state(zoom_sandbox)
    assert meeting["id"] == first.zoom_id
    assert (meeting["topic"], meeting["duration"], meeting["start_time"], meeting["timezone"]) == (
        "Office hours (moved)", 90, "2030-01-16T09:30:00Z", "America/New_York")
    again = ZoomSession.objects.get(usage_key=USAGE)
    assert again.registration_url == link and again.status == "scheduled"


def test_a_change_zoom_does_not_know_about_makes_no_zoom_call(
        zoom_sandbox, django_capture_on_commit_callbacks):
    _save(django_capture_on_commit_callbacks)
    requests.post(f"{zoom_sandbox.url}/_sandbox/stats/reset", timeout=5)
    _save(django_capture_on_commit_callbacks, capacity=30, join_window_minutes=5)
    calls = requests.get(f"{zoom_sandbox.url}/_sandbox/stats", timeout=5).json()["calls"]
    assert not any(op.startswith(("PATCH", "POST /users")) for op in calls), calls


def test_the_organizer_is_told_when_assigned_and_when_the_session_changes(
        zoom_sandbox, django_capture_on_commit_callbacks):
    _save(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["host@example.com"]]
    assert "organizer" in mail.outbox[0].subject and "Office hours" in mail.outbox[0].body
    _save(django_capture_on_commit_callbacks, title="Office hours II")
    assert len(mail.outbox) == 2
    assert "has changed" in mail.outbox[1].subject and "Title" in mail.outbox[1].body
    _save(django_capture_on_commit_callbacks, title="Office hours II", capacity=5)
    assert len(mail.outbox) == 2  # nothing the organizer cares about changed
    _save(django_capture_on_commit_callbacks, host_email="host2@example.com")
    assert mail.outbox[-1].to == ["host2@example.com"]


def test_a_webinar_gets_the_course_instructors_as_panelists(
        zoom_sandbox, django_capture_on_commit_callbacks):
    make_user("prof", email="prof@example.com", course_role="instructor")
    make_user("ta", email="ta@example.com", course_role="staff")
    session = _save(django_capture_on_commit_callbacks, kind="webinar")
    session.refresh_from_db()
    assert session.status == "scheduled"
    (webinar,) = _zoom_state(zoom_sandbox, "webinars")
    assert [p["email"] for p in webinar["panelists"]] == ["prof@example.com"]
    assert Panelist.objects.get(session=session).synced
    # A removed instructor is removed from the panel at the next apply.
    from tests.standin.models import CourseRole

    CourseRole.objects.filter(user__username="prof").delete()
    panelists.sync_panelists(ZoomSession.objects.get(id=session.id))
    (webinar,) = _zoom_state(zoom_sandbox, "webinars")
    assert webinar["panelists"] == []


@pytest.mark.parametrize(("host", "kind", "message"), [
    ("nobody@example.com", "meeting", "Zoom has no user nobody@example.com"),
    ("nowebinar@example.com", "webinar", "nowebinar@example.com has no Zoom Webinar licence"),
])
def test_zoom_refusing_the_organizer_fails_with_the_reason(
        zoom_sandbox, django_capture_on_commit_callbacks, host, kind, message):
    session = _save(django_capture_on_commit_callbacks, host_email=host, kind=kind)
    session.refresh_from_db()
    assert session.status == "failed"
    assert message in wording.stored_text(session.last_error)
    assert _zoom_state(zoom_sandbox, kind + "s") == []


def test_deleting_the_block_deletes_the_meeting(zoom_sandbox, django_capture_on_commit_callbacks):
    session = _save(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        intents.request_session_deletion(USAGE)
    session.refresh_from_db()
    assert session.status == "deleted"
    assert all(m["deleted"] for m in _zoom_state(zoom_sandbox))


def test_a_duplicated_block_gets_its_own_meeting(zoom_sandbox, django_capture_on_commit_callbacks):
    original = _save(django_capture_on_commit_callbacks)
    copy_key = USAGE + "-copy"
    with django_capture_on_commit_callbacks(execute=True):
        sessions.copy_session(USAGE, copy_key)
    copy = ZoomSession.objects.get(usage_key=copy_key)
    assert copy.never_published and copy.zoom_id is None  # Studio's copy is a draft
    assert len(_zoom_state(zoom_sandbox)) == 1
    _save(django_capture_on_commit_callbacks, usage=copy_key)  # its unit is published
    original.refresh_from_db()
    copy.refresh_from_db()
    assert copy.status == "scheduled" and copy.zoom_id and copy.zoom_id != original.zoom_id
    assert len(_zoom_state(zoom_sandbox)) == 2


def test_the_daily_host_limit_defers_the_change_until_the_reset(
        zoom_sandbox, django_capture_on_commit_callbacks):
    session = _save(django_capture_on_commit_callbacks)
    for number in range(99):  # 1 create + 99 updates: the host's 100 for today
        _save(django_capture_on_commit_callbacks, title=f"Office hours {number}")
    _save(django_capture_on_commit_callbacks, title="One too many")
    session.refresh_from_db()
    assert session.status == "deferred"
    assert session.deferred_until.hour == 0 and session.deferred_until.minute == 0
    assert "Zoom's daily limit reached; applied after" in wording.stored_text(
        session.last_error)
    assert SessionAlert.objects.filter(session=session, kind="quota", resolved_at=None).exists()
    calls = requests.get(f"{zoom_sandbox.url}/_sandbox/stats", timeout=5).json()["calls"]
    patches = sum(n for op, n in calls.items() if op.startswith("PATCH"))
    assert patches == 100  # the refused one was not retried blindly
    # Issue 13 point 5: a later edit keeps the deferral and its reason (not "Updating").
    _save(django_capture_on_commit_callbacks, title="Edited again")
    session.refresh_from_db()
    assert session.status == "deferred"
    assert "applied after" in authoring.session_state(session)["last_error"]
    # ... and the host's other sessions defer without spending a request to learn it.
    other = _save(django_capture_on_commit_callbacks, usage=USAGE + "-other")
    other.refresh_from_db()
    assert other.status == "deferred" and other.zoom_id is None
    calls = requests.get(f"{zoom_sandbox.url}/_sandbox/stats", timeout=5).json()["calls"]
    assert sum(n for op, n in calls.items() if op.startswith(("PATCH", "POST /users"))) == 101
    # After midnight UTC (in the sandbox) the sweep applies it.
    requests.post(f"{zoom_sandbox.url}/_sandbox/clock/advance", json={"days": 1}, timeout=5)
    past = datetime(2000, 1, 1, tzinfo=UTC)  # the plugin's own clock passes the reset too
    ZoomSession.objects.filter(id=session.id).update(deferred_until=past)
    with django_capture_on_commit_callbacks(execute=True):
        sweep.run()
    session.refresh_from_db()
    assert session.status == "scheduled"
    assert _zoom_state(zoom_sandbox)[0]["topic"] == "Edited again"  # the latest edit
    assert not SessionAlert.objects.filter(session=session, kind="quota", resolved_at=None).exists()


def test_a_block_copied_with_its_fields_gets_its_own_meeting_on_first_use(
        zoom_sandbox, django_capture_on_commit_callbacks):
    from tests.utils import make_block, render

    fields = {"title": "Re-run session", "start_local": "2030-02-01T10:00", "timezone": "UTC",
              "host_email": "host@example.com", "duration_minutes": 30}
    learner = make_user("ada")
    with django_capture_on_commit_callbacks(execute=True):
        html = render(make_block(learner, **fields))  # no ZoomSession yet: a course re-run
    assert "Re-run session" in html
    (session,) = ZoomSession.objects.filter(title="Re-run session")
    assert session.status == "scheduled" and session.zoom_id
    with django_capture_on_commit_callbacks(execute=True):
        render(make_block(learner, **fields))  # another copy: another meeting
    assert ZoomSession.objects.filter(title="Re-run session").count() == 2
    assert len({m["id"] for m in _zoom_state(zoom_sandbox)}) == 2


def test_alternative_hosts_zoom_refuses_fail_the_session_with_their_names(
        zoom_sandbox, django_capture_on_commit_callbacks):
    # Saved without the editor's check (Zoom did not answer then, or an OLX import).
    session = _save(django_capture_on_commit_callbacks,
                    alternative_hosts=["host2@example.com", "basic@example.com",
                                       "nobody@example.org"])
    session.refresh_from_db()
    assert session.status == "failed" and session.last_error_code == "1114"
    assert wording.stored_text(session.last_error).startswith(
        "Zoom refused basic@example.com, nobody@example.org as alternative hosts")
    assert "host@example.com" not in wording.stored_text(
        session.last_error)  # the organizer is not blamed
    assert _zoom_state(zoom_sandbox) == []
