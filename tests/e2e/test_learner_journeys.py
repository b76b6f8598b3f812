"""In Chromium, against the live workbench and the local Zoom: an author creates a session in the
Studio editor; learners see it in their own time zone, click Join (a new tab) and land in the
sandbox's meeting as themselves; See requirements until a prerequisite is met; a full session and
its waitlist; the Spanish rendering. axe-core checks every state; each is screenshotted."""
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tests.e2e.conftest import check_accessibility, login, scenario_usage_key, screenshot
from tests.learning import learners, prerequisite, register_all, registration, schedule, set_score
from tests.utils import enroll, make_user
from zoom_xblock.models import Registration, ZoomSession

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCENARIO = "zoom.0"
VIEW = f"/scenario/{SCENARIO}/student_view/"


def open_block(new_context, base_url, username, **context_options):
    page = new_context(**context_options).new_page()
    login(page, base_url, username, VIEW)
    page.wait_for_selector(".zoom-xblock .zoom-state")
    return page


def join_in_new_tab(page):
    """Click Join (or Start); return the page that opens in the new tab."""
    join = page.get_by_role("link", name=re.compile(r"^(Join|Unirse|Start the meeting)"))
    assert join.get_attribute("target") == "_blank"
    assert join.get_attribute("rel") == "noopener"
    with page.context.expect_page() as opened:
        join.click()
    popup = opened.value
    popup.wait_for_load_state()
    confirm = popup.locator(".zoom-join-confirm")
    if confirm.count():  # not registered yet: Join's page asks, and only its POST registers
        with popup.expect_navigation():
            confirm.click()
        popup.wait_for_load_state()
    return popup


def test_an_author_creates_the_session_in_the_studio_editor(workbench, new_context):
    make_user("author", email="author@example.com", course_role="instructor")
    page = new_context(timezone_id="Europe/Paris").new_page()
    login(page, workbench.url, "author", f"/preview/{SCENARIO}/studio_view/")
    form = page.locator(".zoom-studio-form")
    form.wait_for()
    check_accessibility(page, "studio editor")
    start = (datetime.now(ZoneInfo("Europe/Paris")) + timedelta(days=3)).replace(
        hour=15, minute=0, second=0, microsecond=0)
    page.get_by_label("Title in Zoom").fill("Week 2 office hours")
    page.get_by_label("Start date").fill(start.strftime("%Y-%m-%d"))
    page.get_by_label("Start time").fill("15:00")
    page.get_by_label("Time zone").select_option("Europe/Paris")
    page.get_by_label("Organizer's e-mail").fill("host@example.com")
    page.get_by_label("Capacity").fill("25")
    page.get_by_role("button", name="Save").click()
    page.locator(".zoom-studio-status").filter(has_text="Saved").wait_for()
    screenshot(page, "01-studio-editor-saved")  # (a full-page capture before the click eats it)
    session = ZoomSession.objects.get(usage_key=scenario_usage_key(SCENARIO))
    assert session.zoom_id is None  # a Studio save is a draft: nothing in Zoom before Publish
    assert session.draft["title"] == "Week 2 office hours"
    page.goto(f"{workbench.url}/preview/{SCENARIO}/author_view/")
    pending = page.locator(".zoom-author-publication")
    assert "Draft, not yet published" in pending.inner_text()
    check_accessibility(page, "author view, draft")
    screenshot(page, "02a-author-view-draft")
    page.get_by_role("button", name="Publish").click()
    page.locator(".zoom-author-publication").filter(has_text="Published:").wait_for()
    session.refresh_from_db()
    assert session.status == ZoomSession.Status.SCHEDULED and session.zoom_id
    assert session.title == "Week 2 office hours" and session.capacity == 25
    assert session.start == start.astimezone(ZoneInfo("UTC"))
    assert f"{session.zoom_id}" in page.locator(".zoom-author-status").inner_text()
    check_accessibility(page, "author view")
    screenshot(page, "02-author-view")


def test_a_learner_sees_the_session_in_their_time_zone_and_joins_as_themselves(
        workbench, new_context):
    start = timezone.now().replace(second=0, microsecond=0) + timedelta(minutes=10)
    session = schedule(scenario_usage_key(SCENARIO), start=start)
    ada = make_user("ada", first_name="Ada", last_name="Lovelace")
    enroll(ada)
    register_all(session)
    page = open_block(new_context, workbench.url, "ada", timezone_id="America/New_York",
                      locale="en-US")
    when = page.locator(".zoom-when time").inner_text()
    local = start.astimezone(ZoneInfo("America/New_York"))
    assert "(America/New_York)" in when
    assert local.strftime("%-I:%M") in when, when
    assert page.locator(".zoom-headline").inner_text() == "Join is open"
    organizer = page.get_by_role("link", name="Contact the organizer")
    assert organizer.get_attribute("href").startswith("mailto:host@example.com")
    check_accessibility(page, "join open")
    screenshot(page, "03-join-open-new-york")
    page.keyboard.press("Tab")  # keyboard: Join is reachable and focusable
    join = page.get_by_role("link", name=re.compile("^Join"))
    join.focus()
    assert page.evaluate("document.activeElement.classList.contains('zoom-join')")
    popup = join_in_new_tab(page)
    joined = popup.locator("#joined")
    joined.wait_for()
    assert "Ada Lovelace (ada@example.com) joined" in joined.inner_text()
    assert popup.url == registration(session, ada).join_url
    screenshot(popup, "04-joined-in-zoom-sandbox")


def test_the_lms_time_zone_preference_comes_before_the_browsers(workbench, new_context):
    from tests.standin.models import UserPreference

    start = timezone.now().replace(second=0, microsecond=0) + timedelta(days=3)
    schedule(scenario_usage_key(SCENARIO), start=start)
    kim = make_user("kim")
    enroll(kim)
    UserPreference.objects.create(user=kim, key="time_zone", value="Asia/Tokyo")
    page = open_block(new_context, workbench.url, "kim", timezone_id="America/New_York",
                      locale="en-US")
    when = page.locator(".zoom-when time").inner_text()
    assert "(Asia/Tokyo)" in when, when
    assert start.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%-I:%M") in when, when


def test_see_requirements_then_join_once_the_prerequisite_is_met(workbench, new_context):
    session = schedule(scenario_usage_key(SCENARIO), prerequisite=prerequisite(60))
    (bea,) = learners("bea")
    set_score(bea, 20)
    register_all(session)
    page = open_block(new_context, workbench.url, "bea", timezone_id="Europe/Paris")
    assert page.get_by_role("link", name=re.compile("^Join")).count() == 0
    summary = page.locator("summary", has_text="See requirements")
    summary.focus()
    page.keyboard.press("Enter")  # the disclosure opens from the keyboard
    requirement = page.get_by_role("link", name="Week 1")
    requirement.wait_for()
    assert "/demo/subsection/" in requirement.get_attribute("href")
    assert "Score at least 60% (now 20%)." in page.locator(".zoom-requirements").inner_text()
    check_accessibility(page, "see requirements")
    screenshot(page, "05-see-requirements")
    set_score(bea, 85)
    page.reload()
    page.wait_for_selector(".zoom-join")
    check_accessibility(page, "prerequisite met")
    popup = join_in_new_tab(page)  # registered just in time
    popup.locator("#joined").wait_for()
    assert "bea@example.com" in popup.locator("#joined").inner_text()
    assert registration(session, bea).state == Registration.State.REGISTERED
    screenshot(popup, "06-joined-after-requirements")


def test_a_full_session_and_its_waitlist(workbench, new_context):
    session = schedule(scenario_usage_key(SCENARIO), capacity=1)
    learners("cleo", "dan")
    register_all(session)
    page = open_block(new_context, workbench.url, "dan", timezone_id="Europe/Paris")
    text = page.locator(".zoom-state").inner_text()
    assert "This session is full." in text and "You are number 1 on the waitlist." in text
    assert "registered automatically when a place frees up" in text
    check_accessibility(page, "waitlisted")
    screenshot(page, "07-waitlisted")
    fay = make_user("fay")
    enroll(fay)  # the enrollment's sync puts her on the waitlist at once
    page = open_block(new_context, workbench.url, "fay", timezone_id="Europe/Paris")
    assert "You are number 2 on the waitlist." in page.locator(".zoom-state").inner_text()
    page.goto(f"{workbench.url}/zoom/join/{session.usage_key}")  # Join from elsewhere
    assert "You are number 2 on the waitlist." in page.locator("main").inner_text()
    check_accessibility(page, "waitlist join page")
    screenshot(page, "08-waitlist-join-page")
    assert registration(session, fay).state == Registration.State.WAITLISTED


def test_upcoming_ended_and_cancelled_states(workbench, new_context):
    session = schedule(scenario_usage_key(SCENARIO),
                       start=timezone.now() + timedelta(days=2, hours=3))
    (gus,) = learners("gus")
    register_all(session)
    page = open_block(new_context, workbench.url, "gus", timezone_id="Asia/Tokyo")
    assert re.search(r"Starts in 2 days, [23] hours", page.locator(".zoom-countdown").inner_text())
    assert "(Asia/Tokyo)" in page.locator(".zoom-opens").inner_text()
    assert page.get_by_role("link", name=re.compile("Add to calendar")).count() == 1
    check_accessibility(page, "upcoming")
    screenshot(page, "09-upcoming")
    ZoomSession.objects.filter(id=session.id).update(live_status="live")
    page.reload()
    assert page.locator(".zoom-headline").inner_text() == "Live now"
    check_accessibility(page, "live")
    screenshot(page, "10-live")
    Registration.objects.filter(session=session, user_id=gus.id).update(attended_seconds=42 * 60)
    ZoomSession.objects.filter(id=session.id).update(live_status="ended")
    page.reload()
    assert "You attended 42 minutes." in page.locator(".zoom-state").inner_text()
    check_accessibility(page, "ended")
    screenshot(page, "11-ended")
    ZoomSession.objects.filter(id=session.id).update(status="deleted_in_zoom")
    page.reload()
    assert "The meeting was deleted in Zoom." in page.locator(".zoom-state").inner_text()
    check_accessibility(page, "cancelled")
    screenshot(page, "12-cancelled")


def test_the_state_refreshes_itself_and_is_announced(workbench, new_context):
    session = schedule(scenario_usage_key(SCENARIO))
    (hal,) = learners("hal")
    register_all(session)
    page = open_block(new_context, workbench.url, "hal", timezone_id="Europe/Paris")
    ZoomSession.objects.filter(id=session.id).update(live_status="live")
    # The view polls every minute; ask it now through the same code path.
    page.evaluate("""() => {
        const root = document.querySelector('.xblock-v1[data-init="ZoomXBlock"]');
        const init = JSON.parse(root.querySelector('script.xblock_json_init_args').textContent);
        return ZoomXBlock(null, root, init).refresh();
    }""")
    page.locator(".zoom-announcer").filter(has_text="Live now").wait_for()
    assert page.locator(".zoom-headline").inner_text() == "Live now"


def test_the_block_in_spanish(workbench, new_context):
    session = schedule(scenario_usage_key(SCENARIO),
                       start=timezone.now() + timedelta(days=2, hours=3))
    (ines,) = learners("ines")
    register_all(session)
    page = open_block(new_context, workbench.url, "ines", locale="es-ES",
                      timezone_id="America/Mexico_City")
    assert page.evaluate("document.documentElement.lang") == "es"
    state = page.locator(".zoom-state").inner_text()
    assert "Próximamente" in state and "Estás inscrito." in state
    assert re.search(r"Empieza en 2 días, [23] horas", page.locator(".zoom-countdown").inner_text())
    assert "(America/Mexico_City)" in page.locator(".zoom-when time").inner_text()
    assert "Añadir al calendario" in state
    assert page.locator(".zoom-organizer").inner_text().startswith("Organizador:")
    check_accessibility(page, "spanish upcoming")
    screenshot(page, "13-spanish-upcoming")
    ZoomSession.objects.filter(id=session.id).update(start=timezone.now())
    page.reload()
    join = page.get_by_role("link", name=re.compile("^Unirse"))
    assert "(se abre en una pestaña nueva)" in join.inner_text()
    check_accessibility(page, "spanish join open")
    screenshot(page, "14-spanish-join-open")
