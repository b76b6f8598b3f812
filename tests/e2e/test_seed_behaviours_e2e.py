"""In Chromium, against the live workbench and the local Zoom: a learner subscribes to the
course's calendar feed and resets it; the Studio editor says who the organizer is and why,
which drift policy applies, and warns when learners would get Zoom's e-mails and the course's.
axe-core checks each page."""
import pytest

from tests.e2e.conftest import check_accessibility, login, screenshot
from tests.learning import learners, register_all, schedule
from tests.utils import COURSE, make_user
from zoom_xblock.meeting import directory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@feed"
FEED_PAGE = f"/zoom/feed/course/{COURSE}"


def test_a_learner_subscribes_to_the_feed_and_resets_it(workbench, new_context):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    register_all(session)
    page = new_context().new_page()
    login(page, workbench.url, "ada", FEED_PAGE.replace("+", "%2B"))  # a query: + is a space
    address = page.get_by_label("Feed address")
    address.wait_for()
    check_accessibility(page, "calendar feed page")
    screenshot(page, "seed-01-feed-page")
    old = address.input_value()
    assert old.endswith(".ics")
    feed = page.request.get(old)
    assert feed.status == 200 and "BEGIN:VEVENT" in feed.text()
    page.get_by_role("button", name="Reset the link").click()
    page.get_by_role("status").filter(has_text="previous one no longer works").wait_for()
    new = page.get_by_label("Feed address").input_value()
    assert new != old
    assert page.request.get(old).status == 404
    assert page.request.get(new).status == 200


def test_the_editor_says_who_organizes_and_warns_about_double_emails(workbench, new_context):
    make_user("alex", email="host@example.com", course_role="instructor", first_name="Alex",
              last_name="Author")
    make_user("sam", email="sam@example.com", course_role="staff")
    directory.refresh(["host@example.com", "sam@example.com"])
    page = new_context().new_page()
    login(page, workbench.url, "sam", "/scenario/zoom.5/studio_view/")  # no organizer yet
    form = page.locator(".zoom-studio-form")
    form.wait_for()
    assert page.get_by_label("Organizer's e-mail").input_value() == "host@example.com"
    assert "an instructor of this course" in form.inner_text()
    assert "Applies now:" in form.inner_text()
    warning = page.locator(".zoom-double-emails")
    assert warning.is_hidden()
    page.get_by_label("Zoom sends its own e-mails to registrants").check()
    warning.wait_for(state="visible")
    check_accessibility(page, "studio editor with both kinds of e-mails")
    screenshot(page, "seed-02-editor-double-emails")
    for name in ("Registration confirmed", "Moved off the waitlist", "rescheduled",
                 "cancelled", "Reminder before the start"):
        page.get_by_label(name, exact=False).uncheck()
    warning.wait_for(state="hidden")
