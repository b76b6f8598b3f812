"""The LMS/CMS split: tasks go to the LMS queue even from Studio, locks read the platform's
BROKER_URL, zoom_check reports per-process locks, and an unpublished block is "not visible yet"
(the services tier runs real LMS and CMS workers: tests/integration/test_lms_cms_workers.py)."""
import io
import sys
import types
from unittest import mock

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tests.utils import COURSE, SANDBOX_CREDENTIALS, enroll, make_user
from zoom_xblock import intents, locks, platform, tasks, wording
from zoom_xblock.learners import sync
from zoom_xblock.models import Registration, SyncRun, ZoomSession
from zoom_xblock.platform.openedx import OpenEdxPlatform
from zoom_xblock.staff import health

pytestmark = pytest.mark.django_db


def test_every_task_is_queued_on_the_lms_queue_even_from_studio(settings):
    settings.CELERY_TASK_DEFAULT_QUEUE = "edx.cms.core.default"  # as in Studio's process
    with mock.patch.object(tasks.apply_session, "apply_async") as apply_async, \
            mock.patch.object(tasks.remove_deleted, "apply_async") as remove:
        intents.queue_apply(7)
        intents._send("zoom_xblock.tasks.remove_deleted", COURSE, "unit")  # pylint: disable=protected-access
    apply_async.assert_called_once_with(args=(7,), queue="edx.lms.core.default")
    remove.assert_called_once_with(args=(COURSE, "unit"), queue="edx.lms.core.default")


def test_the_queue_is_a_setting(settings):
    settings.ZOOM_XBLOCK = {"CELERY_QUEUE": "edx.lms.core.high"}
    with mock.patch.object(tasks.sync_course, "apply_async") as apply_async:
        intents.nudge_course(COURSE, "enrollment")
    assert apply_async.call_args.kwargs["queue"] == "edx.lms.core.high"


def test_locks_and_the_capacity_guard_use_the_platforms_broker_url(settings):
    # The workbench, like the platform, has no CELERY_BROKER_URL at all.
    assert not hasattr(settings, "CELERY_BROKER_URL")
    settings.BROKER_URL = "redis://redis.example:6379/4"
    assert locks.redis_url() == "redis://redis.example:6379/4"
    settings.BROKER_URL = "amqp://guest@rabbit//"
    assert locks.redis_url() == ""
    settings.ZOOM_XBLOCK = {"REDIS_URL": "redis://cache.example:6379/9"}
    assert locks.redis_url() == "redis://cache.example:6379/9"


def _check_lines() -> list[str]:
    out = io.StringIO()
    try:
        call_command("zoom_check", stdout=out, no_color=True)
    except CommandError:
        pass
    return [line for line in out.getvalue().splitlines() if line.startswith("PROBLEM")]


def test_zoom_check_reports_a_multi_process_deployment_on_per_process_locks(settings, zoom_sandbox):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # web processes and workers apart
    settings.BROKER_URL = "amqp://guest@rabbit//"
    health.record_sweep()
    (line,) = [line for line in _check_lines() if "[local_locks]" in line]
    assert "per process" in line and "REDIS_URL" in line
    assert "local_locks" in [problem.code for problem in health.banner_problems()]

    settings.BROKER_URL = "redis://redis:6379/0"  # Tutor's broker: shared locks, no problem
    assert "local_locks" not in [problem.code for problem in health.settings_problems()]
    settings.BROKER_URL = "amqp://guest@rabbit//"
    settings.CELERY_TASK_ALWAYS_EAGER = True  # one process: per-process locks are enough
    assert not [line for line in _check_lines() if "[local_locks]" in line]


# --- A block saved in Studio but not published ---------------------------------------------------

def _scheduled():
    return ZoomSession.objects.create(usage_key="block-v1:Demo+Zoom+2026+type@zoom+block@new",
                                      course_key=COURSE, title="New", zoom_id=123,
                                      status="scheduled", sync_requested_at=timezone.now())


def test_a_block_the_lms_cannot_load_yet_is_not_visible_yet_not_a_failure(monkeypatch, settings):
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "SYNC_DEBOUNCE_SECONDS": 0}
    session = _scheduled()
    enroll(make_user("ada"))

    def not_published(*args, **kwargs):
        raise platform.NotVisibleYet(session.usage_key)

    monkeypatch.setattr(platform, "can_access_block", not_published)
    with mock.patch.object(intents, "_send") as queued:
        result = sync.sync_session(session.id, "enrollment")

    assert "Not visible to learners yet" in wording.stored_text(SyncRun.objects.get().message)
    assert SyncRun.objects.get().outcome == SyncRun.Outcome.OK and "outcome" in result
    session.refresh_from_db()
    assert session.sync_requested_at is None  # nothing left for the sweep to re-queue forever
    queued.assert_not_called()
    assert not Registration.objects.filter(session=session, state="registered").exists()


def test_a_draft_only_session_registers_nobody():
    session = _scheduled()
    ZoomSession.objects.filter(id=session.id).update(never_published=True)
    enroll(make_user("ada"))
    assert sync.sync_session(session.id) == {"skipped": "not_published"}
    assert not Registration.objects.filter(session=session).exists()
    assert ZoomSession.objects.get(id=session.id).sync_requested_at is None


# --- The real platform's calls, with its modules replaced at the import boundary ----------------

class ItemNotFoundError(Exception):
    """xmodule.modulestore.exceptions.ItemNotFoundError"""


def _fake_modules(monkeypatch, store):
    modules = {
        "xmodule": {}, "xmodule.modulestore": {"ModuleStoreEnum": types.SimpleNamespace(
            Branch=types.SimpleNamespace(published_only="published-only"))},
        "xmodule.modulestore.django": {"modulestore": lambda: store},
        "xmodule.modulestore.exceptions": {"ItemNotFoundError": ItemNotFoundError},
        "lms": {}, "lms.djangoapps": {}, "lms.djangoapps.courseware": {},
        "lms.djangoapps.courseware.access": {"has_access": lambda *args: True},
    }
    for name, attributes in modules.items():
        module = types.ModuleType(name)
        module.__dict__.update(attributes)
        monkeypatch.setitem(sys.modules, name, module)


class FakeBlock:
    """A modulestore block: a location, children, and settings fields."""

    def __init__(self, key, children=(), fields=None):
        from opaque_keys.edx.keys import UsageKey

        self.location = UsageKey.from_string(key)
        self._children = list(children)
        self.has_children = bool(children)
        self.fields = {}
        if fields is not None:
            from xblock.fields import Scope, String

            for name, value in fields.items():
                field = String(scope=Scope.settings)
                field.__name__ = name
                field.read_json = lambda block, value=value: value
                field.is_set_on = lambda block: True
                self.fields[name] = field

    def get_children(self):
        return self._children


class FakeStore:
    def __init__(self, course=None, missing=False):
        self.course, self.missing, self.branches = course, missing, []

    def get_item(self, key):
        raise ItemNotFoundError(key)

    def get_course(self, key, depth=0):
        return self.course

    def branch_setting(self, branch, course_key):
        import contextlib

        self.branches.append(branch)
        return contextlib.nullcontext()


def test_the_real_platform_says_not_visible_yet_for_an_unpublished_block(monkeypatch):
    _fake_modules(monkeypatch, FakeStore())
    with pytest.raises(platform.NotVisibleYet):
        OpenEdxPlatform.can_access_block(
            [1], "block-v1:Demo+Zoom+2026+type@zoom+block@new", COURSE)


def test_the_real_platform_reads_zoom_blocks_from_the_published_branch(monkeypatch):
    key = "block-v1:Demo+Zoom+2026+type@{}+block@{}"
    zoom = FakeBlock(key.format("zoom", "z"), fields={"title": "Published title"})
    unit = FakeBlock(key.format("vertical", "u"), [zoom])
    subsection = FakeBlock(key.format("sequential", "s"), [unit])
    other = FakeBlock(key.format("vertical", "other"), [FakeBlock(key.format("html", "h"))])
    course = FakeBlock(key.format("course", "course"), [subsection, other])
    store = FakeStore(course)
    _fake_modules(monkeypatch, store)

    (found,) = OpenEdxPlatform.published_zoom_blocks(COURSE)
    assert store.branches == ["published-only"]  # never Studio's draft branch
    assert found.usage_key == key.format("zoom", "z")
    assert found.fields == {"title": "Published title"}
    assert found.ancestors == (key.format("vertical", "u"), key.format("sequential", "s"),
                               key.format("course", "course"))
    assert OpenEdxPlatform.published_zoom_blocks(
        COURSE, under=key.format("vertical", "other")) == []


def test_a_studio_event_with_a_branch_in_its_key_names_the_same_item(monkeypatch):
    from opaque_keys.edx.keys import UsageKey
    from openedx_events.content_authoring.data import XBlockData

    from zoom_xblock import receivers

    queued = []
    monkeypatch.setattr(intents, "request_removal", lambda *args: queued.append(args))
    draft = UsageKey.from_string(
        "block-v1:Demo+Zoom+2026+branch@draft-branch+type@vertical+block@u1")
    receivers.block_deleted(xblock_info=XBlockData(usage_key=draft, block_type="vertical"))
    assert queued == [(COURSE, "block-v1:Demo+Zoom+2026+type@vertical+block@u1")]
