"""Operators (issue 15): one source for the sweep interval (beat entry, zoom_check, banner);
``zoom_sweep`` says what it did; ``zoom_sync --course <unknown>`` warns; the Zoom client's log
lines stay off the commands' terminal unless ``-v 2``."""
import io
import logging
import sys
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from django.core.management import call_command

from tests.utils import COURSE, enroll, make_user
from zoom_xblock.conf import get_config
from zoom_xblock.meeting import sessions
from zoom_xblock.settings.common import plugin_settings
from zoom_xblock.staff import health

pytestmark = pytest.mark.django_db

VALUES = {"kind": "meeting", "title": "Tutorial", "start": datetime(2030, 1, 15, 14, tzinfo=UTC),
          "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com"}


def _beat_minutes(configured: dict) -> float:
    fake = SimpleNamespace(ZOOM_XBLOCK=configured, LOCALE_PATHS=[])
    plugin_settings(fake)
    return fake.CELERY_BEAT_SCHEDULE["zoom-xblock-sweep"]["schedule"] / 60


def test_the_environment_sets_the_beat_entry_and_what_zoom_check_expects(monkeypatch, settings):
    monkeypatch.setenv("ZOOM_SWEEP_INTERVAL_MINUTES", "3")
    settings.ZOOM_XBLOCK = {}
    assert _beat_minutes({}) == 3 == get_config().sweep_interval_minutes
    monkeypatch.setattr(health, "last_sweep", lambda: None)  # whatever other tests swept
    problem = health.sweep_problem(strict=True)
    assert problem.params["interval"] == 3  # the banner and zoom_check: the same 3 minutes


def test_an_explicit_setting_wins_over_the_environment_everywhere(monkeypatch, settings):
    monkeypatch.setenv("ZOOM_SWEEP_INTERVAL_MINUTES", "3")
    settings.ZOOM_XBLOCK = {"SWEEP_INTERVAL_MINUTES": 20}
    assert _beat_minutes({"SWEEP_INTERVAL_MINUTES": 20}) == 20
    assert get_config().sweep_interval_minutes == 20


@pytest.fixture
def session(zoom_sandbox, django_capture_on_commit_callbacks, monkeypatch):
    """A session in the sandbox with two enrolled learners whose sync is due."""
    monkeypatch.setattr("zoom_xblock.intents.nudge_sync", lambda *args, **kwargs: None)
    with django_capture_on_commit_callbacks(execute=True):
        made = sessions.save_desired("block-v1:Demo+Zoom+2026+type@zoom+block@ops", COURSE,
                                     VALUES)
    for name in ("ada", "bob"):
        enroll(make_user(name))
    made.refresh_from_db()
    return made


def test_zoom_sweep_inline_prints_each_session_and_a_summary(session):
    out = io.StringIO()
    call_command("zoom_sweep", "--inline", stdout=out)
    text = out.getvalue()
    assert f"{session.usage_key}: ok, 2 added, 0 cancelled, 0 failed" in text
    assert "Synced 1 session inline." in text
    assert health.last_sweep() is not None  # an inline sweep counts as a sweep
    out = io.StringIO()
    call_command("zoom_sweep", "--inline", stdout=out)
    assert "Synced 0 sessions inline." in out.getvalue()


def test_zoom_sweep_says_what_it_queued(session, monkeypatch):
    out = io.StringIO()
    call_command("zoom_sweep", stdout=out)
    assert "Queued 1 sync." in out.getvalue() and "Zoom update" in out.getvalue()


def test_zoom_sync_warns_about_a_course_without_sessions(session):
    out, err = io.StringIO(), io.StringIO()
    call_command("zoom_sync", "--course", "course-v1:Typo+Zoom+2026", "--no-progress",
                 stdout=out, stderr=err)
    assert "Warning: no Zoom session in course course-v1:Typo+Zoom+2026." in err.getvalue()
    assert "0 sessions synced, 0 failed." in out.getvalue()
    err = io.StringIO()
    call_command("zoom_sync", "--course", COURSE, "--no-progress", stdout=io.StringIO(),
                 stderr=err)
    assert "Warning" not in err.getvalue()


@pytest.mark.parametrize("verbosity,shown", [(1, False), (2, True)])
def test_client_log_lines_stay_off_the_terminal_unless_verbose(session, verbosity, shown):
    terminal = io.StringIO()
    handler = logging.StreamHandler(terminal)
    saved = sys.stderr
    sys.stderr = terminal  # the handler writes to "the terminal"
    logger = logging.getLogger("zoom_xblock")
    logger.addHandler(handler)
    try:
        call_command("zoom_sync", "--no-progress", verbosity=verbosity, stdout=io.StringIO(),
                     stderr=io.StringIO())
    finally:
        logger.removeHandler(handler)
        sys.stderr = saved
    assert ("zoom call operation=" in terminal.getvalue()) is shown
