"""``manage.py zoom_sync``: all sessions, one course or one block, inline, with a progress bar."""
import io
from datetime import UTC, datetime

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.utils import COURSE, enroll, make_user
from zoom_xblock.management.commands.zoom_sync import progress_bar
from zoom_xblock.meeting import sessions
from zoom_xblock.models import Registration, SyncRun, ZoomSession

pytestmark = pytest.mark.django_db

OTHER = "course-v1:Other+Zoom+2026"
VALUES = {"kind": "meeting", "title": "Tutorial", "start": datetime(2030, 1, 15, 14, tzinfo=UTC),
          "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com"}


@pytest.fixture
def three(zoom_sandbox, django_capture_on_commit_callbacks, monkeypatch):
    """Two sessions in the demo course, one in another; no sync has run yet."""
    from zoom_xblock import intents

    monkeypatch.setattr(intents, "nudge_sync", lambda *args, **kwargs: None)
    made = []
    for usage, course in (("block-a", COURSE), ("block-b", COURSE), ("block-c", OTHER)):
        with django_capture_on_commit_callbacks(execute=True):
            session = sessions.save_desired(usage, course, VALUES)
        session.refresh_from_db()
        assert session.status == "scheduled"
        made.append(session)
    for n in range(3):
        enroll(make_user(f"learner{n}"))
    Registration.objects.all().delete()
    SyncRun.objects.all().delete()
    return made


def _sync(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("zoom_sync", *args, stdout=out, stderr=err)
        status = 0
    except CommandError as error:
        status = error.returncode
        err.write(str(error))
    return status, out.getvalue(), err.getvalue()


def test_the_progress_bar():
    assert progress_bar(0, 4, width=8) == "[        ] 0/4"
    assert progress_bar(3, 4, width=8) == "[######  ] 3/4"
    assert progress_bar(0, 0, width=4) == "[####] 0/0"


def test_all_sessions_are_synced_with_a_progress_bar(three):
    status, out, err = _sync()
    assert status == 0
    assert "3 sessions synced, 0 failed." in out
    assert "block-a: ok, 3 added, 0 cancelled, 0 failed" in out
    assert "\r[" in err and "] 3/3" in err and "] 1/3" in err
    assert Registration.objects.filter(state="registered").count() == 2 * 3  # 2 sessions of COURSE
    assert set(SyncRun.objects.values_list("trigger", "full")) == {("command", False)}


def test_one_course(three):
    status, out, _err = _sync("--course", COURSE, "--no-progress")
    assert status == 0 and "2 sessions synced" in out and "block-c" not in out
    assert not Registration.objects.filter(session=three[2]).exists()


def test_one_block_with_a_full_reconciliation(three, zoom_sandbox):
    status, out, err = _sync("--block", "block-b", "--full")
    assert status == 0 and "1 session synced" in out and "] 1/1" in err
    assert "Zoom had 0 missing and 0 extra registrants" in out
    run = SyncRun.objects.get()
    assert (run.session_id, run.full, run.trigger, run.outcome) == (three[1].id, True, "command",
                                                                    "ok")
    calls = requests.get(f"{zoom_sandbox.url}/_sandbox/stats", timeout=5).json()["calls"]
    assert calls.get("GET /meetings/{id}/registrants")  # Zoom's list was read


def test_an_unknown_block_is_an_error(three):
    status, _out, err = _sync("--block", "nope")
    assert status == 1 and "No Zoom session for block nope" in err


def test_a_failed_sync_gives_a_non_zero_exit(three, settings):
    settings.ZOOM_XBLOCK = {"SYNC_DEBOUNCE_SECONDS": 0}  # credentials gone
    status, out, err = _sync("--block", "block-a")
    assert status == 1 and "block-a: failed" in out and "1 session failed" in err


def test_deleted_sessions_are_left_alone(three):
    ZoomSession.objects.filter(id=three[0].id).update(status="deleted")
    status, out, _err = _sync("--no-progress")
    assert status == 0 and "2 sessions synced" in out and "block-a" not in out
