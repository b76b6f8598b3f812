"""Every URL of the plugin and every handler of the block, as every kind of person.

Walks the plugin's URL patterns (Join, calendar, webhooks, and whatever is added later) with a
GET (and Join with a POST too, the only way it registers anyone), and every XBlock handler of
``ZoomXBlock`` (found on the class, so new handlers are walked too) with a POST, as: nobody
signed in, a user not enrolled, an enrolled learner who does not meet the prerequisite, a
registered learner, another registered learner, an impostor (an account with the organizer's
e-mail address but no role in the course), the organizer and course staff. Checks the status
each receives, that handlers meant for staff and authors refuse learners, and that no response
(body or header) ever carries a personal Zoom link or a registrant id, except each person's own
link in the ``Location`` of their own Join redirect.
"""
import json

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.learning import (
    block_with_session,
    learners,
    prerequisite,
    register_all,
    set_score,
)
from tests.utils import as_user, make_user, render
from zoom_xblock import ZoomXBlock
from zoom_xblock import urls as plugin_urls
from zoom_xblock.models import Registration

pytestmark = pytest.mark.django_db

LEARNER_PERSONAS = ("anonymous", "unenrolled", "ineligible", "learner", "other", "impostor",
                    "foreign_staff")
# Staff before the organizer: the staff's Join POST must come before anyone saves the editor
# (an author's save with the block's own fields moves the session to its 2030 date).
PERSONAS = (*LEARNER_PERSONAS, "staff", "organizer")
# Handlers a learner may call; every other handler is for course staff and authors.
LEARNER_HANDLERS = {"learner_status"}

# (URL name, persona) -> the status expected; the walk fails on a URL missing here.
EXPECTED = {
    # A GET never registers: staff, not registered yet, get the page with the Join button.
    "join": {"anonymous": 302, "unenrolled": 403, "ineligible": 403, "learner": 302,
             "other": 302, "impostor": 403, "foreign_staff": 403, "organizer": 302, "staff": 200},
    "calendar": {"anonymous": 302, "unenrolled": 403, "ineligible": 200, "learner": 200,
                 "other": 200, "impostor": 403, "foreign_staff": 403, "organizer": 200,
                 "staff": 200},
    # The staff panel's CSV (zoom_xblock/staff/views.py): course staff only.
    "report_csv": {"anonymous": 302, "unenrolled": 403, "ineligible": 403, "learner": 403,
                   "other": 403, "impostor": 403, "foreign_staff": 403, "organizer": 200,
                   "staff": 200},
    # The calendar feed's page (enrolled learners and staff), its reset (POST only), and the
    # feed itself with a token nobody has (tests/unit/test_feeds.py walks real tokens).
    "feed_page": {"anonymous": 302, "unenrolled": 403, "ineligible": 200, "learner": 200,
                  "other": 200, "impostor": 403, "foreign_staff": 403, "organizer": 200,
                  "staff": 200},
    "feed_reset": dict.fromkeys(PERSONAS, 405),
    "feed": dict.fromkeys(PERSONAS, 404),
    "webhook_meeting": dict.fromkeys(PERSONAS, 405),
    "webhook_webinar": dict.fromkeys(PERSONAS, 405),
}


# Join with a POST (the page's button): the same, except that staff are registered and sent on.
POST_JOIN = {**EXPECTED["join"], "staff": 302}


def plugin_routes(usage_key: str, course_key: str = "course-v1:Demo+Zoom+2026"):
    """(name, path) of every URL pattern in zoom_xblock.urls, mounted under /zoom/."""
    routes = []
    values = {"usage_key": usage_key, "course_key": course_key, "token": "not-a-real-token"}

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                converters = set(pattern.pattern.converters)
                assert converters <= set(values), (
                    f"teach the walk the URL arguments of {pattern.name}: {converters}")
                route = prefix + str(pattern.pattern)
                for name in converters:
                    route = route.replace(f"<path:{name}>", values[name]).replace(
                        f"<str:{name}>", values[name])
                routes.append((pattern.name, "/zoom/" + route))

    walk(plugin_urls.urlpatterns, "")
    return routes


def handler_names():
    """Every handler of the block class (including mixins)."""
    return sorted(name for name in dir(ZoomXBlock)
                  if getattr(getattr(ZoomXBlock, name, None), "_is_xblock_handler", False))


@pytest.fixture
def world(zoom_sandbox):
    block, session = block_with_session(prerequisite=prerequisite(60))
    learner, other, ineligible = learners("learner", "other", "ineligible")
    set_score(learner, 90)
    set_score(other, 70)
    set_score(ineligible, 10)
    register_all(session)
    people = {
        "anonymous": None,
        "unenrolled": make_user("unenrolled"),
        "ineligible": ineligible,
        "learner": learner,
        "other": other,
        # The organizer's address on an account without a role in the course: no start link.
        "impostor": make_user("impostor", email="HOST@example.com"),
        # Course staff, of another course: nothing of this one.
        "foreign_staff": _staff_of_another_course(),
        "organizer": make_user("organizer", email="host@example.com", course_role="instructor"),
        "staff": make_user("staff", course_role="staff"),
    }
    return block, session, people


def _staff_of_another_course():
    from tests.standin.models import CourseRole  # pylint: disable=import-outside-toplevel

    user = make_user("foreign_staff")
    CourseRole.objects.create(user=user, course_key="course-v1:Other+Zoom+2026", role="staff")
    return user


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def text_of(response) -> str:
    headers = "\n".join(f"{key}: {value}" for key, value in response.items())
    body = b"".join(response) if response.streaming else response.content
    return headers + "\n" + body.decode("utf-8", "replace")


def test_the_walk_covers_every_route_and_handler():
    names = {name for name, _ in plugin_routes("key")}
    assert {"join", "calendar", "webhook_meeting", "webhook_webinar"} <= names
    assert {"learner_status", "studio_submit", "retry_zoom"} <= set(handler_names())
    # The project serves the plugin's URLs under /zoom/, as the LMS does.
    assert get_resolver().resolve("/zoom/join/key").url_name == "join"


def test_every_url_and_handler_as_everyone(world):
    block, session, people = world
    usage_key = session.usage_key
    seen = []  # (persona, what, response text, own link allowed in Location)
    failures = []

    for persona in PERSONAS:
        user = people[persona]
        client = client_for(user)
        for name, path in plugin_routes(usage_key, session.course_key):
            response = client.get(path)
            expected = EXPECTED.get(name, {}).get(persona)
            if expected is None:
                failures.append(f"no expectation for {name} as {persona} (got "
                                f"{response.status_code}): add it to EXPECTED")
            elif response.status_code != expected:
                failures.append(f"{name} as {persona}: {response.status_code} != {expected}")
            if response.status_code >= 500:
                failures.append(f"{name} as {persona}: server error {response.status_code}")
            seen.append((persona, name, response))
        response = client.post(f"/zoom/join/{usage_key}")
        if response.status_code != POST_JOIN[persona]:
            failures.append(f"POST join as {persona}: {response.status_code} != "
                            f"{POST_JOIN[persona]}")
        seen.append((persona, "join", response))
        for handler in handler_names():
            response = client.post(f"/handler/{block.scope_ids.usage_id}/{handler}/",
                                   data=json.dumps({}), content_type="application/json")
            status = response.status_code
            if handler in LEARNER_HANDLERS:
                if status != 200:
                    failures.append(f"handler {handler} as {persona}: {status} != 200")
            elif persona in LEARNER_PERSONAS and status not in (401, 403):
                failures.append(f"handler {handler} as {persona}: {status}, must refuse")
            if status >= 500:
                failures.append(f"handler {handler} as {persona}: server error {status}")
            seen.append((persona, f"handler {handler}", response))
        page = render(as_user(block, user))
        seen.append((persona, "student_view", page))

    rows = list(Registration.objects.filter(session=session).exclude(registrant_id=""))
    assert {r.user_id for r in rows} >= {people[p].id for p in ("learner", "other", "staff")}
    owners = {row.user_id: row for row in rows}
    for persona, what, response in seen:
        text = response if isinstance(response, str) else text_of(response)
        user = people[persona]
        own = owners.get(user.id) if user is not None else None
        for row in rows:
            if row.registrant_id in text:
                failures.append(f"{what} as {persona} shows the registrant id of user "
                                f"{row.user_id}")
            if row.join_url in text:
                allowed = (row is own and what == "join" and not isinstance(response, str)
                           and response.get("Location") == row.join_url
                           and row.join_url not in response.content.decode())
                if not allowed:
                    failures.append(f"{what} as {persona} shows the Zoom link of user "
                                    f"{row.user_id}")
        if "tk=" in text and not (what == "join" and persona in ("learner", "other", "staff")):
            failures.append(f"{what} as {persona} carries a personal Zoom token")
        if "zak=" in text and not (what == "join" and persona == "organizer"):
            failures.append(f"{what} as {persona} carries a start token")
    assert not failures, "\n".join(failures)


def test_join_sends_each_person_to_their_own_link_only(world):
    _block, session, people = world
    path = f"/zoom/join/{session.usage_key}"
    for persona in ("learner", "other"):
        response = client_for(people[persona]).get(path)
        own = Registration.objects.get(session=session, user_id=people[persona].id)
        assert response["Location"] == own.join_url
