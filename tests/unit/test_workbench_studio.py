"""The workbench demo shows draft vs published: its author view has Studio's Publish and Discard
changes, its learner view renders the published block."""
import json

import pytest
from workbench.scenarios import get_scenarios, init_scenarios

from tests.utils import make_user

pytestmark = pytest.mark.django_db

SCENARIO = "zoom.0"
FORM = {"title": "Moved office hours", "start_date": "2030-03-01", "start_time": "10:00"}


@pytest.fixture
def scenario():
    init_scenarios()  # the scenarios' fields live in the (flushed) test database
    return get_scenarios()[SCENARIO]


def _page(client, view):
    place = "scenario" if view == "student_view" else "preview"  # the LMS, or Studio's preview
    return client.get(f"/{place}/{SCENARIO}/{view}/").content.decode()


def _save(client, scenario, **form):
    response = client.post(f"/preview/handler/{scenario.usage_id}/studio_submit/",
                           data=json.dumps(form), content_type="application/json")
    assert response.status_code == 200, response.content


def test_the_demo_author_view_publishes_and_the_learner_view_follows(
        client, scenario, django_capture_on_commit_callbacks):
    client.force_login(make_user("teacher", course_role="staff"))
    assert "This unit is published." in _page(client, "author_view")
    _save(client, scenario, **FORM)

    author = _page(client, "author_view")
    assert "This unit has unpublished changes." in author
    assert "Draft, not yet published" in author
    assert "Moved office hours" not in _page(client, "student_view")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/scenario/{SCENARIO}/studio/publish/")
    assert response.status_code == 302
    author = _page(client, "author_view")
    assert "This unit is published." in author and "Published:" in author
    assert "Moved office hours" in _page(client, "student_view")


def test_discard_changes_in_the_demo_brings_the_published_block_back(client, scenario):
    client.force_login(make_user("teacher", course_role="staff"))
    _save(client, scenario, **FORM)
    client.post(f"/scenario/{SCENARIO}/studio/discard/")
    assert "Moved office hours" not in _page(client, "studio_view")
    assert "This unit is published." in _page(client, "author_view")


def test_only_course_staff_can_publish_in_the_demo(client, scenario):
    client.force_login(make_user("ada"))
    assert client.post(f"/scenario/{SCENARIO}/studio/publish/").status_code == 403
    assert client.get(f"/scenario/{SCENARIO}/studio/publish/").status_code == 405
