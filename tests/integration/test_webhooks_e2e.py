"""End to end: the local Zoom sends its own signed webhooks to the workbench over HTTP.

Learners join and leave through the sandbox's control API, the meeting ends, and completion
appears for those above the threshold only; a webhook the sandbox drops is recovered by the
report sweep. The live server runs in a thread on the same test database; Celery is eager in
the default tier, so each event is applied in its request's ``on_commit``.
"""
from datetime import UTC, datetime, timedelta

import pytest
import requests
from completion.models import BlockCompletion

from tests.utils import COURSE, SANDBOX_CREDENTIALS, enroll, make_user
from tests.zoom_people import ZoomRoom
from zoom_xblock import sweep
from zoom_xblock.learners import sync
from zoom_xblock.meeting import sessions
from zoom_xblock.models import AttendanceInterval, Registration, WebhookEvent, ZoomSession

pytestmark = pytest.mark.django_db(transaction=True)

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@e2e"
SECRET = SANDBOX_CREDENTIALS["WEBHOOK_SECRET_TOKEN"]


class Room(ZoomRoom):
    """Each action waits until the sandbox has delivered the webhooks it caused."""

    def control(self, path, **body):
        answer = super().control(path, **body)
        if not path.startswith("/webhooks/"):
            assert super().control("/webhooks/wait", timeout=10)["idle"]
        return answer


def test_sandbox_webhooks_drive_attendance_to_completion(zoom_with_webhooks):
    sandbox = zoom_with_webhooks
    assert all(check["valid"] for check in requests.post(
        f"{sandbox.url}/_sandbox/webhooks/validate", timeout=10).json().values())
    session = sessions.save_desired(USAGE, COURSE, {
        # Run now: scheduled a few minutes ahead (a run long before the start is a test run).
        "kind": "meeting", "title": "Live seminar",
        "start": datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=10),
        "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com",
        "completion_threshold_percent": 50, "weight": None})
    session.refresh_from_db()
    assert session.status == "scheduled"
    ada, bob, cy = (make_user(name) for name in ("ada", "bob", "cy"))
    for person in (ada, bob, cy):
        enroll(person)
    sync.sync_session(session.id, "test")
    regs = {r.user_id: r for r in Registration.objects.filter(session=session)}
    room = Room(sandbox.url, session.zoom_id)

    room.start()
    room.join(regs[ada.id])
    room.join(regs[bob.id])
    room.join(name="Cy", email="not.cy@elsewhere.org")  # a walk-in with Cy's name
    room.drop_webhooks(1)
    room.join(regs[cy.id])  # Cy's join is lost on the way
    room.advance(10)
    room.leave(regs[bob.id])  # 10 minutes: below the 30 needed
    room.advance(25)
    room.end()  # everyone else leaves at 35 minutes, then meeting.ended

    deliveries = requests.get(f"{sandbox.url}/_sandbox/webhooks", timeout=5).json()["deliveries"]
    assert [d["event"] for d in deliveries if d["dropped"]] == ["meeting.participant_joined"]
    assert all(d["ok"] for d in deliveries if not d["dropped"])
    assert not WebhookEvent.objects.exclude(status="applied").exists()
    session = ZoomSession.objects.get(id=session.id)
    assert session.live_status == "ended" and session.actual_end > session.actual_start
    completed = set(BlockCompletion.objects.filter(block_key=USAGE).values_list(
        "user_id", flat=True))
    assert completed == {ada.id}
    walk_in = AttendanceInterval.objects.get(session=session, email="not.cy@elsewhere.org")
    assert walk_in.registration is None

    # The report sweep, REPORT_DELAY_MINUTES after the end, recovers Cy's lost join.
    assert sweep.catch_up(now=session.actual_end + timedelta(minutes=5))[
        "reports_queued"] == 0
    assert sweep.catch_up(now=session.actual_end + timedelta(minutes=16))[
        "reports_queued"] == 1
    completed = set(BlockCompletion.objects.filter(block_key=USAGE).values_list(
        "user_id", flat=True))
    assert completed == {ada.id, cy.id}
    attended = {r.user_id: r.attended_seconds // 60
                for r in Registration.objects.filter(session=session)}
    assert attended == {ada.id: 35, bob.id: 10, cy.id: 35}
    assert ZoomSession.objects.get(id=session.id).report_fetched_at is not None
