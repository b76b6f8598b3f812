"""Celery tasks: thin wrappers that give the domain modules a worker to run in.

Tasks are found by the platform's ``autodiscover_tasks()`` because the app is installed; they
run on the LMS's default queue (``ZOOM_XBLOCK["CELERY_QUEUE"]``, default ``edx.lms.core.default``,
passed explicitly as ``queue=``, also from Studio). Every task is
idempotent: running one twice, or after a lost message, changes nothing more.
"""
from datetime import datetime

from celery import shared_task

from zoom_xblock import intents
from zoom_xblock import sweep as periodic
from zoom_xblock.block import publishing
from zoom_xblock.learners import emails, retirement, sync
from zoom_xblock.meeting import directory, lifecycle
from zoom_xblock.staff import health
from zoom_xblock.webhooks import attendance, zoom_events
from zoom_xblock.zoom import ZoomError

RETRY = {"acks_late": True, "reject_on_worker_lost": True}


@shared_task(name="zoom_xblock.tasks.sync_session", **RETRY)
def sync_session(session_id: int, trigger: str = "manual", full: bool = False) -> dict:
    """Bring one session's Zoom registrants in line with who should be there (``full``: also
    reconcile with Zoom's own registrant list), then e-mail those newly registered."""
    result = sync.sync_session(session_id, trigger=trigger, full=full)
    intents.queue_learner_messages(session_id)
    return result


@shared_task(name="zoom_xblock.tasks.sync_learner", **RETRY)
def sync_learner(session_ids: list, user_id: int, trigger: str = "progress") -> dict:
    """Re-check one learner in these sessions (a grade event), registering or cancelling them."""
    return {str(session_id): sync.sync_session(session_id, trigger=trigger, user_ids=[user_id])
            for session_id in session_ids}


@shared_task(name="zoom_xblock.tasks.sync_course", **RETRY)
def sync_course(course_key: str, trigger: str = "enrollment") -> dict:
    """Queue a sync for each session of the course that has recorded intent."""
    return sync.fan_out_course(course_key, trigger=trigger)


@shared_task(name="zoom_xblock.tasks.sweep", **RETRY)
def sweep() -> dict:
    """The periodic sweep (:mod:`zoom_xblock.sweep`): queue whatever work is due or was lost."""
    return periodic.run()


@shared_task(name="zoom_xblock.tasks.apply_session", bind=True, max_retries=None, **RETRY)
def apply_session(self, session_id: int) -> dict:
    """Create or update the session's meeting or webinar in Zoom."""
    try:
        return lifecycle.apply_session(session_id)
    except lifecycle.RetryLater as later:
        raise self.retry(eta=later.when) from later


@shared_task(name="zoom_xblock.tasks.delete_session", bind=True, max_retries=None, **RETRY)
def delete_session(self, usage_key: str) -> dict:
    """Delete the session's meeting or webinar in Zoom (the block was deleted)."""
    try:
        return lifecycle.delete_session(usage_key)
    except lifecycle.RetryLater as later:
        raise self.retry(eta=later.when) from later


@shared_task(name="zoom_xblock.tasks.apply_published", **RETRY)
def apply_published(course_key: str, item_key: str, published_at: str = "") -> dict:
    """Apply the Zoom blocks of a published unit, subsection or section (Studio's Publish)."""
    when = datetime.fromisoformat(published_at) if published_at else None
    return publishing.apply_published(course_key, item_key or None, when)


@shared_task(name="zoom_xblock.tasks.remove_deleted", **RETRY)
def remove_deleted(course_key: str, item_key: str) -> dict:
    """Remove the sessions inside deleted content that the published course no longer shows."""
    return publishing.remove_deleted(course_key, item_key or "")


@shared_task(name="zoom_xblock.tasks.reconcile_course", **RETRY)
def reconcile_course(course_key: str) -> dict:
    """The sweep's pass over one course against its published version."""
    return publishing.reconcile_course(course_key)


@shared_task(name="zoom_xblock.tasks.cancel_registrants", bind=True, max_retries=10, **RETRY)
def cancel_registrants(self, session_id: int, registrants: list) -> dict:
    """Cancel in Zoom the registrants of a learner whose account was retired."""
    try:
        return retirement.cancel_in_zoom(session_id, registrants)
    except ZoomError as error:
        raise self.retry(countdown=min(3600, 60 * 2 ** self.request.retries)) from error


@shared_task(name="zoom_xblock.tasks.apply_webhook", **RETRY)
def apply_webhook(event_id: int) -> str:
    """Apply a stored Zoom webhook event (status, attendance, drift, recordings)."""
    return zoom_events.apply_event(event_id)


@shared_task(name="zoom_xblock.tasks.apply_webhooks", **RETRY)
def apply_webhooks() -> int:
    """Apply every stored Zoom webhook event still waiting, oldest first."""
    return zoom_events.apply_received()


@shared_task(name="zoom_xblock.tasks.fetch_attendance_report", **RETRY)
def fetch_attendance_report(session_id: int) -> dict:
    """Fill attendance gaps from Zoom's participant report, then settle completion."""
    return attendance.fetch_report(session_id)


@shared_task(name="zoom_xblock.tasks.send_learner_messages", **RETRY)
def send_learner_messages(session_id: int) -> dict:
    """E-mail the session's learners what they are due (edx-ace), each event once."""
    return emails.dispatch(session_id)


@shared_task(name="zoom_xblock.tasks.refresh_zoom_directory", **RETRY)
def refresh_zoom_directory(emails: list | None = None, account: str | None = None) -> dict:
    """Ask Zoom about the Webinar plan of ``account`` and these people's licences in it, and
    cache the answers for the Studio editor (which never calls Zoom itself). A message queued
    without ``account`` (before sites had several accounts) is about the default account."""
    return directory.refresh(emails or [], account)


@shared_task(name="zoom_xblock.tasks.check_health", **RETRY)
def check_health() -> dict:
    """Run the operator's check (``zoom_check``) and store it for the staff and author banner."""
    report = health.run_check()
    return {"problems": [problem.code for problem in report.problems]}
