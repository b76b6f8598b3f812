"""Durable intent: what receivers and views record so that nothing is lost if Celery is not.

Each function writes to the database in the caller's transaction and schedules the Celery
nudge with ``transaction.on_commit``. A nudge that cannot be queued (broker down) is only
logged: the periodic sweep finds the recorded intent and does the work later.
"""
import logging

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from zoom_xblock.conf import get_config
from zoom_xblock.models import Registration, ZoomSession

log = logging.getLogger(__name__)

ACTIVE_STATUSES = (
    ZoomSession.Status.DRAFT,
    ZoomSession.Status.CREATING,
    ZoomSession.Status.UPDATING,
    ZoomSession.Status.SCHEDULED,
    ZoomSession.Status.FAILED,
    ZoomSession.Status.DEFERRED,
)
DEBOUNCE_KEY = "zoom_xblock:sync-queued:{}"


def request_course_sync(course_key: str, trigger: str) -> None:
    """Mark every live session of the course as needing a sync (one UPDATE), then nudge once.

    The nudge is per course and debounced; the task it starts queues one sync per marked
    session, so an enrollment storm costs one task per session per window, not per learner.
    """
    marked = ZoomSession.objects.filter(course_key=course_key, status__in=ACTIVE_STATUSES).update(
        sync_requested_at=timezone.now()
    )
    if marked:
        transaction.on_commit(lambda: nudge_course(course_key, trigger))


def request_user_sync(user_id: int, trigger: str) -> None:
    """Nudge the sessions where this learner has a place or could have one (login)."""
    session_ids = list(
        Registration.objects.filter(user_id=user_id, session__status__in=ACTIVE_STATUSES)
        .exclude(state=Registration.State.REGISTERED)
        .values_list("session_id", flat=True)
    )
    if session_ids:
        ZoomSession.objects.filter(id__in=session_ids).update(sync_requested_at=timezone.now())
        transaction.on_commit(lambda: nudge_sync(session_ids, trigger))


def request_learner_sync(user_id: int, course_key: str, trigger: str) -> None:
    """One learner's progress changed: re-check that learner alone, in the course's sessions
    whose eligibility depends on progress (a prerequisite), never the whole course.

    One query here; after commit, one debounced task per learner and course. If the broker is
    down the nudge is lost, and the learner is re-checked at Join, at login and by the pass the
    sweep runs before the session starts."""
    session_ids = [
        session_id for session_id, prerequisite in ZoomSession.objects.filter(
            course_key=course_key, status__in=ACTIVE_STATUSES
        ).values_list("id", "prerequisite")
        if (prerequisite or {}).get("usage_key")
    ]
    if session_ids:
        transaction.on_commit(lambda: nudge_learner(session_ids, user_id, trigger))


def request_session_deletion(usage_key: str) -> None:
    """The block was deleted: delete its meeting in Zoom (after commit)."""
    updated = ZoomSession.objects.filter(usage_key=usage_key).exclude(
        status=ZoomSession.Status.DELETED
    ).update(status=ZoomSession.Status.DELETING)
    if updated:
        transaction.on_commit(lambda: _send("zoom_xblock.tasks.delete_session", usage_key))


def _has_sessions(course_key: str) -> bool:
    return ZoomSession.objects.filter(course_key=course_key).exclude(
        status=ZoomSession.Status.DELETED).exists()


def request_publish(course_key: str, item_key: str, published_at: str = "") -> None:
    """Studio published ``item_key`` (a unit, subsection, section; '' for a whole course, as an
    import): after commit, a task in the LMS applies the published Zoom blocks inside it.

    One cheap query here, no modulestore: a course without any session (a Zoom component gets
    one at its first save in Studio) costs the publish nothing."""
    if not item_key or _has_sessions(course_key):
        transaction.on_commit(lambda: _send("zoom_xblock.tasks.apply_published", course_key,
                                            item_key, published_at))


def request_removal(course_key: str, item_key: str) -> None:
    """Studio deleted ``item_key`` ('' for the whole course): after commit, a task removes the
    sessions inside it that the published course no longer shows (descendants get no event of
    their own)."""
    if _has_sessions(course_key):
        transaction.on_commit(lambda: _send("zoom_xblock.tasks.remove_deleted", course_key,
                                            item_key))


def queue_reconcile(course_key: str) -> None:
    """Queue the sweep's reconciliation of one course with its published version."""
    _send("zoom_xblock.tasks.reconcile_course", course_key)


DESIRED_FIELDS = (
    "kind", "title", "agenda", "start", "duration_minutes", "timezone", "host_email",
    "alternative_hosts", "capacity", "join_window_minutes", "prerequisite",
    "completion_threshold_percent", "weight", "zoom_emails", "auto_recording",
    "drift_policy", "learner_emails",
)


def copy_session(source_usage_key: str, usage_key: str, course_key: str | None = None) -> None:
    """A duplicated block gets its own meeting: copy the desired settings, never Zoom's ids.

    Studio duplicates into the draft branch, so the copy is a draft too: its meeting is created
    when its unit is published (or by the sweep, for a course re-run's published copies)."""
    from zoom_xblock import sessions  # pylint: disable=import-outside-toplevel

    source = ZoomSession.objects.filter(usage_key=source_usage_key).first()
    if source is None or ZoomSession.objects.filter(usage_key=usage_key).exists():
        return
    values = {name: getattr(source, name) for name in DESIRED_FIELDS}
    sessions.record_draft(usage_key, course_key or source.course_key, values)


def queue_apply(session_id: int) -> None:
    """Queue the creation or update of the session's meeting in Zoom."""
    _send("zoom_xblock.tasks.apply_session", session_id)


def queue_learner_messages(session_id: int) -> None:
    """Queue the e-mails the session's learners are due (see :mod:`learner_messages`)."""
    _send("zoom_xblock.tasks.send_learner_messages", session_id)


def queue_directory_refresh(emails, account: str | None = None) -> None:
    """Queue the question to Zoom about the plan of ``account`` (None: the site's default
    account) and these people's licences in it."""
    _send("zoom_xblock.tasks.refresh_zoom_directory", list(emails), account)


def schedule_sync(session_id: int, trigger: str, countdown: int) -> None:
    """Queue a sync of the session in ``countdown`` seconds (retries after Zoom's limits)."""
    _send("zoom_xblock.tasks.sync_session", session_id, trigger, countdown=countdown)


def nudge_course(course_key: str, trigger: str) -> None:
    """Queue the course's fan-out task, at most once per debounce window."""
    delay = get_config().sync_debounce_seconds
    if delay and not cache.add(DEBOUNCE_KEY.format(f"course:{course_key}"), 1, timeout=delay):
        return
    _send("zoom_xblock.tasks.sync_course", course_key, trigger, countdown=delay)


def nudge_sync(session_ids, trigger: str) -> None:
    """Queue one sync per session, at most one per debounce window."""
    delay = get_config().sync_debounce_seconds
    for session_id in session_ids:
        if delay and not cache.add(DEBOUNCE_KEY.format(session_id), 1, timeout=delay):
            continue  # a sync is already queued for this window
        _send("zoom_xblock.tasks.sync_session", session_id, trigger, countdown=delay)


def nudge_learner(session_ids, user_id: int, trigger: str, countdown: int | None = None) -> None:
    """Queue the learner's re-check in these sessions, at most once per debounce window."""
    delay = get_config().sync_debounce_seconds if countdown is None else countdown
    key = DEBOUNCE_KEY.format(f"learner:{user_id}:{','.join(map(str, session_ids))}")
    if countdown is None and delay and not cache.add(key, 1, timeout=delay):
        return
    _send("zoom_xblock.tasks.sync_learner", list(session_ids), user_id, trigger, countdown=delay)


def _send(task_name: str, *args, countdown: int = 0) -> None:
    from zoom_xblock import tasks  # pylint: disable=import-outside-toplevel

    task = getattr(tasks, task_name.rsplit(".", 1)[1])
    options = {"countdown": countdown} if countdown else {}
    # Always explicit: a task queued from Studio without ``queue=`` would run in the CMS worker,
    # whose modulestore reads drafts and which has no LMS URLs (jump_to).
    queue = get_config().celery_queue
    if queue:
        options["queue"] = queue
    try:
        task.apply_async(args=args, **options)
    except Exception:  # pylint: disable=broad-except
        # Broker down: the intent is already in the database and the sweep will pick it up.
        log.warning("Could not queue %s%r; the periodic sweep will do it", task_name, args,
                    exc_info=True)
