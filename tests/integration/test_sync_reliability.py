"""Nothing is lost when the broker, a worker or Zoom fails: services tier (MariaDB, Redis,
real Celery workers) against the local Zoom with faults. In every case each eligible learner
ends registered exactly once, with no duplicate registrant in Zoom."""
import math
from datetime import UTC, datetime

import pytest
import requests
from kombu.exceptions import OperationalError

from tests.integration.conftest import wait_for
from tests.utils import COURSE, enroll, make_user
from zoom_xblock import sweep
from zoom_xblock.meeting import sessions
from zoom_xblock.models import Registration, SyncRun, ZoomSession

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

VALUES = {"kind": "meeting", "title": "Reliability", "start": datetime(2030, 1, 15, 14, tzinfo=UTC),
          "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com"}


def _sandbox(sandbox, path, body=None):
    answer = requests.post(f"{sandbox.url}/_sandbox/{path}", json=body or {}, timeout=10)
    answer.raise_for_status()
    return answer


def _zoom_registrants(sandbox, zoom_id):
    state = requests.get(f"{sandbox.url}/_sandbox/state", timeout=10).json()
    (meeting,) = [m for m in state["meetings"] if m["id"] == zoom_id]
    return [r for r in meeting["registrants"] if r["status"] == "approved"]


def _scheduled_session(usage="block-v1:Demo+Zoom+2026+type@zoom+block@rel", **changes):
    session = sessions.save_desired(usage, COURSE, {**VALUES, **changes})  # queued on commit
    return wait_for(lambda: ZoomSession.objects.filter(id=session.id, status="scheduled")
                    .exclude(zoom_id=None).first())


def _all_registered_once(sandbox, session, learners):
    emails = sorted(person.email for person in learners)
    in_zoom = _zoom_registrants(sandbox, session.zoom_id)
    assert sorted(r["email"] for r in in_zoom) == emails  # exactly once each
    rows = Registration.objects.filter(session=session, state="registered")
    assert sorted(rows.values_list("email", flat=True)) == emails
    assert len({row.join_url for row in rows}) == len(emails)


def _learners(count, prefix):
    return [make_user(f"{prefix}{n}") for n in range(count)]


def test_broker_down_while_enrollments_arrive_then_the_sweep_registers_everyone(
        zoom_sandbox, celery_worker, monkeypatch):
    session = _scheduled_session()
    learners = _learners(12, "nobroker")

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("celery.app.task.Task.apply_async", broker_down)
    for person in learners:
        enroll(person)  # the enrollment itself succeeds; only the nudge is lost
    assert not Registration.objects.filter(session=session, state="registered").exists()
    assert ZoomSession.objects.get(id=session.id).sync_requested_at is not None  # durable intent
    monkeypatch.undo()  # the broker is back
    sweep.run()
    wait_for(lambda: Registration.objects.filter(session=session, state="registered").count()
             == len(learners))
    _all_registered_once(zoom_sandbox, session, learners)


def test_a_worker_killed_in_the_middle_of_a_batch(zoom_sandbox, worker_factory):
    worker = worker_factory(concurrency=1)
    learners = _learners(150, "killed")
    for person in learners:
        enroll(person)
    _sandbox(zoom_sandbox, "faults", {"latency_ms": 400})  # each Zoom call takes a while
    session = _scheduled_session("block-v1:Demo+Zoom+2026+type@zoom+block@killed")
    # Wait until the first batch has landed, then crash the worker mid-pass.
    wait_for(lambda: Registration.objects.filter(session=session, state="registered").exists(),
             timeout=60, interval=0.05)
    worker.kill()
    done_before = Registration.objects.filter(session=session, state="registered").count()
    assert 0 < done_before < len(learners)
    run = SyncRun.objects.filter(session=session).latest("id")
    assert run.outcome == "running"  # the pass died with it
    _sandbox(zoom_sandbox, "faults", {"latency_ms": 0})
    worker_factory(concurrency=1)  # a new worker takes the unacknowledged task back
    sweep.run()
    wait_for(lambda: Registration.objects.filter(session=session, state="registered").count()
             == len(learners), timeout=90)
    _all_registered_once(zoom_sandbox, session, learners)


def test_two_workers_syncing_the_same_session_at_once(zoom_sandbox, worker_factory):
    worker_factory()
    worker_factory()
    learners = _learners(90, "twice")
    for person in learners:
        enroll(person)
    _sandbox(zoom_sandbox, "faults", {"latency_ms": 100})
    session = _scheduled_session("block-v1:Demo+Zoom+2026+type@zoom+block@twice")
    _sandbox(zoom_sandbox, "stats/reset")
    from zoom_xblock import tasks

    for _ in range(4):  # four nudges for the same session, served by two workers
        tasks.sync_session.delay(session.id, "race")
    wait_for(lambda: Registration.objects.filter(session=session, state="registered").count()
             == len(learners), timeout=90)
    _sandbox(zoom_sandbox, "faults", {"latency_ms": 0})
    _all_registered_once(zoom_sandbox, session, learners)
    calls = requests.get(f"{zoom_sandbox.url}/_sandbox/stats", timeout=10).json()["calls"]
    assert calls.get("POST /meetings/{id}/batch_registrants", 0) <= math.ceil(90 / 30)


def test_zoom_errors_throttling_and_an_expired_token_mid_run(zoom_sandbox, celery_worker):
    session = _scheduled_session("block-v1:Demo+Zoom+2026+type@zoom+block@faulty")
    _sandbox(zoom_sandbox, "stats/reset")
    # 10% of calls fail, and the next two surely do, whatever the dice; each call is slow
    # enough for the token to expire in the middle of the pass.
    _sandbox(zoom_sandbox, "faults", {"error_ratio": 0.1, "fail_next": 2, "latency_ms": 250})
    learners = _learners(120, "faulty")
    for person in learners:
        enroll(person)  # each enrollment nudges the sync, which starts at once
    wait_for(lambda: Registration.objects.filter(session=session, state="registered").exists(),
             timeout=60, interval=0.05)
    _sandbox(zoom_sandbox, "tokens/expire")  # mid-run: some batches landed, others not yet
    try:
        wait_for(lambda: Registration.objects.filter(session=session, state="registered")
                 .count() == len(learners), timeout=120)
    finally:
        _sandbox(zoom_sandbox, "faults", {"error_ratio": 0, "latency_ms": 0})
    _all_registered_once(zoom_sandbox, session, learners)
    stats = requests.get(f"{zoom_sandbox.url}/_sandbox/stats", timeout=10).json()
    assert sum(stats["faults"].values()) >= 2  # the 5xx really were injected
    assert stats["calls"].get("POST /oauth/token", 0) >= 1  # the token was renewed mid-run
