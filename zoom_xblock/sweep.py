"""The periodic sweep: the safety net above every story, finding the work a lost message left.

Celery messages are only nudges (see :mod:`zoom_xblock.intents`); what must happen is recorded
in the database. The sweep reads it back: due participant syncs, Zoom work a lost task or a
passed quota deferral left behind, e-mails due, courses to reconcile with their published
version, webhooks whose task was lost, due attendance reports, progress the platform refused.
The beat task, ``manage.py zoom_sweep`` and ``zoom_sweep --inline`` all call :func:`run`.
"""
import logging
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from zoom_xblock import intents, runs
from zoom_xblock.block import publishing
from zoom_xblock.conf import get_config
from zoom_xblock.learners import emails, sync
from zoom_xblock.meeting import lifecycle
from zoom_xblock.models import ZoomSession
from zoom_xblock.staff import health
from zoom_xblock.webhooks import attendance, zoom_events

log = logging.getLogger(__name__)

STALE_APPLY = timedelta(minutes=5)


def run(*, inline: bool = False, on_synced=None) -> dict:
    """Sweep once. ``inline`` runs the due syncs in this process (no worker needed) and hands
    each result to ``on_synced(session_id, result)``; otherwise they are queued."""
    now = timezone.now()
    due = due_syncs(now)
    reopened = runs.reopen_test_runs()  # closed by a sound check before test runs existed
    for session_id, trigger in due.items():
        if inline:
            result = sync.sync_session(session_id, trigger=trigger)
            if on_synced is not None:
                on_synced(session_id, result)
        else:
            intents.nudge_sync([session_id], trigger)
    health.record_sweep(now)  # zoom_check and the staff banner watch this heartbeat
    mailed = emails.due_sessions(now)  # reminders, and Join's registrations
    for session_id in mailed:
        intents.queue_learner_messages(session_id)
    # The safety net for lost publish/delete events: each course against its published version.
    courses = publishing.courses_to_reconcile()
    for course_key in courses:
        intents.queue_reconcile(course_key)
    return {"queued": len(due), "applied": requeue_unapplied(now),
            "learner_messages": len(mailed), "courses_reconciled": len(courses),
            "reopened": reopened,
            **catch_up(now)}


def due_syncs(now: datetime) -> dict[int, str]:
    """The sessions whose sync is due, each with its trigger: recorded intent or a retry that
    has come (``sweep``), or a start within the pre-start window not yet synced for
    (``pre_start``, marked here so that it happens once)."""
    soon = now + timedelta(minutes=get_config().pre_start_sync_minutes)
    pending = set(
        ZoomSession.objects.active()
        .filter(Q(sync_requested_at__lte=now) | Q(sync_retry_at__lte=now)
                | ~Q(blocked_code=""))  # a blocked pass checks the cause with one cheap call
        .values_list("id", flat=True)
    )
    starting = set(
        ZoomSession.objects.active().filter(start__gte=now, start__lte=soon,
                                            pre_start_synced_at__isnull=True)
        .values_list("id", flat=True)
    )
    ZoomSession.objects.filter(id__in=starting).update(pre_start_synced_at=now)
    return {session_id: "sweep" if session_id in pending else "pre_start"
            for session_id in sorted(pending | starting)}


def requeue_unapplied(now: datetime) -> int:
    """Queue Zoom create/update work that a lost task or a passed quota deferral left behind."""
    behind = list(
        ZoomSession.objects.filter(
            status__in=(ZoomSession.Status.CREATING, ZoomSession.Status.UPDATING),
            modified__lte=now - STALE_APPLY,
        ).values_list("id", flat=True)
    )
    for session_id in behind:
        intents.queue_apply(session_id)
    return len(behind) + lifecycle.retry_deferred()


def catch_up(now: datetime | None = None) -> dict:
    """The sweep's share of webhook work: apply events whose task was lost, queue the
    attendance report of every session that ended ``REPORT_DELAY_MINUTES`` ago, and publish
    again the completions and scores the platform refused. Each step runs whatever happens
    to the others."""
    result = {}
    for name, step in (("webhooks_applied", zoom_events.apply_pending),
                       ("reports_queued", attendance.run_due_reports),
                       ("progress_republished",
                        lambda _now: attendance.publish_pending_progress())):
        try:
            result[name] = step(now)
        except Exception:  # pylint: disable=broad-except
            log.exception("Zoom sweep: %s failed; the next sweep tries again", name)
            result[name] = 0
    return result
