"""A session's life in Chromium, with the local Zoom's signed webhooks reaching the plugin: a sound
check on a 2030 session leaves it upcoming (and staff see the test run), a past-dated session
reads "Not started yet", and after the end a learner's own link is one click away."""
import re
from datetime import UTC, datetime, timedelta

import pytest
import requests

from tests.e2e.conftest import check_accessibility, login, scenario_usage_key, screenshot
from tests.learning import register_all, registration, schedule
from tests.utils import enroll, make_user
from zoom_xblock.learners import sync
from zoom_xblock.models import Registration, ZoomSession

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCENARIO = "zoom.0"


@pytest.fixture
def life(workbench_pages, zoom_with_webhooks, live_server):
    return live_server, zoom_with_webhooks


def _control(sandbox, path, **body):
    answer = requests.post(f"{sandbox.url}/_sandbox{path}", json=body, timeout=10)
    answer.raise_for_status()
    return answer.json()


def _settle(sandbox):
    assert _control(sandbox, "/webhooks/wait", timeout=15)["idle"]


def test_a_sound_check_in_2030_leaves_the_session_upcoming(life, new_context):
    server, sandbox = life
    session = schedule(scenario_usage_key(SCENARIO),
                       start=datetime(2030, 1, 15, 14, tzinfo=UTC), timezone="UTC")
    ada = make_user("ada", first_name="Ada", last_name="Lovelace")
    enroll(ada)
    make_user("prof", email="prof@example.com", course_role="instructor")
    register_all(session)

    _control(sandbox, f"/meetings/{session.zoom_id}/start")  # the organizer checks the sound
    _control(sandbox, "/clock/advance", minutes=6)
    _control(sandbox, f"/meetings/{session.zoom_id}/end")
    _settle(sandbox)

    assert ZoomSession.objects.get(id=session.id).live_status == "not_started"
    page = new_context(timezone_id="Europe/Paris").new_page()
    login(page, server.url, "ada", f"/scenario/{SCENARIO}/student_view/")
    state = page.locator(".zoom-state")
    assert state.get_attribute("data-phase") == "upcoming"
    assert "This session has ended" not in state.inner_text()
    staff = new_context().new_page()
    login(staff, server.url, "prof", f"/scenario/{SCENARIO}/student_view/")
    runs = staff.locator(".zoom-staff-test-runs li")
    runs.first.wait_for()
    assert runs.count() == 1 and "6 minutes" in runs.first.inner_text()
    assert staff.locator('[data-figure="no_shows"] dd').inner_text().strip() != "1"
    check_accessibility(staff, "staff view after a test run")
    screenshot(staff, "30-test-run-staff")

    bob = make_user("bob")
    enroll(bob)  # enrolled after the sound check: still registered
    sync.sync_session(session.id, "test")
    assert registration(session, bob).state == Registration.State.REGISTERED


def test_a_past_dated_session_then_join_after_the_end(life, new_context):
    server, sandbox = life
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=3)
    session = schedule(scenario_usage_key(SCENARIO), start=start, timezone="UTC",
                       completion_threshold_percent=50)
    ada = make_user("ada", first_name="Ada", last_name="Lovelace")
    enroll(ada)
    register_all(session)

    page = new_context(timezone_id="Europe/Paris").new_page()
    login(page, server.url, "ada", f"/scenario/{SCENARIO}/student_view/")
    state = page.locator(".zoom-state")
    assert "Not started yet" in state.inner_text()
    assert "attend at least 30 minutes" in state.inner_text()
    screenshot(page, "31-past-dated-not-started")

    _control(sandbox, f"/meetings/{session.zoom_id}/start")
    _control(sandbox, "/participants/join", registrant_id=registration(session, ada).registrant_id)
    _control(sandbox, "/clock/advance", minutes=40)
    _control(sandbox, f"/meetings/{session.zoom_id}/end")
    _settle(sandbox)
    assert ZoomSession.objects.get(id=session.id).live_status == "ended"

    page.reload()
    state = page.locator(".zoom-state")
    text = state.inner_text()
    assert "This session has ended." in text and "You completed this session." in text
    check_accessibility(page, "ended, with the own link")
    screenshot(page, "32-ended-own-link")
    own = page.get_by_role("link", name=re.compile("^Open your Zoom link"))
    with page.context.expect_page() as opened:
        own.click()
    zoom_tab = opened.value
    zoom_tab.wait_for_load_state()
    assert zoom_tab.url.startswith(f"{sandbox.url}/j/{session.zoom_id}?tk=")
