"""In a browser: course staff press "Sync now" and watch the sync's progress to its outcome.

Playwright drives Debian's Chromium (``/usr/bin/chromium``, never a downloaded browser) against
the workbench on pytest-django's ``live_server``, with the local Zoom slowed down so that the
batches of a 150-learner sync take a few seconds. Celery is eager in the default tier, so the
sync runs inside the "Sync now" request while the page polls ``staff_sync_status`` from other
requests: the progress bar must move, then show the outcome. Screenshots go to
``test-artifacts/screenshots/``.
"""
from pathlib import Path

import pytest
import requests
from django.conf import settings as django_settings
from django.test import Client

from tests.utils import COURSE, make_user

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
LEARNERS = 150
SCENARIO = "zoom.0"  # "Zoom: a meeting"


@pytest.fixture
def staff_page(live_server, zoom_sandbox, browser, monkeypatch,
               django_capture_on_commit_callbacks):
    """The scenario's block, scheduled in the sandbox, 150 enrolled learners not yet synced,
    and a browser page logged in as course staff."""
    from django.contrib.auth import get_user_model
    from workbench.scenarios import get_scenarios

    from tests.standin.models import Enrollment
    from zoom_xblock.meeting import sessions
    from zoom_xblock.staff import health

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous ones.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    usage_key = str(get_scenarios()[SCENARIO].usage_id)
    from datetime import UTC, datetime

    session = sessions.save_desired(usage_key, COURSE, {
        "kind": "meeting", "title": "Office hours", "start": datetime(2030, 1, 15, 14, tzinfo=UTC),
        "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com"})
    session.refresh_from_db()
    assert session.status == "scheduled", session.last_error
    users = get_user_model().objects
    users.bulk_create([users.model(username=f"e2e{n}", email=f"e2e{n}@example.com",
                                   first_name="Learner", last_name=f"{n:03d}")
                       for n in range(LEARNERS)])
    Enrollment.objects.bulk_create([Enrollment(user=user, course_key=COURSE)
                                    for user in users.filter(username__startswith="e2e")])
    health.record_sweep()
    teacher = make_user("teacher", course_role="staff")
    client = Client()
    client.force_login(teacher)
    context = browser.new_context(base_url=live_server.url, locale="en-US",
                                           viewport={"width": 1280, "height": 1400})
    context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME,
                          "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value,
                          "url": live_server.url}])
    # Each Zoom call now takes 0.6 s: the five batches of 30 take a few seconds.
    requests.post(f"{zoom_sandbox.url}/_sandbox/faults", json={"latency_ms": 600},
                  timeout=5).raise_for_status()
    page = context.new_page()
    yield page, session
    context.close()


def test_sync_now_shows_live_progress_then_the_outcome(staff_page):
    from zoom_xblock.models import Registration, SyncRun

    page, session = staff_page
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.goto(f"/scenario/{SCENARIO}/")
    section = page.get_by_role("region", name="Staff view")
    section.wait_for()
    assert page.get_by_text("Only the course's staff see this section.").is_visible()
    status = section.locator(".zoom-staff-sync-status")
    assert status.get_attribute("role") == "status"
    assert status.get_attribute("aria-live") == "polite"

    button = section.get_by_role("button", name="Sync now")
    button.focus()
    page.keyboard.press("Enter")  # works from the keyboard
    progress = section.get_by_role("progressbar", name="Sync progress")
    # Some batches are in, not all: the bar moved while the sync was still running.
    page.wait_for_function(
        """() => { const bar = document.querySelector('.zoom-staff progress');
                   return bar && bar.hasAttribute('value') && bar.max > 1
                          && bar.value > 0 && bar.value < bar.max; }""", timeout=30_000)
    assert button.is_disabled()
    assert "Syncing:" in status.inner_text()
    assert progress.get_attribute("aria-valuetext").endswith(f"of {LEARNERS} changes")
    page.screenshot(path=str(SCREENSHOTS / "staff-sync-now-progress.png"), full_page=True)

    page.wait_for_function(
        "() => document.querySelector('.zoom-staff').getAttribute('data-sync') === 'ok'",
        timeout=60_000)
    text = status.inner_text()
    assert text.startswith("Sync finished: Done.") and f"{LEARNERS} added" in text
    assert progress.get_attribute("aria-valuenow") == str(LEARNERS)
    assert progress.get_attribute("aria-valuemax") == str(LEARNERS)
    assert button.is_enabled()
    registered = section.locator('.zoom-staff-count[data-state="registered"] dd')
    assert registered.inner_text() == str(LEARNERS)
    page.wait_for_function("() => document.querySelector('.zoom-staff-page-status')"
                           ".textContent.includes('Page 1 of 6 (150 registrants)')")
    page.screenshot(path=str(SCREENSHOTS / "staff-sync-now-done.png"), full_page=True)

    run = SyncRun.objects.filter(session=session).latest("id")
    assert (run.trigger, run.full, run.outcome, run.done, run.total) == (
        "staff", True, "ok", LEARNERS, LEARNERS)
    assert Registration.objects.filter(session=session, state="registered").count() == LEARNERS


def test_the_report_searches_sorts_and_pages_in_the_browser(staff_page):
    from zoom_xblock.learners import sync

    page, session = staff_page
    requests_off = {"latency_ms": 0}
    from django.conf import settings

    requests.post(settings.ZOOM_XBLOCK["OAUTH_URL"].replace("/oauth/token", "/_sandbox/faults"),
                  json=requests_off, timeout=5)
    sync.sync_session(session.id, "test")
    page.goto(f"/scenario/{SCENARIO}/")
    section = page.get_by_role("region", name="Staff view")
    pages = section.locator(".zoom-staff-page-status")
    assert "Page 1 of 6 (150 registrants)" in pages.inner_text()
    section.get_by_role("button", name="Next page").click()
    page.wait_for_function("() => document.querySelector('.zoom-staff-page-status')"
                           ".textContent.startsWith('Page 2 of 6')")
    section.get_by_role("searchbox", name="Search by name or e-mail").fill("e2e14")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('.zoom-staff-page-status')"
                           ".textContent.includes('(11 registrants)')")
    header = section.locator('th[data-sort="email"]')
    header.get_by_role("button").click()
    page.wait_for_function("() => document.querySelector('th[data-sort=\"email\"]')"
                           ".getAttribute('aria-sort') === 'ascending'")
    header.get_by_role("button").click()
    page.wait_for_function("() => document.querySelector('th[data-sort=\"email\"]')"
                           ".getAttribute('aria-sort') === 'descending'")
    first = section.locator(".zoom-staff-report tbody tr").first.locator("td").nth(1)
    assert first.inner_text() == "e2e14@example.com"  # "@" sorts after the digits
    page.screenshot(path=str(SCREENSHOTS / "staff-report-search.png"), full_page=True)
