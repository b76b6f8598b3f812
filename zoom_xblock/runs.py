"""Runs of a session in Zoom: the real one, and test runs (sound checks) long before it.

An organizer can start a scheduled meeting in Zoom at any time. A run that ends at least
``TEST_RUN_MINUTES_BEFORE_START`` minutes before the scheduled start cannot be the session
itself (the learners were told a later time): it is a *test run*. It is recorded for staff, and
the session stays as it was: upcoming, registering, attendance not settled. Any other run (an
early start that goes on into the session, a session that runs late, a past-dated session
started and ended now) is the session: its real start and end clip everyone's attendance.

:func:`reopen_test_runs` is the recovery for sessions closed by a test run before this rule
existed (the sweep and a re-save in Studio run it).
"""
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from zoom_xblock.conf import get_config
from zoom_xblock.models import Registration, ZoomSession

log = logging.getLogger(__name__)

MAX_TEST_RUNS_KEPT = 20


def test_run_margin() -> timedelta:
    """How long before the scheduled start a run must have ended to be a test run."""
    return timedelta(minutes=max(0, int(get_config().test_run_minutes_before_start)))


def is_test_run(session: ZoomSession, end: datetime | None) -> bool:
    """True when a run that ended at ``end`` ended well before the scheduled start."""
    if end is None or session.start is None:
        return False
    return end <= session.start - test_run_margin()


def test_run_uuids(session: ZoomSession) -> set[str]:
    """The Zoom instance UUIDs of the session's recorded test runs."""
    return {run.get("uuid") for run in session.test_runs or [] if run.get("uuid")}


def belongs_to_test_run(session: ZoomSession, uuid: str, moment: datetime | None) -> bool:
    """An event of a run already recorded as a test run (a late or repeated delivery)."""
    if uuid and uuid in test_run_uuids(session):
        return True
    if moment is None:
        return False
    for run in session.test_runs or []:
        start, end = _parse(run.get("start")), _parse(run.get("end"))
        if start is not None and end is not None and start <= moment <= end:
            return True
    return False


def record_test_run(session: ZoomSession, uuid: str, start: datetime | None,
                    end: datetime) -> None:
    """Keep the test run for staff and put the session back to "not started" (caller saves)."""
    runs = [run for run in session.test_runs or [] if not uuid or run.get("uuid") != uuid]
    runs.append({"uuid": uuid or "", "start": _iso(start), "end": _iso(end)})
    session.test_runs = runs[-MAX_TEST_RUNS_KEPT:]
    session.live_status = ZoomSession.LiveStatus.NOT_STARTED
    session.actual_start = session.actual_end = None
    session.report_fetched_at = None
    log.info("zoom session %s: a run ending %s, before the scheduled start %s, is a test run",
             session.id, _iso(end), _iso(session.start))


def reopen_test_runs(session_ids=None) -> int:
    """Sessions a test run closed ("ended" long before their start): upcoming again.

    The run is recorded as a test run, the attendance taken from it is cleared (except for
    learners already marked complete: completion is never taken back), and a sync is queued so
    that learners enrolled since are registered. Returns how many sessions were reopened.
    """
    from zoom_xblock.intents import nudge_sync  # pylint: disable=import-outside-toplevel

    candidates = ZoomSession.objects.filter(
        live_status=ZoomSession.LiveStatus.ENDED, actual_end__isnull=False, start__isnull=False)
    if session_ids is not None:
        candidates = candidates.filter(id__in=list(session_ids))
    reopened = []
    closed = candidates.filter(actual_end__lte=F("start") - test_run_margin())
    for session_id in list(closed.values_list("id", flat=True)):  # rare: a recovery
        with transaction.atomic():  # under the lock the webhook events take
            session = ZoomSession.objects.select_for_update().get(id=session_id)
            if (session.live_status != ZoomSession.LiveStatus.ENDED
                    or not is_test_run(session, session.actual_end)):
                continue
            # The run's instance UUID is not kept on the session; its times identify it.
            record_test_run(session, "", session.actual_start, session.actual_end)
            session.save(update_fields=["test_runs", "live_status", "actual_start",
                                        "actual_end", "report_fetched_at", "modified"])
            Registration.objects.filter(session=session, completed_at__isnull=True).filter(
                ~Q(attended_seconds=0)).update(attended_seconds=0, modified=timezone.now())
        reopened.append(session_id)
    if reopened:
        nudge_sync(reopened, "test_run_reopened")
    return len(reopened)


def _iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _parse(value) -> datetime | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
