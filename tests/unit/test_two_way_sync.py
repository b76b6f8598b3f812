"""Two-way sync of the schedule (iSpring): under the "adopt" drift policy, a date, time,
duration, time zone or title changed in Zoom becomes the course's (the session, the block's
fields through the platform door), staff are told, and the description is never adopted. The
policy is the site's unless the block chooses its own, and the Studio editor says which one
applies."""
import sys
import types
from datetime import UTC, datetime
from html import escape

import pytest
import requests
from django.core import mail

from tests.learning import BLOCK_FIELDS, learners, register_all, schedule
from tests.utils import SANDBOX_CREDENTIALS, as_user, make_block, make_user, render
from tests.zoom_people import ZoomRoom, capture_webhooks, deliver
from zoom_xblock import platform, policies
from zoom_xblock.learners import emails
from zoom_xblock.models import SessionAlert
from zoom_xblock.platform.openedx import OpenEdxPlatform
from zoom_xblock.wording import stored_text

pytestmark = pytest.mark.django_db

SECRET = SANDBOX_CREDENTIALS["WEBHOOK_SECRET_TOKEN"]
START = datetime(2030, 1, 15, 14, tzinfo=UTC)  # BLOCK_FIELDS: 15:00 in Paris


class Course:
    """A block with its scheduled meeting, a registered learner and the sandbox's webhooks."""

    def __init__(self, sandbox, outbox, capture, **session):
        self.outbox, self.capture = outbox, capture
        self.author = make_user("author", course_role="instructor")
        self.block = make_block(self.author, **BLOCK_FIELDS)
        with capture(execute=True):
            self.session = schedule(platform.usage_key_for(self.block), start=START,
                                    **session)
        (self.ada,) = learners("ada")
        register_all(self.session)
        emails.dispatch(self.session.id)  # "registered", as the sync task does
        self.room = ZoomRoom(sandbox.url, self.session.zoom_id)
        self.sandbox = sandbox
        self.deliver()

    def deliver(self):
        pending, self.outbox[:] = list(self.outbox), []
        for payload in pending:
            assert deliver(payload, SECRET, self.capture).status_code == 200
        return [payload["event"] for payload in pending]

    def in_zoom(self) -> dict:
        state = requests.get(f"{self.sandbox.url}/_sandbox/state", timeout=5).json()
        return next(m for m in state["meetings"] if m["id"] == self.session.zoom_id)

    def refresh(self):
        self.session.refresh_from_db()
        return self.session


@pytest.fixture
def course(zoom_sandbox, monkeypatch, django_capture_on_commit_callbacks):
    outbox = capture_webhooks(zoom_sandbox, monkeypatch)
    return lambda **session: Course(zoom_sandbox, outbox, django_capture_on_commit_callbacks,
                                    **session)


def move_in_zoom(course):
    course.room.edit_in_zoom(operator="eve@example.com", topic="Office hours (moved)",
                             start_time="2030-01-16T14:30:00Z", duration=90,
                             timezone="America/New_York", agenda="Written in Zoom")
    course.deliver()


def test_zoom_side_schedule_and_title_are_adopted_into_the_course(course, settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "DRIFT_POLICY": "adopt"}
    c = course()
    mail.outbox.clear()
    move_in_zoom(c)

    session = c.refresh()
    assert (session.title, session.start, session.duration_minutes, session.timezone) == (
        "Office hours (moved)", datetime(2030, 1, 16, 14, 30, tzinfo=UTC), 90,
        "America/New_York")
    assert session.agenda == "Bring questions"  # the description is never adopted
    # The block's own fields, through the platform door (the workbench's field storage).
    block = as_user(c.block, c.ada)
    assert (block.title, block.start_local, block.timezone, block.duration_minutes) == (
        "Office hours (moved)", "2030-01-16T09:30", "America/New_York", 90)
    assert "Office hours (moved)" in render(block)
    # Zoom keeps its values: nothing is put back, and no PATCH echoes back as drift.
    meeting = c.in_zoom()
    assert (meeting["topic"], meeting["duration"], meeting["agenda"]) == (
        "Office hours (moved)", 90, "Written in Zoom")
    assert c.outbox == []
    (alert,) = SessionAlert.objects.filter(session=session, kind="drift")
    assert alert.details["policy"] == "adopt" and alert.details["restored"] is False
    assert set(alert.details["adopted"]) == {"title", "start", "duration_minutes", "timezone"}
    worded = stored_text(alert.message)
    assert "adopted" in worded and "eve@example.com" in worded
    assert "description" in worded  # the agenda change was not adopted, and says so
    # The registered learner is told of the new time, once.
    assert [m.to for m in mail.outbox] == [[c.ada.email]]
    assert "New time" in mail.outbox[0].subject


def test_the_same_change_twice_is_adopted_and_mailed_once(course, settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "DRIFT_POLICY": "adopt"}
    c = course()
    mail.outbox.clear()
    move_in_zoom(c)
    version = c.refresh().desired_version
    c.room.edit_in_zoom(operator="eve@example.com", start_time="2030-01-16T14:30:00Z")
    c.deliver()
    assert c.refresh().desired_version == version
    assert SessionAlert.objects.filter(kind="drift").count() == 1
    assert len(mail.outbox) == 1


def test_the_block_can_adopt_while_the_site_restores(course, settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "DRIFT_POLICY": "restore"}
    c = course(drift_policy="adopt")
    move_in_zoom(c)
    assert c.refresh().title == "Office hours (moved)"


def test_the_block_can_restore_while_the_site_adopts(course, settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "DRIFT_POLICY": "adopt"}
    c = course(drift_policy="restore")
    move_in_zoom(c)
    assert c.refresh().title == "Office hours"
    assert c.in_zoom()["topic"] == "Office hours"  # put back in Zoom


def test_a_schedule_change_alone_is_adopted_without_a_word_about_other_changes(course,
                                                                               settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "DRIFT_POLICY": "adopt"}
    c = course()
    c.room.edit_in_zoom(duration=45)
    c.deliver()
    assert c.refresh().duration_minutes == 45
    (alert,) = SessionAlert.objects.filter(kind="drift")
    assert alert.details["adopted"] == ["duration_minutes"]
    assert "were not adopted" not in stored_text(alert.message)


def test_values_the_editor_would_refuse_are_not_adopted(course, settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "DRIFT_POLICY": "adopt"}
    c = course()
    c.room.edit_in_zoom(duration=5000)  # more than the editor's 1440 minutes
    c.deliver()
    assert c.refresh().duration_minutes == 60
    (alert,) = SessionAlert.objects.filter(kind="drift")
    assert alert.details["adopted"] == []
    assert "were not adopted" in stored_text(alert.message)


def test_the_editor_says_which_policy_applies(settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "DRIFT_POLICY": "report"}
    author = make_user("author", course_role="instructor")
    html = render(make_block(author, **BLOCK_FIELDS), "studio_view")
    assert 'name="drift_policy"' in html
    report = escape(policies.drift_policy_label("report"))
    assert f"The platform's setting: {report}" in html
    assert f"Applies now: {report}" in html
    html = render(make_block(author, drift_policy="adopt", **BLOCK_FIELDS), "studio_view")
    assert f"Applies now: {escape(policies.drift_policy_label('adopt'))}" in html


def test_an_unknown_policy_is_refused_by_the_editor():
    from tests.utils import call_handler

    author = make_user("author", course_role="instructor")
    block = make_block(author, studio=True, **BLOCK_FIELDS)
    status, body = call_handler(block, "studio_submit", {"drift_policy": "overwrite"})
    assert status == 400 and "drift_policy" in body["errors"]


# --- Open edX: a modulestore update plus publish ----------------------------------------------

class FakeStore:
    """Just enough of xmodule's mixed modulestore to see what the plugin calls."""

    def __init__(self, block, *, published=True, changes=False):
        self.block, self.published, self.changes, self.calls = block, published, changes, []

    def branch_setting(self, branch, course_key):
        store = self

        class Branch:
            def __enter__(self):
                store.calls.append(("branch", branch))

            def __exit__(self, *args):
                return False

        return Branch()

    def get_item(self, key):
        return self.block

    def has_published_version(self, block):
        return self.published

    def has_changes(self, block):
        return self.changes

    def update_item(self, block, user_id):
        self.calls.append(("update_item", dict(vars(block)), user_id))

    def publish(self, key, user_id):
        self.calls.append(("publish", str(key), user_id))


def fake_modulestore(monkeypatch, store):
    class ItemNotFoundError(Exception):
        pass

    enum = types.SimpleNamespace(UserID=types.SimpleNamespace(mgmt_command=-1),
                                 Branch=types.SimpleNamespace(draft_preferred="draft-preferred"))
    modules = {
        "xmodule": types.ModuleType("xmodule"),
        "xmodule.modulestore": types.SimpleNamespace(ModuleStoreEnum=enum),
        "xmodule.modulestore.django": types.SimpleNamespace(modulestore=lambda: store),
        "xmodule.modulestore.exceptions": types.SimpleNamespace(
            ItemNotFoundError=ItemNotFoundError),
    }
    for name, module in modules.items():
        monkeypatch.setitem(sys.modules, name, module)


KEY = "block-v1:Demo+Zoom+2026+type@zoom+block@abc"


def test_openedx_adoption_updates_the_draft_then_publishes(monkeypatch):
    store = FakeStore(types.SimpleNamespace())
    fake_modulestore(monkeypatch, store)
    answer = OpenEdxPlatform.update_block_fields(KEY, {"title": "New"})
    assert answer == "published"
    assert store.calls == [("branch", "draft-preferred"), ("update_item", {"title": "New"}, -1),
                           ("publish", KEY, -1)]


def test_openedx_adoption_never_publishes_an_authors_unpublished_draft(monkeypatch):
    store = FakeStore(types.SimpleNamespace(), changes=True)
    fake_modulestore(monkeypatch, store)
    assert OpenEdxPlatform.update_block_fields(KEY, {"title": "New"}) == "draft"
    assert [call[0] for call in store.calls] == ["branch", "update_item"]
