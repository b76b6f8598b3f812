"""Enrollment signals become durable intent and one sync per session (default tier: eager)."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.utils import COURSE, enroll, make_user, unenroll
from zoom_xblock import sweep
from zoom_xblock.models import Registration, ZoomSession

pytestmark = pytest.mark.django_db(transaction=True)


def _session(**fields):
    defaults = {"usage_key": "block-v1:Demo+Zoom+2026+type@zoom+block@one", "course_key": COURSE,
                "title": "Office hours", "start": timezone.now(),
                "status": ZoomSession.Status.SCHEDULED}
    return ZoomSession.objects.create(**{**defaults, **fields})


def test_enrolling_records_the_learner_for_every_session_of_the_course():
    first = _session()
    second = _session(usage_key="block-v1:Demo+Zoom+2026+type@zoom+block@two")
    _session(usage_key="other", course_key="course-v1:Other+X+1")
    ada = make_user("ada")
    enroll(ada)
    for session in (first, second):
        row = Registration.objects.get(session=session, user_id=ada.id)
        assert (row.email, row.wanted, row.state) == ("ada@example.com", True, "pending")
    assert Registration.objects.filter(user_id=ada.id).count() == 2


def test_unenrolling_marks_the_learner_as_no_longer_wanted():
    session = _session()
    ada = make_user("ada")
    enroll(ada)
    unenroll(ada)
    assert Registration.objects.get(session=session, user_id=ada.id).wanted is False
    enroll(ada)
    assert Registration.objects.get(session=session, user_id=ada.id).wanted is True


def test_deleted_sessions_are_left_alone():
    session = _session(status=ZoomSession.Status.DELETED)
    enroll(make_user("ada"))
    assert not Registration.objects.filter(session=session).exists()


def test_an_enrollment_costs_few_queries_and_one_nudge_per_session(monkeypatch, settings):
    settings.ZOOM_XBLOCK = {"SYNC_DEBOUNCE_SECONDS": 5}
    sent = []
    monkeypatch.setattr("zoom_xblock.intents._send",
                        lambda name, *args, **kw: sent.append((name, args)))
    first = _session()
    second = _session(usage_key="block-v1:Demo+Zoom+2026+type@zoom+block@two")
    ada = make_user("ada")
    with CaptureQueriesContext(connection) as queries:
        enroll(ada)
    ours = [q["sql"] for q in queries if "zoom_xblock_" in q["sql"]]
    assert len(ours) <= 3, ours
    # One debounced nudge for the course (not per learner, not per signal) ...
    assert sent == [("zoom_xblock.tasks.sync_course", (COURSE, "enrollment"))]
    enroll(make_user("bob"))
    assert len(sent) == 1
    # ... which fans out to one sync per marked session.
    from zoom_xblock.learners import sync

    sent.clear()
    sync.fan_out_course(COURSE, "enrollment")
    assert sorted(args[0] for _name, args in sent) == [first.id, second.id]


def test_logging_in_nudges_the_sessions_where_the_learner_is_not_registered_yet(monkeypatch):
    from django.contrib.auth.signals import user_logged_in
    from django.test import RequestFactory

    sent = []
    monkeypatch.setattr("zoom_xblock.intents._send",
                        lambda name, *args, **kw: sent.append((name, args)))
    waiting, done = _session(), _session(usage_key="block-v1:Demo+Zoom+2026+type@zoom+block@two")
    grace = make_user("grace")
    Registration.objects.create(session=waiting, user_id=grace.id, email=grace.email,
                                state="cancelled", wanted=False)  # prerequisite not met then
    Registration.objects.create(session=done, user_id=grace.id, email=grace.email,
                                state="registered")
    user_logged_in.send(sender=type(grace), request=RequestFactory().get("/"), user=grace)
    assert sent == [("zoom_xblock.tasks.sync_session", (waiting.id, "login"))]
    assert ZoomSession.objects.get(id=waiting.id).sync_requested_at is not None
    assert ZoomSession.objects.get(id=done.id).sync_requested_at is None


def test_the_sweep_makes_a_pass_shortly_before_the_start_once(monkeypatch, settings):
    from datetime import timedelta


    settings.ZOOM_XBLOCK = {"SYNC_DEBOUNCE_SECONDS": 0, "PRE_START_SYNC_MINUTES": 30}
    sent = []
    monkeypatch.setattr("zoom_xblock.intents._send",
                        lambda name, *args, **kw: sent.append((name, args)))
    soon = _session(start=timezone.now() + timedelta(minutes=20))
    _session(usage_key="later", start=timezone.now() + timedelta(hours=5))
    sweep.run()
    syncs = [item for item in sent if item[0] == "zoom_xblock.tasks.sync_session"]
    assert syncs == [("zoom_xblock.tasks.sync_session", (soon.id, "pre_start"))]
    sent.clear()
    sweep.run()
    assert [item for item in sent if item[0] == "zoom_xblock.tasks.sync_session"] == []


def test_a_grade_event_re_checks_that_learner_not_the_course(monkeypatch, client):
    from tests.standin.models import Subsection

    sent = []
    monkeypatch.setattr("zoom_xblock.intents._send",
                        lambda name, *args, **kw: sent.append((name, args)))
    gated = _session(prerequisite={"usage_key": "week1", "min_score": 60})
    _session(usage_key="block-v1:Demo+Zoom+2026+type@zoom+block@open")  # no prerequisite
    week1 = Subsection.objects.create(course_key=COURSE, usage_key="week1", display_name="Week 1")
    grace = make_user("grace")
    client.force_login(grace)
    page = client.get(f"/demo/subsection/{week1.usage_key}")  # where See requirements leads
    assert page.status_code == 200 and b"Week 1" in page.content
    client.post(f"/demo/subsection/{week1.usage_key}", {"score": "75"})  # the real grade event
    assert sent == [("zoom_xblock.tasks.sync_learner", ([gated.id], grace.id, "progress"))]
    assert not ZoomSession.objects.filter(sync_requested_at__isnull=False).exists()


def test_a_passing_status_change_re_checks_that_learner(monkeypatch):
    from opaque_keys.edx.keys import CourseKey
    from openedx_events.learning.data import CourseData, CoursePassingStatusData, UserData

    from zoom_xblock import receivers

    sent = []
    monkeypatch.setattr("zoom_xblock.intents._send",
                        lambda name, *args, **kw: sent.append((name, args)))
    gated = _session(prerequisite={"usage_key": "week1", "min_score": 60})
    ada = make_user("ada")
    receivers.passing_status_changed(course_passing_status=CoursePassingStatusData(
        is_passing=True, user=UserData(id=ada.id, is_active=True, pii=None),
        course=CourseData(course_key=CourseKey.from_string(COURSE))))
    assert sent == [("zoom_xblock.tasks.sync_learner", ([gated.id], ada.id, "progress"))]
