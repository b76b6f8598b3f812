"""In Chromium (issue 15): every screen says what is happening in words a person reads.

Staff read buckets and reasons in words and alerts with field names and times in their own
zone, "put back at ..." once restored; while Zoom is not answering both the author view and
the staff view say until when, with the last error and Retry; the organizer has one Start,
which asks when far from the start; "Registering you…" turns into "You are registered."
without a reload; the editor warns about a capacity below the registered; authors create a
meeting and a webinar in the demo's empty components; the Join page speaks the reader's zone.
axe-core checks each state; each changed screen is saved under test-artifacts/screenshots/.
"""
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from tests.e2e.conftest import check_accessibility, login, scenario_usage_key, screenshot
from tests.learning import learners, prerequisite, register_all, schedule, set_score
from tests.utils import make_user
from zoom_xblock.meeting import lifecycle
from zoom_xblock.models import Registration, WebhookEvent, ZoomSession
from zoom_xblock.staff import health
from zoom_xblock.webhooks import zoom_events
from zoom_xblock.zoom import ZoomUnavailable

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCENARIO = "zoom.0"
VIEW = f"/scenario/{SCENARIO}/student_view/"
NEW_YORK = {"timezone_id": "America/New_York", "locale": "en-US"}


def _page(new_context, base_url, username, path=VIEW, **options):
    page = new_context(**{**NEW_YORK, **options}).new_page()
    login(page, base_url, username, path)
    return page


def test_staff_read_words_local_times_and_a_restored_drift(workbench, new_context):
    session = schedule(scenario_usage_key(SCENARIO), start=timezone.now() + timedelta(days=3))
    health.record_sweep()
    make_user("teacher", course_role="staff")
    ada, _bob = learners("ada", "bob")
    register_all(session)
    Registration.objects.filter(session=session, user_id=_bob.id).update(
        state="cancelled", wanted=False, registrant_id="", registered_at=None,
        eligibility_reason="not_enrolled")
    event = WebhookEvent.objects.create(
        dedupe_key="e2e-drift", event="meeting.updated", endpoint="meeting",
        zoom_id=session.zoom_id, payload={"event": "meeting.updated", "payload": {
            "operator": "someone@example.com",
            "object": {"id": session.zoom_id, "start_time": "2030-01-22T09:00:00Z"},
            "old_object": {"id": session.zoom_id}}})
    zoom_events.meeting_updated(ZoomSession.objects.get(id=session.id), event)  # restored at once
    page = _page(new_context, workbench.url, "teacher")
    section = page.get_by_role("region", name="Staff view")
    section.wait_for()
    counts = section.locator(".zoom-staff-counts").first.inner_text()
    assert "Not registered" in counts
    row = section.locator("tr[data-state='not_registered']")
    assert "Not registered" in row.inner_text() and "Not enrolled in the course" in row.inner_text()
    assert "not_enrolled" not in section.inner_text()
    registered = section.locator("tr[data-state='registered'] time").first.inner_text()
    assert "(America/New_York)" in registered
    alert = section.locator(".zoom-staff-alert").first.inner_text()
    assert "Start:" in alert and "start_time" not in alert and "2030-01-22T09:00:00Z" not in alert
    assert "Jan 22, 2030, 4:00 AM (America/New_York)" in alert  # 09:00 UTC in New York
    assert "were put back at" in alert and "being put back" not in alert
    assert "–" in section.locator("[data-figure='no_shows']").inner_text()
    check_accessibility(page, "staff words", ".zoom-staff")
    screenshot(page, "15-staff-words-local-times-drift-put-back")


def test_zoom_not_answering_in_the_author_and_staff_views_with_retry(workbench, new_context):
    session = schedule(scenario_usage_key(SCENARIO), start=timezone.now() + timedelta(days=3))
    health.record_sweep()
    make_user("teacher", course_role="staff")
    ZoomSession.objects.filter(id=session.id).update(status="updating", desired_version=5)
    client = mock.Mock()
    client.update.side_effect = ZoomUnavailable("Service Unavailable", status=503)
    with mock.patch.object(lifecycle, "get_client", return_value=client), \
            pytest.raises(lifecycle.RetryLater):
        lifecycle.apply_session(session.id)
    author = _page(new_context, workbench.url, "teacher", f"/preview/{SCENARIO}/author_view/")
    problem = author.locator(".zoom-problem")
    problem.wait_for()
    text = problem.inner_text()
    assert re.search(r"Zoom is not answering; retrying at \d{1,2}:\d\d [AP]M "
                     r"\(America/New_York\)", text), text
    assert "Last error: HTTP 503: Service Unavailable" in text
    assert "Updating in Zoom" not in author.locator(".zoom-author-status").inner_text()
    assert author.locator(".zoom-problem").get_by_role("button", name="Retry").is_visible()
    check_accessibility(author, "author view, Zoom not answering")
    screenshot(author, "15-author-zoom-not-answering")
    staff = _page(new_context, workbench.url, "teacher")
    box = staff.locator(".zoom-staff .zoom-problem")
    box.wait_for()
    assert "Zoom is not answering; retrying at" in box.inner_text()
    check_accessibility(staff, "staff view, Zoom not answering", ".zoom-staff")
    screenshot(staff, "15-staff-zoom-not-answering")
    staff.get_by_role("button", name="Retry").click()  # Zoom (the sandbox) answers again
    staff.locator(".zoom-staff-zoom-state .zoom-author-live").filter(
        has_text="Scheduled").wait_for()
    assert ZoomSession.objects.get(id=session.id).status == "scheduled"
    screenshot(staff, "15-staff-zoom-retried")


def test_the_organizer_has_one_start_button_that_asks_far_from_the_start(
        workbench, new_context):
    schedule(scenario_usage_key(SCENARIO), kind="webinar",
             start=timezone.now() + timedelta(days=30))
    health.record_sweep()
    make_user("host", email="host@example.com", course_role="instructor")
    page = _page(new_context, workbench.url, "host")
    page.wait_for_selector(".zoom-staff")
    starts = page.get_by_role("link", name=re.compile("^Start the"))
    assert starts.count() == 1 and starts.inner_text().startswith("Start the webinar early")
    assert "Join starts the meeting" not in page.inner_text("body")
    check_accessibility(page, "organizer, one start")
    screenshot(page, "15-organizer-one-start-button")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    starts.click()
    page.wait_for_timeout(500)
    assert len(page.context.pages) == 1  # dismissed: nothing started
    assert questions and questions[0].startswith("This webinar is scheduled for")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.context.expect_page() as opened:
        starts.click()
    opened.value.wait_for_load_state()


def test_registering_you_until_the_worker_is_done(workbench, new_context, monkeypatch):
    session = schedule(scenario_usage_key(SCENARIO), prerequisite=prerequisite(60))
    (bea,) = learners("bea")
    set_score(bea, 20)
    register_all(session)
    monkeypatch.setattr("zoom_xblock.intents.nudge_sync", lambda *args, **kwargs: None)
    set_score(bea, 85)  # met; the worker has not run yet
    page = _page(new_context, workbench.url, "bea")
    page.locator(".zoom-registering").filter(has_text="Registering you…").wait_for()
    assert page.locator("summary", has_text="See requirements").count() == 0
    check_accessibility(page, "registering you")
    screenshot(page, "15-learner-registering-you")
    register_all(session)  # the worker's pass
    page.get_by_text("You are registered.").wait_for(timeout=15000)  # no reload
    screenshot(page, "15-learner-registered-after-registering")


def test_the_editor_warns_when_the_capacity_drops_below_the_registered(
        workbench, new_context):
    session = schedule(scenario_usage_key(SCENARIO), start=timezone.now() + timedelta(days=3))
    make_user("author", course_role="instructor")
    learners("ada", "bob", "cy")
    register_all(session)
    page = _page(new_context, workbench.url, "author", f"/preview/{SCENARIO}/studio_view/",
                 timezone_id="Europe/Paris")
    page.locator(".zoom-studio-form").wait_for()
    page.get_by_label("Capacity").fill("2")
    page.get_by_role("button", name="Save").click()
    warning = page.locator(".zoom-studio-warning")
    warning.wait_for()
    assert "The capacity (2) is below the 3 learners registered already" in warning.inner_text()
    check_accessibility(page, "capacity warning")
    screenshot(page, "15-studio-capacity-warning")


def _empty_scenarios() -> list[str]:
    from workbench.scenarios import get_scenarios

    return sorted(key for key, scenario in get_scenarios().items()
                  if key.startswith("zoom.") and "(empty)" in scenario.description)


@pytest.mark.parametrize("number,kind", [(0, "meeting"), (1, "webinar")])
def test_an_author_creates_a_session_from_scratch_in_an_empty_component(
        workbench, new_context, number, kind):
    scenario = _empty_scenarios()[number]
    make_user("author", email="host@example.com", course_role="instructor")
    page = _page(new_context, workbench.url, "author", f"/preview/{scenario}/author_view/",
                 timezone_id="Europe/Paris")
    assert "not created yet" in page.locator(".zoom-author-status").inner_text()
    screenshot(page, f"15-empty-component-{kind}-before")
    page.goto(f"{workbench.url}/preview/{scenario}/studio_view/")
    page.locator(".zoom-studio-form").wait_for()
    page.get_by_label("Meeting type").select_option(kind)
    page.get_by_label("Title in Zoom").fill(f"A {kind} from scratch")
    page.get_by_label("Start date").fill("2030-03-01")
    page.get_by_label("Start time").fill("10:00")
    page.get_by_role("button", name="Save").click()
    page.locator(".zoom-studio-status").filter(has_text="Saved").wait_for()
    page.goto(f"{workbench.url}/preview/{scenario}/author_view/")
    # A Studio save is a draft: Zoom gets the session when the unit is published.
    assert "Draft, not yet published" in page.locator(".zoom-author-publication").inner_text()
    page.get_by_role("button", name="Publish").click()
    page.locator(".zoom-author-publication").filter(has_text="Published:").wait_for()
    session = ZoomSession.objects.get(usage_key=scenario_usage_key(scenario))
    assert (session.kind, session.status, session.title) == (kind, "scheduled",
                                                             f"A {kind} from scratch")
    assert str(session.zoom_id) in page.locator(".zoom-author-status").inner_text()
    screenshot(page, f"15-empty-component-{kind}-created")


def test_the_join_page_speaks_the_readers_time_zone(workbench, new_context):
    schedule(scenario_usage_key(SCENARIO), start=timezone.now() + timedelta(days=3))
    learners("ada")
    page = _page(new_context, workbench.url, "ada",
                 f"/zoom/join/{scenario_usage_key(SCENARIO)}")
    text = page.locator("main").inner_text()
    assert "Join opens on" in text and "(America/New_York)" in text and "Europe/Paris" not in text
    check_accessibility(page, "join page too early")
    screenshot(page, "15-join-page-readers-zone")


def test_stored_messages_are_worded_in_the_staff_members_language(workbench, new_context):
    from zoom_xblock import wording
    from zoom_xblock.learners import sync
    from zoom_xblock.models import SessionAlert

    usage_key = scenario_usage_key(SCENARIO)
    session = ZoomSession.objects.create(
        usage_key=usage_key, course_key="course-v1:Demo+Zoom+2026", title="Office hours",
        start=timezone.now() + timedelta(days=3), timezone="Europe/Paris",
        host_email="host@example.com", status="creating")
    health.record_sweep()
    make_user("teacher", course_role="staff")
    sync.sync_session(session.id, "test")  # written while English is active
    SessionAlert.objects.create(session=session, kind="registrant_changed",
                                message=wording.stored("registrant_changed", action="cancelled",
                                                       operator="", email="ada@example.com"))
    page = _page(new_context, workbench.url, "teacher", locale="es-ES",
                 timezone_id="Europe/Madrid")
    section = page.locator(".zoom-staff")
    section.wait_for()
    text = section.inner_text()
    assert "A la espera de que la reunión exista en Zoom." in text
    assert "Waiting for the meeting to exist in Zoom." not in text
    assert "ada@example.com" in section.locator(".zoom-staff-alert").inner_text()
    assert "cancelled the registration" not in text
    screenshot(page, "15-staff-stored-messages-in-spanish")
