"""The staff view: counts, attendance, the registrant report and its CSV, Sync now with its
progress, alerts, the health banner; and that learners never get any of it."""
import csv
import io
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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
from zoom_xblock import platform, sweep
from zoom_xblock.block import staff_panel
from zoom_xblock.learners import sync
from zoom_xblock.meeting import sessions
from zoom_xblock.models import (
    AttendanceInterval,
    Recording,
    Registration,
    SessionAlert,
    SyncRun,
    ZoomSession,
)
from zoom_xblock.staff import health, reports

pytestmark = pytest.mark.django_db

VALUES = {"kind": "meeting", "title": "Tutorial", "start": datetime(2030, 1, 15, 14, tzinfo=UTC),
          "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com"}
FIELDS = {"title": "Tutorial", "host_email": "host@example.com", "start_local": "2030-01-15T14:00"}
State = Registration.State


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The check's result and the sweep's heartbeat live in the cache: start without them."""
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
    """A session row for the block, without Zoom (tests that need Zoom use ``scheduled``)."""
    return ZoomSession.objects.create(usage_key=platform.usage_key_for(block), course_key=COURSE,
                                      status=ZoomSession.Status.SCHEDULED, zoom_id=123,
                                      **{**VALUES, **changes})


@pytest.fixture
def scheduled(zoom_sandbox, block, django_capture_on_commit_callbacks):
    """The block's session, created in the sandbox."""
    with django_capture_on_commit_callbacks(execute=True):
        made = sessions.save_desired(platform.usage_key_for(block), COURSE, VALUES)
    made.refresh_from_db()
    assert made.status == "scheduled"
    return made


def _rows(session, count, prefix="person", **values):
    """``count`` registrations without users (the report only reads the rows)."""
    start = Registration.objects.count()
    Registration.objects.bulk_create([
        Registration(session=session, user_id=10_000 + start + n, email=f"{prefix}{n}@example.com",
                     first_name=prefix.title(), last_name=f"{n:05d}", **values)
        for n in range(count)], batch_size=500)


# --- Counts, attendance, alerts, recordings --------------------------------------------------

def test_counts_by_state_failures_with_reasons_and_attendance(block, configured):
    session = _session(block, live_status=ZoomSession.LiveStatus.ENDED)
    now = timezone.now()
    _rows(session, 3, "reg", state=State.REGISTERED, registered_at=now)
    _rows(session, 2, "pend", state=State.PENDING)
    _rows(session, 1, "wait", state=State.WAITLISTED)
    _rows(session, 1, "gone", state=State.CANCELLED, wanted=False,
          eligibility_reason="not_enrolled", registrant_id="r-gone")
    _rows(session, 2, "never", state=State.CANCELLED, wanted=False,
          eligibility_reason="prerequisite")
    _rows(session, 2, "bad", state=State.FAILED, last_error="The learner's e-mail address is "
                                                              "not valid")
    _rows(session, 1, "twin", state=State.FAILED, last_error="Another learner has the same e-mail")
    Registration.objects.filter(email="reg0@example.com").update(attended_seconds=50 * 60,
                                                                 completed_at=now)
    Registration.objects.filter(email="reg1@example.com").update(attended_seconds=10 * 60 + 20)
    for key, email, name in (("p1", "guest@example.com", "Guest"), ("p2", "GUEST@example.com",
                                                                    "Guest again"),
                             ("p3", "", "Phone user")):
        AttendanceInterval.objects.create(session=session, participant_key=key, email=email,
                                          name=name, join_time=now)
    summary = reports.summary(session)
    counts = summary["registrations"]["counts"]
    # Learners who never reached Zoom are "Not registered", not "Cancelled".
    assert (counts["registered"], counts["pending"], counts["waitlisted"], counts["cancelled"],
            counts["not_registered"], counts["failed"]) == (3, 2, 1, 1, 2, 3)
    assert summary["registrations"]["failed_reasons"] == [
        {"reason": "The learner's e-mail address is not valid", "count": 2},
        {"reason": "Another learner has the same e-mail", "count": 1}]
    assert summary["attendance"] == {"attended": 2, "no_shows": 1, "minutes": 60,
                                     "completed": 1, "walk_ins": 2, "ended": True,
                                     "required_minutes": 1}
    html = render(block)
    assert "Why registrations failed" in html and "(2 learners)" in html
    assert 'data-state="not_registered"><dt>Not registered</dt><dd>2</dd>' in html
    assert 'data-figure="walk_ins"><dt>Walk-ins (not matched to a learner)</dt><dd>2</dd>' in html


def test_no_shows_wait_for_the_end_of_the_session(block, configured):
    session = _session(block)
    _rows(session, 2, state=State.REGISTERED)
    assert reports.attendance_summary(session)["no_shows"] is None
    html = render(block)
    assert "counted once the session ends" in html and "after the session" not in html


def test_the_panel_shows_the_last_sync_open_alerts_recordings_and_the_start_link(block,
                                                                                configured):
    session = _session(block, host_email="teacher@example.com")
    SyncRun.objects.create(session=session, trigger="sweep", outcome="partial", total=4, done=4,
                           added=3, failed=1, message="One learner failed.",
                           finished_at=timezone.now())
    SessionAlert.objects.create(session=session, kind="drift", message="Topic changed in Zoom.")
    SessionAlert.objects.create(session=session, kind="quota", message="Old news.",
                                resolved_at=timezone.now())
    Recording.objects.create(session=session, recording_key="u1", share_url="https://zoom.test/r",
                             topic="Tutorial", duration_minutes=58, recorded_at=timezone.now())
    html = render(block)
    assert "Last sync: Done with failures" in html and "3 added" in html
    assert "One learner failed." in html
    assert "Topic changed in Zoom." in html and "Old news." not in html
    assert 'href="https://zoom.test/r"' in html and "58 minutes" in html
    join = reverse("zoom_xblock:join", kwargs={"usage_key": session.usage_key})
    # Upcoming (2030): the organizer's only Start is in the staff area, and it asks first.
    assert f'href="{join}"' in html and "Start the meeting early" in html
    assert 'data-confirm="This meeting is scheduled for' in html


def test_a_non_organizer_gets_the_join_page_not_a_start_button(block, configured):
    _session(block)  # organizer host@example.com; the viewer is teacher@example.com
    html = render(block)
    assert "zoom-staff-start" not in html and "Start the meeting" not in html
    assert "start_url" not in html  # never fetched on render


def test_dismiss_resolves_one_of_this_sessions_alerts_only(block, configured, teacher):
    session = _session(block)
    other = ZoomSession.objects.create(usage_key="other", course_key=COURSE, **VALUES)
    mine = SessionAlert.objects.create(session=session, kind="drift", message="Changed")
    theirs = SessionAlert.objects.create(session=other, kind="drift", message="Changed")
    status, body = call_handler(block, "staff_dismiss_alert", {"alert_id": theirs.id})
    assert status == 200 and body["dismissed"] is False
    status, body = call_handler(block, "staff_dismiss_alert", {"alert_id": mine.id})
    assert status == 200 and body == {"dismissed": True, "alerts": []}
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.resolved_at is not None and theirs.resolved_at is None
    assert call_handler(block, "staff_dismiss_alert", {"alert_id": "x"})[0] == 400


def test_summary_handler_is_json(block, configured):
    session = _session(block)
    _rows(session, 2, state=State.REGISTERED)
    status, body = call_handler(block, "staff_summary", {})
    assert status == 200
    assert body["session"]["status"] == "scheduled"
    assert body["registrations"]["counts"]["registered"] == 2


# --- The registrant report -------------------------------------------------------------------

def test_report_searches_by_name_and_email(block, configured):
    session = _session(block)
    _rows(session, 30, "alpha", state=State.REGISTERED)
    Registration.objects.create(session=session, user_id=1, email="ada@lovelace.org",
                                first_name="Ada", last_name="Lovelace", state=State.PENDING)
    status, page = call_handler(block, "staff_report", {"search": "lovelace"})
    assert status == 200 and page["total"] == 1
    assert page["rows"][0] | {} == page["rows"][0]
    assert (page["rows"][0]["name"], page["rows"][0]["email"]) == ("Ada Lovelace",
                                                                    "ada@lovelace.org")
    assert call_handler(block, "staff_report", {"search": "ADA love"})[1]["total"] == 1
    assert call_handler(block, "staff_report", {"search": "alpha1@"})[1]["total"] == 1
    assert call_handler(block, "staff_report", {"search": "nobody"})[1]["rows"] == []


@pytest.mark.parametrize(("sort", "key"), [
    ("name", lambda r: r["name"].lower()),
    ("email", lambda r: r["email"].lower()),
    ("state", lambda r: r["state"]),
    ("attended", lambda r: r["attended_minutes"]),
    ("registered_at", lambda r: r["registered_at"] or "9999"),
])
def test_report_sorts_by_each_column_both_ways(block, configured, sort, key):
    session = _session(block)
    now = timezone.now()
    people = [("zoe", State.PENDING, 5), ("Bob", State.FAILED, 0), ("amy", State.REGISTERED, 30),
              ("Carl", State.WAITLISTED, 12)]
    for n, (first, state, minutes) in enumerate(people):
        Registration.objects.create(
            session=session, user_id=n, email=f"{first.lower()}{9 - n}@example.com",
            first_name=first, last_name="X", state=state, attended_seconds=minutes * 60,
            registered_at=now - timedelta(hours=n) if state == State.REGISTERED or n == 0 else None)
    ascending = call_handler(block, "staff_report", {"sort": sort})[1]["rows"]
    assert [r["id"] for r in ascending] == [r["id"] for r in sorted(ascending, key=key)]
    descending = call_handler(block, "staff_report", {"sort": sort, "direction": "desc"})[1]
    assert descending["direction"] == "desc"
    if sort != "registered_at":  # NULLs stay last both ways
        assert [r["id"] for r in descending["rows"]] == [r["id"] for r in reversed(ascending)]


def test_report_pages_do_not_overlap_and_bad_input_falls_back(block, configured):
    session = _session(block)
    _rows(session, 60, state=State.REGISTERED)
    first = call_handler(block, "staff_report", {"page": 1})[1]
    second = call_handler(block, "staff_report", {"page": 2})[1]
    last = call_handler(block, "staff_report", {"page": 99})[1]
    assert (first["total"], first["pages"], len(first["rows"])) == (60, 3, 25)
    assert not {r["id"] for r in first["rows"]} & {r["id"] for r in second["rows"]}
    assert (last["page"], len(last["rows"])) == (3, 10)
    odd = call_handler(block, "staff_report", {"page": "x", "sort": "password", "page_size": 10**6,
                                               "search": ["x"]})[1]
    assert (odd["page"], odd["sort"], odd["page_size"], odd["search"]) == (
        1, "name", reports.MAX_PAGE_SIZE, "")


def _report_queries(block, data) -> int:
    with CaptureQueriesContext(connection) as queries:
        status, _page = call_handler(block, "staff_report", data)
    assert status == 200
    return len([q for q in queries.captured_queries if "zoom_xblock_" in q["sql"]])


def test_a_report_page_costs_the_same_queries_at_any_size(block, configured):
    session = _session(block)
    _rows(session, 30, state=State.REGISTERED)
    small = _report_queries(block, {"search": "person", "sort": "attended", "page": 2})
    _rows(session, 3000, "many", state=State.REGISTERED)
    large = _report_queries(block, {"search": "person", "sort": "attended", "page": 2})
    assert small == large <= 3  # the session, the count, the page: no per-row query


def test_a_page_handler_call_is_bounded_in_total(block, configured,
                                                 django_assert_max_num_queries):
    session = _session(block)
    _rows(session, 500, state=State.REGISTERED)
    with django_assert_max_num_queries(8):  # the runtime's own lookups included
        call_handler(block, "staff_report", {"page": 3, "sort": "email"})


def test_rendering_the_panel_costs_a_fixed_number_of_queries(block, configured):
    session = _session(block)
    _rows(session, 20, state=State.REGISTERED)
    render(block)  # the runtime's one-time lookups
    with CaptureQueriesContext(connection) as small:
        render(block)
    _rows(session, 2000, "many", state=State.REGISTERED)
    with CaptureQueriesContext(connection) as large:
        render(block)
    assert len(large) == len(small)


# --- CSV -------------------------------------------------------------------------------------

def _csv_url(session) -> str:
    return reverse("zoom_xblock:report_csv", kwargs={"usage_key": session.usage_key})


def test_csv_export_streams_every_registrant(block, configured, teacher):
    session = _session(block)
    now = datetime(2030, 1, 10, 9, 30, tzinfo=UTC)
    Registration.objects.create(session=session, user_id=1, email="ada@example.com",
                                first_name="Ada", last_name="Lovelace", state=State.REGISTERED,
                                registered_at=now, attended_seconds=45 * 60, completed_at=now)
    Registration.objects.create(session=session, user_id=2, email="eve@example.com",
                                first_name="=HYPERLINK(\"x\")", last_name="", state=State.FAILED)
    _rows(session, 25, state=State.PENDING)
    client = Client()
    client.force_login(teacher)
    response = client.get(_csv_url(session))
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'attachment; filename="zoom-registrants-123.csv"' == response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["Registrant", "E-mail", "State", "Registered at (UTC)", "Attended minutes",
                       "Completion"]
    assert rows[1] == ["Ada Lovelace", "ada@example.com", "Registered", "2030-01-10 09:30:00",
                       "45", "Complete"]
    assert rows[2][0] == "'=HYPERLINK(\"x\")" and rows[2][2] == "Failed"  # no formula
    assert len(rows) == 1 + 27


def test_csv_rows_are_read_in_bounded_chunks(block, configured):
    session = _session(block)
    _rows(session, 10, state=State.REGISTERED)
    with CaptureQueriesContext(connection) as queries:
        lines = list(reports.csv_lines(session, chunk_size=3))
    assert len(lines) == 11
    assert len(queries) == 4  # 3 + 3 + 3 + 1 rows: one query per chunk, never one per row
    assert all("LIMIT 3" in q["sql"] for q in queries.captured_queries)


def test_csv_is_for_course_staff_only(block, configured):
    session = _session(block)
    url = _csv_url(session)
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
    learner = make_user("ada")
    enroll(learner)
    client = Client()
    client.force_login(learner)
    assert client.get(url).status_code == 403
    assert client.get(reverse("zoom_xblock:report_csv", kwargs={"usage_key": "nope"})
                      ).status_code == 404
    client.force_login(make_user("root", staff=True))  # global staff may
    assert client.get(url).status_code == 200


# --- Sync now --------------------------------------------------------------------------------

def test_sync_now_queues_a_full_reconciliation_on_the_lms_queue(block, configured):
    session = _session(block)
    with mock.patch("zoom_xblock.tasks.sync_session.apply_async") as apply_async:
        status, body = call_handler(block, "staff_sync_now", {})
    assert status == 200 and body["started"] is True and body["after"] == 0
    apply_async.assert_called_once_with(args=(session.id, "staff", True),
                                        queue="edx.lms.core.default")


def test_sync_now_honours_the_configured_queue(block, settings):
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "CELERY_QUEUE": "zoom"}
    session = _session(block)
    with mock.patch("zoom_xblock.tasks.sync_session.apply_async") as apply_async:
        assert call_handler(block, "staff_sync_now", {})[0] == 200
    apply_async.assert_called_once_with(args=(session.id, "staff", True), queue="zoom")


def test_sync_now_runs_a_full_sync_and_reports_its_progress(scheduled, block, configured,
                                                            zoom_sandbox):
    for n in range(65):
        enroll(make_user(f"learner{n}"))
    Registration.objects.filter(session=scheduled).delete()  # nothing synced yet
    seen = []
    record = sync.Progress.record

    def watch(progress, **counts):  # what staff's page would read after each batch
        record(progress, **counts)
        seen.append(call_handler(block, "staff_sync_status", {"after": 0})[1]["run"])

    with mock.patch.object(sync.Progress, "record", watch):
        status, body = call_handler(block, "staff_sync_now", {})
    assert status == 200 and body["started"] is True
    assert [(r["done"], r["total"], r["finished"]) for r in seen] == [
        (30, 65, False), (60, 65, False), (65, 65, False)]
    status, answer = call_handler(block, "staff_sync_status", {"after": body["after"]})
    run = answer["run"]
    assert (run["trigger"], run["full"], run["outcome"], run["finished"]) == (
        "staff", True, "ok", True)
    assert (run["done"], run["total"], run["added"]) == (65, 65, 65)
    assert answer["registrations"]["counts"]["registered"] == 65


def test_sync_status_before_the_run_starts_and_when_one_is_running(block, configured):
    session = _session(block)
    assert call_handler(block, "staff_sync_status", {"after": 0})[1] == {"run": None}
    running = SyncRun.objects.create(session=session, trigger="sweep", total=10, done=4)
    with mock.patch("zoom_xblock.tasks.sync_session.apply_async") as apply_async:
        status, body = call_handler(block, "staff_sync_now", {})
    assert status == 200 and body["started"] is False and body["run"]["id"] == running.id
    apply_async.assert_not_called()
    status, answer = call_handler(block, "staff_sync_status", {"after": body["after"]})
    assert (answer["run"]["done"], answer["run"]["total"]) == (4, 10)
    assert "registrations" not in answer
    html = render(block)
    assert "&quot;running&quot;: true" in html  # the page resumes polling on load


def test_sync_now_when_no_task_can_be_queued_leaves_intent_for_the_sweep(block, configured):
    session = _session(block)
    down = OSError("broker down")
    with mock.patch("zoom_xblock.tasks.sync_session.delay", side_effect=down), \
            mock.patch("zoom_xblock.tasks.sync_session.apply_async", side_effect=down):
        status, body = call_handler(block, "staff_sync_now", {})
    assert status == 503 and "sweep" in body["error"]
    session.refresh_from_db()
    assert session.sync_requested_at is not None


def test_sync_now_before_the_session_exists(block, configured):
    assert call_handler(block, "staff_sync_now", {})[0] == 409


def test_the_sync_progress_is_an_accessible_live_region(block, configured):
    _session(block)
    html = render(block)
    assert "<progress " in html and 'aria-valuemin="0"' in html
    assert 'role="status" aria-live="polite"' in html
    assert 'aria-labelledby="zoom-staff-' in html and '<label id="zoom-staff-' in html


# --- Learners never see any of it ------------------------------------------------------------

@pytest.mark.parametrize("handler", staff_panel.STAFF_HANDLERS)
def test_learners_and_visitors_are_refused_every_staff_handler(block, configured, handler):
    session = _session(block)
    alert = SessionAlert.objects.create(session=session, kind="drift", message="x")
    learner = make_user("ada")
    enroll(learner)
    data = {"alert_id": alert.id, "after": 0}
    with mock.patch("zoom_xblock.tasks.sync_session.apply_async") as apply_async:
        for viewer in (learner, None):
            status, _body = call_handler(as_user(block, viewer), handler, data)
            assert status == 403
    apply_async.assert_not_called()
    alert.refresh_from_db()
    assert alert.resolved_at is None


def test_learners_see_no_staff_section_nor_banner(block, settings):
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "WEBHOOK_SECRET_TOKEN": ""}
    session = _session(block)
    _rows(session, 3, state=State.REGISTERED)
    learner = make_user("ada")
    enroll(learner)
    html = render(as_user(block, learner))
    assert "zoom-staff" not in html and "zoom-health-banner" not in html
    assert "staff_report" not in html and "/zoom/report/" not in html
    assert "zoom-health-banner" in render(block)  # while staff see it


# --- The health banner -----------------------------------------------------------------------

def test_the_banner_shows_settings_and_cached_problems_without_calling_zoom(block, settings):
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "WEBHOOK_SECRET_TOKEN": ""}
    _session(block, created=timezone.now())
    ZoomSession.objects.update(created=timezone.now() - timedelta(days=1))
    health.store_report(health.CheckReport(problems=[
        health.Problem("organizer", {"email": "HOST@example.com", "reason": "not_licensed",
                                     "sessions": 2}),
        health.Problem("organizer", {"email": "other@example.com", "reason": "not_licensed"}),
        health.Problem("scopes", {"missing": ["meeting:write:registrant:admin"],
                                  "required": 45}),
    ]))
    with mock.patch("zoom_xblock.clients.get_client", side_effect=AssertionError("Zoom!")):
        html = render(block)
        author = render(block, "author_view")
    for page in (html, author):
        assert "Zoom needs attention: 4 problems." in page
        assert "webhook secret token is not set" in page
        assert "The periodic sweep has never run" in page
        assert "HOST@example.com has a Basic (free) Zoom user" in page  # case-insensitive match
        assert "other@example.com" not in page  # another block's organizer
        assert "meeting:write:registrant:admin" in page


def test_no_banner_when_all_is_well_or_zoom_is_not_configured(block, configured, settings):
    _session(block)
    assert "zoom-health-banner" not in render(block)
    settings.ZOOM_XBLOCK = {}
    html = render(block)
    assert "zoom-health-banner" not in html and "Zoom is not configured" in html


def test_a_stale_sweep_shows_in_the_banner(block, configured):
    _session(block)
    health.record_sweep(timezone.now() - timedelta(hours=2))
    assert "The periodic sweep last ran 120 minutes ago" in render(block)
    sweep.run()  # the sweep records its heartbeat
    assert "zoom-health-banner" not in render(block)
