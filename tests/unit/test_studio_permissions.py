"""Who may edit a session: Studio's write permission for the course, nothing else (issue 11,
point 2).

Studio's preview (``cms/djangoapps/contentstore/views/preview.py``) gives every logged-in user a
runtime in author mode; the workbench's ``StudioPreviewRuntime`` does the same, with a
``studio_user_permissions`` service answering from the course's roles.
"""
import pytest

from tests.learning import schedule
from tests.standin.models import CourseRole
from tests.unit.test_studio import VALID, submit
from tests.utils import COURSE, as_user, call_handler, enroll, make_block, make_user, render
from zoom_xblock import platform
from zoom_xblock.models import ZoomSession

pytestmark = pytest.mark.django_db


def studio_block(user=None, **fields):
    """A block in Studio's preview, where authors edit it."""
    return make_block(user, studio=True, **fields)


@pytest.fixture
def staff():
    return make_user("teacher", course_role="staff")


OTHER_COURSE = "course-v1:Other+Course+2026"


def _people():
    """Everyone who can reach Studio's preview handler (it only asks for a login)."""
    outsider = make_user("mallory")
    learner = make_user("ada")
    enroll(learner)
    other_staff = make_user("otherprof")
    CourseRole.objects.create(user=other_staff, course_key=OTHER_COURSE, role="staff")
    return {"outsider": outsider, "learner": learner, "staff of another course": other_staff,
            "anonymous": None}


@pytest.mark.parametrize("handler", ["studio_submit", "retry_zoom"])
def test_only_the_courses_authors_may_write_even_in_studios_author_mode(staff, handler):
    block = studio_block(staff, title="Kept")
    for persona, person in _people().items():
        seen = as_user(block, person, studio=True)
        assert seen.runtime.is_author_mode  # Studio sets it for anyone logged in
        status, body = call_handler(seen, handler, {**VALID, "title": "Changed",
                                                     "alternative_hosts": "me@evil.example"})
        assert status == 403, persona
        assert "Only the course's staff" in body["error"]
    assert not ZoomSession.objects.exists()
    assert as_user(block, staff, studio=True).title == "Kept"


@pytest.mark.parametrize("role", ["staff", "instructor"])
def test_the_courses_staff_and_instructors_may_edit(role):
    assert submit(studio_block(make_user("author", course_role=role)))[0] == 200


def test_global_staff_may_edit():
    assert submit(studio_block(make_user("admin", staff=True)))[0] == 200


@pytest.mark.parametrize("handler", ["studio_submit", "retry_zoom"])
def test_nothing_is_edited_in_the_lms_not_even_by_course_staff(staff, handler):
    status, _body = call_handler(make_block(staff), handler, VALID)
    assert status == 403
    assert not ZoomSession.objects.exists()


class _Permissions:
    """A studio_user_permissions service with both of Studio's answers."""

    def __init__(self, edit_content, write):
        self.edit_content, self.write, self.asked = edit_content, write, []

    def can_edit_content(self, course_key):
        self.asked.append(("can_edit_content", str(course_key)))
        return self.edit_content

    def can_write(self, course_key):
        self.asked.append(("can_write", str(course_key)))
        return self.write


def test_can_edit_content_is_asked_before_the_deprecated_can_write(staff):
    block = studio_block(staff)
    permissions = _Permissions(edit_content=False, write=True)
    block.runtime._services["studio_user_permissions"] = permissions  # pylint: disable=protected-access
    assert submit(block)[0] == 403
    assert permissions.asked == [("can_edit_content", COURSE)]


def test_the_author_view_offers_retry_only_to_authors(staff):
    block = studio_block(staff)
    assert submit(block)[0] == 200
    ZoomSession.objects.update(status=ZoomSession.Status.FAILED, last_error="Zoom refused")
    assert "zoom-retry" in render(block, "author_view")
    assert "zoom-retry" not in render(as_user(block, make_user("mallory"), studio=True),
                                      "author_view")


def test_an_outsiders_edit_never_leads_to_the_host_start_link(client, zoom_sandbox):
    author = make_user("author", course_role="staff")
    block = studio_block(author)
    session = schedule(platform.usage_key_for(block))
    mallory = make_user("mallory", email="mallory@example.com")
    enroll(mallory)

    status, _body = call_handler(as_user(block, mallory, studio=True), "studio_submit",
                                 {**VALID, "alternative_hosts": "mallory@example.com"})

    assert status == 403
    session.refresh_from_db()
    assert "mallory@example.com" not in session.alternative_hosts
    client.force_login(mallory)
    response = client.get(f"/zoom/join/{session.usage_key}")
    assert "zak=" not in response.get("Location", "")
    assert "zak=" not in response.content.decode()


def test_studios_preview_handler_asks_only_for_a_login_and_the_block_refuses(client, staff):
    block = studio_block(staff)
    url = block.runtime.handler_url(block, "studio_submit")
    assert url.startswith("/preview/handler/")

    anonymous = client.post(url, data=VALID, content_type="application/json")
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]

    client.force_login(make_user("mallory"))
    outsider = client.post(url, data=VALID, content_type="application/json")
    assert outsider.status_code == 403

    client.force_login(staff)
    assert client.post(url, data=VALID, content_type="application/json").status_code == 200
    assert ZoomSession.objects.filter(usage_key=platform.usage_key_for(block)).exists()


def test_every_handler_but_the_learners_refuses_outsiders_in_studios_preview(client, staff):
    from tests.unit.test_access_walk import LEARNER_HANDLERS, handler_names

    block = studio_block(staff)
    assert submit(block)[0] == 200
    people = [person for person in _people().values() if person is not None]
    for handler in sorted(set(handler_names()) - LEARNER_HANDLERS):
        url = block.runtime.handler_url(block, handler)
        for person in people:
            client.force_login(person)
            response = client.post(url, data={}, content_type="application/json")
            assert response.status_code in (401, 403), (handler, person.username)
