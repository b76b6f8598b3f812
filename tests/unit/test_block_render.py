"""The block renders in every configuration; without credentials it explains, never crashes."""
import pytest

from tests.utils import SANDBOX_CREDENTIALS, as_user, enroll, make_block, make_user, render

pytestmark = pytest.mark.django_db

FIELDS = {"title": "Office hours", "start_local": "2030-01-15T15:00", "timezone": "Europe/Paris",
          "host_email": "host@example.com", "duration_minutes": 45, "agenda": "Bring questions"}


def test_staff_see_what_is_missing_when_zoom_is_not_configured():
    staff = make_user("teacher", course_role="staff")
    html = render(make_block(staff, **FIELDS))
    assert "Zoom is not configured" in html
    assert "ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET" in html


def test_learner_sees_details_without_join_when_not_configured():
    learner = make_user("ada")
    enroll(learner)
    html = render(make_block(learner, **FIELDS))
    assert "Office hours" in html
    assert "Bring questions" in html
    assert 'datetime="2030-01-15T14:00:00+00:00"' in html  # 15:00 Paris is 14:00 UTC in winter
    assert "Zoom is not configured" not in html
    assert "/zoom/join/" not in html and "zoom-button" not in html  # no Join button


def test_anonymous_visitor_gets_a_page_not_an_error():
    html = render(make_block(None, **FIELDS))
    assert "Office hours" in html


def test_secrets_never_reach_the_page(settings):
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "SYNC_DEBOUNCE_SECONDS": 0}
    staff = make_user("teacher", course_role="staff")
    block = make_block(staff, **FIELDS)
    for viewer in (staff, make_user("ada"), None):
        html = render(as_user(block, viewer)) + render(as_user(block, viewer), "author_view")
        assert SANDBOX_CREDENTIALS["CLIENT_SECRET"] not in html
        assert SANDBOX_CREDENTIALS["WEBHOOK_SECRET_TOKEN"] not in html
        assert "Zoom is not configured" not in html


def test_a_block_without_a_date_says_so():
    html = render(make_block(make_user("ada"), title="TBD"))
    assert "have not been set yet" in html
