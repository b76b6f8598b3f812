"""The calendar feed (iSpring: sessions on the calendar): one private, revocable URL per
learner and course with all the course's Zoom sessions, so that a new time reaches the
learner's calendar by itself. Tried as the learner, another learner and outsiders."""
import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from icalendar import Calendar

from tests.learning import learners, schedule
from tests.utils import COURSE, make_user, unenroll
from zoom_xblock.learners import calendars
from zoom_xblock.meeting import sessions
from zoom_xblock.models import CalendarFeed

pytestmark = pytest.mark.django_db

PAGE = f"/zoom/feed/course/{COURSE}"
ONE = "block-v1:Demo+Zoom+2026+type@zoom+block@one"
TWO = "block-v1:Demo+Zoom+2026+type@zoom+block@two"


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def feed_path(client) -> str:
    page = client.get(PAGE)
    assert page.status_code == 200
    url = re.search(r'value="(http[^"]+\.ics)"', page.content.decode())[1]
    return url.split("testserver", 1)[1]


def events(response) -> dict:
    calendar = Calendar.from_ical(response.content)
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def course(zoom_sandbox):
    one = schedule(ONE, title="Office hours", start=datetime(2030, 1, 15, 14, tzinfo=UTC))
    two = schedule(TWO, title="Guest lecture", start=datetime(2030, 1, 20, 17, tzinfo=UTC))
    ada, bob = learners("ada", "bob")
    return one, two, ada, bob


def test_a_learner_subscribes_to_all_the_courses_sessions(course):
    one, _two, ada, _bob = course
    client = client_for(ada)
    path = feed_path(client)
    response = Client().get(path)  # a calendar app: no session cookie
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    found = events(response)
    assert set(found) == {"Office hours", "Guest lecture"}
    event = found["Office hours"]
    assert event.decoded("dtstart") == datetime(2030, 1, 15, 14, tzinfo=UTC)
    # The same UID as the single .ics download, so a calendar that has both shows it once.
    assert str(event["uid"]) == calendars.event_uid(one, ada.id, "127.0.0.1")
    assert f"/zoom/join/{ONE}" in str(event["url"])  # the plugin's Join, never Zoom's link
    assert "tk=" not in response.content.decode()


def test_a_new_time_reaches_the_feed_with_a_higher_sequence(course):
    one, _two, ada, _bob = course
    path = feed_path(client_for(ada))
    before = events(Client().get(path))["Office hours"]
    values = {name: getattr(one, name) for name in sessions.DESIRED_FIELDS}
    values["start"] = datetime(2030, 1, 16, 9, tzinfo=UTC)
    sessions.save_desired(ONE, COURSE, values)
    after = events(Client().get(path))["Office hours"]
    assert after.decoded("dtstart") == datetime(2030, 1, 16, 9, tzinfo=UTC)
    assert str(after["uid"]) == str(before["uid"])
    assert int(after["sequence"]) > int(before["sequence"])


def test_resetting_the_link_revokes_the_old_one(course):
    _one, _two, ada, _bob = course
    client = client_for(ada)
    old = feed_path(client)
    response = client.post(f"{PAGE}/reset")
    assert response.status_code == 302 and response["Location"].endswith("?reset=1")
    new = feed_path(client)
    assert new != old
    assert Client().get(old).status_code == 404
    assert Client().get(new).status_code == 200
    assert "previous one no longer works" in client.get(PAGE + "?reset=1").content.decode()
    # A browser sends "Origin: null" with the form under "no-referrer", which CSRF refuses.
    assert client.get(PAGE)["Referrer-Policy"] == "same-origin"
    assert Client().get(new)["Referrer-Policy"] == "no-referrer"


def test_each_learner_has_their_own_link_and_cannot_touch_anothers(course):
    _one, _two, ada, bob = course
    ada_path = feed_path(client_for(ada))
    bob_client = client_for(bob)
    bob_path = feed_path(bob_client)
    assert ada_path != bob_path
    bob_client.post(f"{PAGE}/reset")  # resets bob's own link only
    assert Client().get(ada_path).status_code == 200
    assert Client().get(bob_path).status_code == 404
    attendee = str(events(Client().get(ada_path))["Office hours"]["attendee"])
    assert attendee == f"mailto:{ada.email}"  # ada's events, whoever fetches ada's link


def test_outsiders_get_nothing(course):
    _one, _two, ada, _bob = course
    anonymous = Client()
    assert anonymous.get(PAGE).status_code == 302  # to the sign-in page
    assert anonymous.post(f"{PAGE}/reset").status_code == 302
    assert anonymous.get("/zoom/feed/guess.ics").status_code == 404
    assert anonymous.get("/zoom/feed/" + "A" * 80 + ".ics").status_code == 404
    outsider = client_for(make_user("eve"))
    assert outsider.get(PAGE).status_code == 403
    assert outsider.post(f"{PAGE}/reset").status_code == 403
    assert not CalendarFeed.objects.exists()  # nobody got a feed by asking


def test_the_feed_stops_when_the_learner_leaves_the_course(course):
    _one, _two, ada, _bob = course
    path = feed_path(client_for(ada))
    unenroll(ada)
    assert Client().get(path).status_code == 404


def test_the_reset_form_needs_the_csrf_token(course):
    _one, _two, ada, _bob = course
    client = Client(enforce_csrf_checks=True)
    client.force_login(ada)
    old = feed_path(client)
    assert client.post(f"{PAGE}/reset").status_code == 403
    assert Client().get(old).status_code == 200


def test_the_learner_view_links_to_the_feed_page(course):
    from tests.learning import BLOCK_FIELDS
    from tests.utils import make_block, render

    _one, _two, ada, _bob = course
    block = make_block(ada, **BLOCK_FIELDS)
    schedule(str(block.scope_ids.usage_id))
    assert f'href="{PAGE}"' in render(block)
