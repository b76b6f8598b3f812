"""The whole journey in Chromium, with the local Zoom's own signed webhooks reaching the plugin:
a learner clicks Join, lands in the sandbox's meeting as themselves, the sandbox's
``participant_joined`` webhook arrives over HTTP, the host ends the meeting, and course staff
then see the learner as attended (and the block as complete for them)."""
import importlib
import re

import pytest
import requests
from django.core.cache import cache
from django.urls import clear_url_caches

from tests.e2e.conftest import check_accessibility, login, scenario_usage_key, screenshot
from tests.learning import register_all, registration, schedule
from tests.utils import SANDBOX_CREDENTIALS, enroll, make_user
from zoom_xblock.models import Registration, WebhookEvent
from zoom_xblock.sandbox import start_sandbox
from zoom_xblock.sandbox.webhooks import WebhookSender
from zoom_xblock.standalone.models import BlockCompletion

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCENARIO = "zoom.0"
SECRET = SANDBOX_CREDENTIALS["WEBHOOK_SECRET_TOKEN"]


@pytest.fixture
def journey(settings, live_server):
    """The live workbench, and a sandbox whose webhooks go to it."""
    settings.DEBUG = True  # /demo/login-as/
    from tests.project import urls

    importlib.reload(urls)
    clear_url_caches()
    from workbench.scenarios import init_scenarios

    init_scenarios()
    base = f"{live_server.url}/zoom/webhook/"
    sandbox = start_sandbox(port=0, quiet=True, webhook_base=base, webhook_secret=SECRET,
                            api_webhooks=False, time_scale=50)
    # One delivery at a time: the live server shares the test's SQLite connection.
    sender = WebhookSender(base, SECRET, retries=3, retry_delay=0.2, workers=1)
    sandbox.app.webhooks = sandbox.app.state.webhooks = sender
    cache.clear()
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "OAUTH_URL": f"{sandbox.url}/oauth/token",
                            "SYNC_DEBOUNCE_SECONDS": 0, "RATE_SCALE": 50}
    yield live_server, sandbox
    sandbox.stop()
    settings.DEBUG = False
    importlib.reload(urls)
    clear_url_caches()


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
    assert BlockCompletion.objects.filter(user=ada, block_key=session.usage_key).exists()

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
