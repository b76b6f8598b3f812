"""Webhooks in the services tier: stored in MariaDB by the endpoint, applied by a real Celery
worker through Redis; attendance becomes completion; a duplicate is applied once."""
from datetime import UTC, datetime, timedelta

import pytest
from completion.models import BlockCompletion

from tests.integration.conftest import wait_for
from tests.integration.test_sync_reliability import _learners, _scheduled_session
from tests.standin.backend import block_key
from tests.utils import SANDBOX_CREDENTIALS, enroll
from tests.zoom_people import ZoomRoom, capture_webhooks, deliver
from zoom_xblock.models import Registration, WebhookEvent

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

SECRET = SANDBOX_CREDENTIALS["WEBHOOK_SECRET_TOKEN"]


def test_a_worker_applies_zoom_webhooks_and_attendance_becomes_completion(
        zoom_sandbox, celery_worker, monkeypatch):
    present, absent = _learners(2, "hooked")
    for person in (present, absent):
        enroll(person)
    # Run now, so scheduled a few minutes ahead (a run long before the start is a test run).
    soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=10)
    session = _scheduled_session("block-v1:Demo+Zoom+2026+type@zoom+block@hooked", start=soon)
    wait_for(lambda: Registration.objects.filter(session=session, state="registered").count()
             == 2)
    outbox = capture_webhooks(zoom_sandbox, monkeypatch)
    room = ZoomRoom(zoom_sandbox.url, session.zoom_id)
    room.start()
    room.join(Registration.objects.get(session=session, user_id=present.id))
    room.advance(minutes=50)
    room.end()
    assert [e["event"] for e in outbox][:2] == ["meeting.started", "meeting.participant_joined"]
    for payload in outbox + outbox[1:2]:  # the join arrives twice: Zoom retries
        assert deliver(payload, SECRET).status_code == 200
    wait_for(lambda: not WebhookEvent.objects.filter(status="received").exists(), timeout=60)
    assert WebhookEvent.objects.filter(event="meeting.participant_joined").count() == 1
    row = wait_for(lambda: Registration.objects.filter(
        session=session, user_id=present.id, completed_at__isnull=False).first(), timeout=60)
    assert 49 * 60 <= row.attended_seconds <= 51 * 60
    assert BlockCompletion.objects.filter(user=present,
                                          block_key=block_key(session.usage_key)).exists()
    assert not BlockCompletion.objects.filter(user=absent).exists()


def test_concurrent_deliveries_are_each_committed_once_and_share_commits(zoom_sandbox,
                                                                      monkeypatch):
    """A burst (everyone joining at once, with Zoom's retries among them) on MariaDB from 12
    server threads: every event is stored exactly once before its 200, and events that
    arrived together were committed together."""
    import threading

    from zoom_xblock.webhooks import intake

    batches = []
    write = intake.INTAKE._write_batch

    def counting(rows):
        batches.append(len(rows))
        return write(rows)

    monkeypatch.setattr(intake.INTAKE, "_write_batch", counting)
    # no worker here
    monkeypatch.setattr("zoom_xblock.webhooks.zoom_events.request_apply", lambda: None)
    payloads = [{"event": "meeting.participant_joined", "event_ts": 1_900_000_000_000 + n,
                 "payload": {"account_id": SANDBOX_CREDENTIALS["ACCOUNT_ID"], "object": {
                     "id": "81234567890", "uuid": "burst==", "participant": {
                         "user_id": str(n), "user_name": f"Learner {n}",
                         "email": f"burst{n}@example.com",
                         "join_time": "2030-01-15T14:00:05Z"}}}} for n in range(120)]
    deliveries = payloads + payloads[:30]  # Zoom retries a quarter of them
    statuses, lock = [], threading.Lock()

    def post(chunk):
        from django.db import connection

        for payload in chunk:
            status = deliver(payload, SECRET).status_code
            with lock:
                statuses.append(status)
        connection.close()

    threads = [threading.Thread(target=post, args=(deliveries[n::12],)) for n in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert statuses.count(200) == len(deliveries)
    assert WebhookEvent.objects.filter(event="meeting.participant_joined").count() == 120
    assert sum(batches) == len(deliveries) and max(batches) > 1
