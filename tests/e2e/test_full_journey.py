"""The whole journey in Chromium, with the local Zoom's own signed webhooks reaching the plugin:
a learner clicks Join, lands in the sandbox's meeting as themselves, the sandbox's
``participant_joined`` webhook arrives over HTTP, the host ends the meeting, and course staff
then see the learner as attended (and the block as complete for them)."""
import re

import pytest
import requests
from completion.models import BlockCompletion

from tests.e2e.conftest import check_accessibility, login, scenario_usage_key, screenshot
from tests.learning import register_all, registration, schedule
from tests.standin.backend import block_key
from tests.utils import enroll, make_user
from zoom_xblock.models import Registration, WebhookEvent

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCENARIO = "zoom.0"


@pytest.fixture
def journey(workbench_pages, zoom_with_webhooks, live_server):
    """The live workbench, and a sandbox whose webhooks go to it."""
    return live_server, zoom_with_webhooks


def _wait_for_webhooks(sandbox):
    answer = requests.post(f"{sandbox.url}/_sandbox/webhooks/wait", json={"timeout": 15},
                           timeout=20).json()
    assert answer["idle"]


def test_join_then_the_webhook_then_staff_see_the_learner_as_attended(journey, new_context):
    server, sandbox = journey
    session = schedule(scenario_usage_key(SCENARIO), completion_threshold_percent=50)
    ada = make_user("ada", first_name="Ada", last_name="Lovelace")
    enroll(ada)
    make_user("prof", email="prof@example.com", course_role="instructor")
    register_all(session)

    page = new_context(timezone_id="Europe/Paris").new_page()
    login(page, server.url, "ada", f"/scenario/{SCENARIO}/student_view/")
    join = page.get_by_role("link", name=re.compile("^Join"))
    with page.context.expect_page() as opened:
        join.click()
    zoom_tab = opened.value
    zoom_tab.locator("#joined").wait_for()
    assert "Ada Lovelace (ada@example.com) joined" in zoom_tab.locator("#joined").inner_text()
    screenshot(zoom_tab, "20-journey-joined")
    _wait_for_webhooks(sandbox)
    joined = WebhookEvent.objects.filter(event="meeting.participant_joined")
    assert joined.count() == 1 and joined.get().status == "applied"

    # Forty minutes in the meeting (of sixty scheduled; 50% are needed), then the host ends it.
    requests.post(f"{sandbox.url}/_sandbox/clock/advance", json={"minutes": 40},
                  timeout=10).raise_for_status()
    requests.post(f"{sandbox.url}/_sandbox/meetings/{session.zoom_id}/end", json={},
                  timeout=10).raise_for_status()
    _wait_for_webhooks(sandbox)
    row = registration(session, ada)
    assert 39 * 60 <= row.attended_seconds <= 41 * 60
    assert BlockCompletion.objects.filter(user=ada, block_key=block_key(session.usage_key)).exists()

    staff = new_context().new_page()
    login(staff, server.url, "prof", f"/scenario/{SCENARIO}/student_view/")
    panel = staff.locator(".zoom-staff")
    panel.wait_for()
    assert panel.locator('[data-figure="attended"] dd').inner_text().strip() == "1"
    report = staff.locator(".zoom-staff table")
    report.filter(has_text="ada@example.com").wait_for()
    check_accessibility(staff, "staff view after the session")
    screenshot(staff, "21-journey-staff-sees-attendance")
    assert Registration.objects.get(id=row.id).completed_at is not None
