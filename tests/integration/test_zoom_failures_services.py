"""Issue 13, services tier: the two ambiguous failures with a real Celery worker, MariaDB and
Redis. Zoom (the local sandbox) does the work and answers 5xx; the worker must neither make a
second meeting nor send the batch again before reading what Zoom has."""
from datetime import UTC, datetime

import pytest
import requests

from tests.integration.conftest import wait_for
from tests.utils import COURSE, enroll, make_user
from zoom_xblock import intents
from zoom_xblock.meeting import sessions
from zoom_xblock.models import Registration, ZoomSession

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

VALUES = {"kind": "meeting", "title": "Ambiguous", "start": datetime(2030, 1, 15, 14, tzinfo=UTC),
          "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com"}


def _sandbox(sandbox, path, body=None):
    answer = requests.post(f"{sandbox.url}/_sandbox/{path}", json=body or {}, timeout=10)
    answer.raise_for_status()
    return answer.json()


def _meetings(sandbox):
    state = requests.get(f"{sandbox.url}/_sandbox/state", timeout=10).json()
    return [m for m in state["meetings"] if not m.get("deleted")]


def _calls(sandbox):
    return requests.get(f"{sandbox.url}/_sandbox/stats", timeout=10).json()["calls"]


@pytest.mark.parametrize("status", [502, 504])
def test_a_create_applied_then_5xx_gives_one_meeting(zoom_sandbox, celery_worker, status):
    _sandbox(zoom_sandbox, "faults", {"applied_fail_next": 1, "applied_status": status})
    usage = f"block-v1:Demo+Zoom+2026+type@zoom+block@amb{status}"
    session = sessions.save_desired(usage, COURSE, VALUES)  # the worker creates it
    wait_for(lambda: ZoomSession.objects.filter(id=session.id,
                                                create_attempted_at__isnull=False).exists())
    assert len(_meetings(zoom_sandbox)) == 1  # Zoom made it despite the error
    intents.queue_apply(session.id)  # the task's retry (its own comes after 2 minutes)
    done = wait_for(lambda: ZoomSession.objects.filter(id=session.id, status="scheduled")
                    .exclude(zoom_id=None).first())
    (meeting,) = _meetings(zoom_sandbox)
    assert done.zoom_id == meeting["id"]
    assert _calls(zoom_sandbox)["POST /users/{userId}/meetings"] == 1


def test_a_batch_applied_then_5xx_is_confirmed_not_resent(zoom_sandbox, celery_worker,
                                                           monkeypatch):
    session = sessions.save_desired("block-v1:Demo+Zoom+2026+type@zoom+block@ambbatch",
                                    COURSE, VALUES)
    session = wait_for(lambda: ZoomSession.objects.filter(id=session.id, status="scheduled")
                       .exclude(zoom_id=None).first())
    learners = [make_user(f"amb{n}") for n in range(10)]
    # The fault goes in first: whichever pass sends the learners' batch (the one the meeting's
    # creation queued, if it runs late, or the nudge below) meets the 500.
    _sandbox(zoom_sandbox, "faults", {"applied_fail_next": 1, "applied_status": 500})
    with monkeypatch.context() as quiet:  # the enrollments' own nudges are not needed here
        quiet.setattr(intents, "nudge_course", lambda *args: None)
        for person in learners:
            enroll(person)
    intents.nudge_sync([session.id], "test")  # the worker's pass meets the 500
    wait_for(lambda: Registration.objects.filter(session=session,
                                                 zoom_unsure_since__isnull=False).count() == 10)
    intents.nudge_sync([session.id], "test")
    wait_for(lambda: Registration.objects.filter(session=session, state="registered").count()
             == 10)
    (meeting,) = [m for m in _meetings(zoom_sandbox) if m["id"] == session.zoom_id]
    assert sorted(r["email"] for r in meeting["registrants"]) == sorted(p.email for p in learners)
    calls = _calls(zoom_sandbox)
    assert calls["POST /meetings/{id}/batch_registrants"] == 1  # never sent again
    assert "POST /meetings/{id}/registrants" not in calls
    rows = Registration.objects.filter(session=session)
    assert {row.zoom_requests_today for row in rows} == {1}
    assert {row.zoom_unsure_since for row in rows} == {None}
