"""What the Zoom account allows, as both seeds do it: webinars only with a Webinar plan (the
editor says why, and never calls Zoom to render), the organizer defaulting to a licensed
person (Eurekos: the responsible course administrator), and the course's instructors shown
to staff as the webinar's panelists."""
from datetime import UTC, datetime

import pytest
import requests

from tests.learning import BLOCK_FIELDS, reset_calls, sandbox_calls
from tests.utils import call_handler, make_block, make_user, render
from zoom_xblock import directory, lifecycle, platform, sessions
from zoom_xblock.models import ZoomSession
from zoom_xblock.wording import stored_text
from zoom_xblock.zoom_api import get_client

pytestmark = pytest.mark.django_db

NO_PLAN = "no Zoom Webinar plan"


def without_webinar_plan(sandbox):
    requests.post(f"{sandbox.url}/_sandbox/account", json={"webinar_plan": False},
                  timeout=5).raise_for_status()


def test_the_client_reads_the_webinar_plan_from_the_plan_usage(zoom_sandbox):
    assert get_client().webinar_plan("me") is True
    without_webinar_plan(zoom_sandbox)
    assert get_client().webinar_plan("sandbox-account") is False


def test_without_a_webinar_plan_authors_are_offered_meetings_only(zoom_sandbox):
    without_webinar_plan(zoom_sandbox)
    directory.refresh([])
    author = make_user("author", course_role="instructor")
    block = make_block(author, studio=True, **BLOCK_FIELDS)
    html = render(block, "studio_view")
    assert 'value="webinar"' not in html
    assert NO_PLAN in html
    status, body = call_handler(block, "studio_submit", {"kind": "webinar"})
    assert status == 400 and NO_PLAN in body["errors"]["kind"]
    assert not ZoomSession.objects.exists()


def test_with_a_webinar_plan_webinars_are_offered(zoom_sandbox):
    directory.refresh([])
    html = render(make_block(make_user("author", course_role="instructor"), **BLOCK_FIELDS),
                  "studio_view")
    assert 'value="webinar"' in html and NO_PLAN not in html


def test_rendering_the_editor_never_calls_zoom(zoom_sandbox):
    author = make_user("author", email="host@example.com", course_role="instructor")
    directory.refresh([author.email])  # what the worker task does
    block = make_block(author)
    reset_calls(zoom_sandbox)
    for _ in range(3):
        render(block, "studio_view")
    assert sandbox_calls(zoom_sandbox) == {}


def test_the_sandbox_refuses_webinars_without_the_plan(zoom_sandbox):
    without_webinar_plan(zoom_sandbox)
    session = sessions.save_desired("block-v1:Demo+Zoom+2026+type@zoom+block@w", platform
                                    .course_key_for(make_block()), {
        "kind": "webinar", "title": "Lecture", "start": datetime(2030, 1, 1, tzinfo=UTC),
        "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com"})
    lifecycle.apply_session(session.id)
    session.refresh_from_db()
    assert session.status == ZoomSession.Status.FAILED
    assert "Webinar licence" in stored_text(session.last_error)  # worded when shown


# --- The organizer's default ------------------------------------------------------------------

def organizer_field(html: str) -> str:
    import re

    return re.search(r'name="host_email" value="([^"]*)"', html)[1]


def test_a_licensed_author_is_the_default_organizer(zoom_sandbox):
    author = make_user("author", email="host@example.com", course_role="instructor")
    directory.refresh([author.email])
    html = render(make_block(author), "studio_view")
    assert organizer_field(html) == "host@example.com"
    assert "Proposed: you (host@example.com), a licensed user" in html


def test_an_author_without_a_licence_gets_the_courses_licensed_instructor(zoom_sandbox):
    make_user("alex", email="host@example.com", course_role="instructor",
              first_name="Alex", last_name="Author")
    staff = make_user("sam", email="sam@example.com", course_role="staff")
    directory.refresh(["sam@example.com", "host@example.com"])
    html = render(make_block(staff), "studio_view")
    assert organizer_field(html) == "host@example.com"
    assert "Alex Author (host@example.com), an instructor of this course" in html
    assert "not a user of your organization" in html  # why not the author


def test_a_basic_user_author_is_told_why(zoom_sandbox):
    staff = make_user("basil", email="basic@example.com", course_role="staff")
    directory.refresh([staff.email])
    html = render(make_block(staff), "studio_view")
    assert organizer_field(html) == "basic@example.com"
    assert "Basic (free) Zoom user" in html
    assert "enter the e-mail of one who is" in html


def test_the_editor_asks_a_worker_about_people_it_does_not_know(
        zoom_sandbox, monkeypatch, django_capture_on_commit_callbacks):
    from zoom_xblock import intents

    asked = []
    monkeypatch.setattr(intents, "queue_directory_refresh",
                        lambda emails, account: asked.append(emails))
    staff = make_user("sam", email="sam@example.com", course_role="staff")
    reset_calls(zoom_sandbox)
    with django_capture_on_commit_callbacks(execute=True):
        html = render(make_block(staff), "studio_view")
    assert "Zoom is being asked whether you are a licensed user" in html
    assert any("sam@example.com" in emails for emails in asked)  # queued for a worker
    assert sandbox_calls(zoom_sandbox) == {}  # not asked on the request


def test_an_organizer_set_by_the_author_is_kept(zoom_sandbox):
    staff = make_user("sam", email="sam@example.com", course_role="staff")
    html = render(make_block(staff, host_email="host2@example.com"), "studio_view")
    assert organizer_field(html) == "host2@example.com"
    assert "Proposed:" not in html


# --- Panelists --------------------------------------------------------------------------------

def test_the_staff_view_lists_the_webinars_panelists(zoom_sandbox):
    make_user("author", email="host@example.com", course_role="instructor")
    make_user("ines", email="ines@example.com", course_role="instructor",
              first_name="Ines", last_name="Instructor")
    staff = make_user("sam", course_role="staff")
    block = make_block(staff, kind="webinar", **BLOCK_FIELDS)
    session = sessions.save_desired(platform.usage_key_for(block), platform.course_key_for(
        block), {"kind": "webinar", "title": "Guest lecture", "start": None,
                 "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com"})
    lifecycle.apply_session(session.id)
    html = render(block)
    assert "Panelists (the course&#x27;s instructors)" in html or "Panelists (the course's" in html
    assert "Ines Instructor &lt;ines@example.com&gt; · added in Zoom" in html
    assert "host@example.com&gt;" not in html.split("Panelists", 1)[1].split("</ul>", 1)[0]
    state = requests.get(f"{zoom_sandbox.url}/_sandbox/state", timeout=5).json()
    (webinar,) = state["webinars"]
    assert [p["email"] for p in webinar["panelists"]] == ["ines@example.com"]
