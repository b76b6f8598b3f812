"""Participant sync: make a session's registrations match who should be there.

Desired state comes from the platform (active enrollments); actual state is the
``Registration`` rows. This module records the difference durably; applying it to Zoom
(batched adds, cancels, waitlist, quotas) is done by :func:`sync_session` under a per-session
lock, so that running it any number of times, from any trigger, changes nothing more.
"""
import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from zoom_xblock import platform
from zoom_xblock.conf import get_config
from zoom_xblock.intents import ACTIVE_STATUSES, nudge_sync, queue_apply
from zoom_xblock.locks import exclusive
from zoom_xblock.models import Registration, SyncRun, ZoomSession

log = logging.getLogger(__name__)


def record_desired_state(session: ZoomSession) -> dict:
    """Create pending rows for new learners and mark those who left as no longer wanted."""
    learners = platform.enrolled_learners(session.course_key)
    by_id = {learner.id: learner for learner in learners}
    existing = {r.user_id: r for r in Registration.objects.filter(session=session)}
    new_rows = [
        Registration(session=session, user_id=learner.id, email=learner.email,
                     first_name=learner.first_name, last_name=learner.last_name)
        for learner in learners if learner.id not in existing
    ]
    Registration.objects.bulk_create(new_rows, ignore_conflicts=True)
    gone = [r.id for uid, r in existing.items() if uid not in by_id and r.wanted]
    back = [r.id for uid, r in existing.items() if uid in by_id and not r.wanted]
    Registration.objects.filter(id__in=gone).update(wanted=False, modified=timezone.now())
    Registration.objects.filter(id__in=back).update(wanted=True, modified=timezone.now())
    return {"new": len(new_rows), "left": len(gone), "returned": len(back)}


def sync_session(session_id: int, trigger: str = "manual") -> dict:
    """One sync pass over a session (skipped if another worker holds the session's lock)."""
    with exclusive(f"sync:{session_id}") as acquired:
        if not acquired:
            return {"skipped": "locked"}
        session = ZoomSession.objects.filter(id=session_id).first()
        if session is None or session.status not in ACTIVE_STATUSES:
            return {"skipped": "inactive"}
        started = timezone.now()
        run = SyncRun.objects.create(session=session, trigger=trigger)
        with transaction.atomic():
            counts = record_desired_state(session)
        run.outcome, run.finished_at = SyncRun.Outcome.OK, timezone.now()
        run.total = Registration.objects.filter(session=session, wanted=True).count()
        run.save(update_fields=["outcome", "finished_at", "total"])
        ZoomSession.objects.filter(id=session.id, sync_requested_at__lte=started).update(
            sync_requested_at=None, last_synced_at=timezone.now()
        )
        return counts


def fan_out_course(course_key: str, trigger: str) -> dict:
    """Queue one sync for each of the course's sessions that has recorded intent."""
    session_ids = list(
        ZoomSession.objects.filter(course_key=course_key, status__in=ACTIVE_STATUSES,
                                   sync_requested_at__isnull=False).values_list("id", flat=True)
    )
    nudge_sync(session_ids, trigger)
    return {"queued": len(session_ids)}


def sweep() -> dict:
    """Queue a sync for every session with recorded intent, or starting within the pre-start
    window and not yet synced for it."""
    config = get_config()
    now = timezone.now()
    soon = now + timedelta(minutes=config.pre_start_sync_minutes)
    pending = set(
        ZoomSession.objects.filter(status__in=ACTIVE_STATUSES, sync_requested_at__isnull=False)
        .values_list("id", flat=True)
    )
    starting = set(
        ZoomSession.objects.filter(status__in=ACTIVE_STATUSES, start__gte=now, start__lte=soon,
                                   pre_start_synced_at__isnull=True)
        .values_list("id", flat=True)
    )
    ZoomSession.objects.filter(id__in=starting).update(pre_start_synced_at=now)
    for session_id in sorted(pending | starting):
        nudge_sync([session_id], "sweep" if session_id in pending else "pre_start")
    return {"queued": len(pending | starting), "applied": requeue_unapplied(now)}


def requeue_unapplied(now) -> int:
    """Queue Zoom create/update work that a lost task or a passed quota deferral left behind."""
    from zoom_xblock import lifecycle  # pylint: disable=import-outside-toplevel

    stale = now - timedelta(minutes=5)
    behind = list(
        ZoomSession.objects.filter(
            status__in=(ZoomSession.Status.CREATING, ZoomSession.Status.UPDATING),
            modified__lte=stale,
        ).values_list("id", flat=True)
    )
    for session_id in behind:
        queue_apply(session_id)
    return len(behind) + lifecycle.retry_deferred()
