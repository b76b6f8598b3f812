"""Signal receivers: platform events become durable intent plus one debounced nudge per session.

A receiver runs inside the platform's request (and its transaction): it never calls Zoom and
never loops over learners. It marks the course's sessions as needing a sync (one UPDATE, the
durable part: the periodic sweep finds it even if the broker is down) and, after commit, asks
Celery for one debounced sync per session.
"""
import logging

from django.db import transaction

from zoom_xblock import intents, platform
from zoom_xblock.meeting import sessions

log = logging.getLogger(__name__)


def _course_key_of(enrollment) -> str | None:
    course = getattr(enrollment, "course", None)
    key = getattr(course, "course_key", None)
    return str(key) if key is not None else None


def enrollment_changed(signal=None, sender=None, enrollment=None, metadata=None, **kwargs):
    """COURSE_ENROLLMENT_CREATED / _CHANGED / COURSE_UNENROLLMENT_COMPLETED."""
    course_key = _course_key_of(enrollment)
    if course_key:
        intents.request_course_sync(course_key, trigger="enrollment")


def grade_changed(signal=None, sender=None, grade=None, metadata=None, **kwargs):
    """PERSISTENT_GRADE_SUMMARY_CHANGED: one learner's prerequisite may have become met (or
    unmet): re-check that learner, not the course (``PersistentCourseGradeData.user_id``)."""
    course = getattr(grade, "course", None)
    key = getattr(course, "course_key", None)
    user_id = getattr(grade, "user_id", None)
    if key is not None and user_id:
        intents.request_learner_sync(int(user_id), str(key), trigger="progress")


def passing_status_changed(signal=None, sender=None, course_passing_status=None, metadata=None,
                           **kwargs):
    """COURSE_PASSING_STATUS_UPDATED: re-check that learner in that course
    (``CoursePassingStatusData.user``)."""
    course = getattr(course_passing_status, "course", None)
    key = getattr(course, "course_key", None)
    user_id = getattr(getattr(course_passing_status, "user", None), "id", None)
    if key is not None and user_id:
        intents.request_learner_sync(int(user_id), str(key), trigger="progress")


def user_logged_in(sender=None, request=None, user=None, **kwargs):
    """Django's login signal: sync the sessions of the learner's courses (one query).

    Django sends it with ``send``, inside the login request (and its transaction): a failure
    here must never break a login, so it is logged and the sweep catches up, and the work runs
    in its own savepoint so that a database error leaves the login's transaction usable.
    """
    if user is None or not getattr(user, "id", None):
        return
    try:
        with transaction.atomic():
            intents.request_user_sync(user.id, trigger="login")
    except Exception:  # pylint: disable=broad-except
        log.exception("Could not record the login of user %s; the periodic sweep will sync",
                      user.id)


def user_retired(sender=None, user=None, **kwargs):
    """The platform's retirement signals (USER_RETIRE_LMS_MISC / _CRITICAL): forget the
    person (see :mod:`zoom_xblock.learners.retirement`)."""
    from zoom_xblock.learners import retirement  # pylint: disable=import-outside-toplevel

    if user is not None and getattr(user, "id", None):
        retirement.purge_user(user.id, getattr(user, "email", ""))


def block_published(signal=None, sender=None, xblock_info=None, metadata=None, **kwargs):
    """XBLOCK_PUBLISHED (xmodule/modulestore/mixed.py ``publish``): it names the published item,
    usually a unit, never each block inside it; a task finds the Zoom blocks under it."""
    if xblock_info is None:
        return
    course_key = platform.course_key_of_usage(xblock_info.usage_key)
    when = getattr(metadata, "time", None)
    intents.request_publish(course_key, platform.plain_usage_key(xblock_info.usage_key),
                            when.isoformat() if when else "")


def block_deleted(signal=None, sender=None, xblock_info=None, metadata=None, **kwargs):
    """XBLOCK_DELETED (xmodule/modulestore/mixed.py ``delete_item``): sent for the deleted item
    only, so a deleted unit, subsection or section says nothing about the Zoom blocks inside;
    a task checks which of them the published course no longer shows."""
    if xblock_info is None:
        return
    intents.request_removal(platform.course_key_of_usage(xblock_info.usage_key),
                            platform.plain_usage_key(xblock_info.usage_key))


def course_deleted(sender=None, course_key=None, **kwargs):
    """``xmodule.modulestore.django.COURSE_DELETED`` (``SignalHandler.course_deleted``, sent by
    the modulestore in Studio): no XBLOCK_DELETED is sent for a deleted course's blocks."""
    if course_key is not None:
        intents.request_removal(str(course_key), "")


def course_import_completed(signal=None, sender=None, course=None, metadata=None, **kwargs):
    """COURSE_IMPORT_COMPLETED: an import publishes without XBLOCK_PUBLISHED; reconcile."""
    key = getattr(course, "course_key", None)
    if key is not None:
        intents.request_publish(str(key), "", "")


def block_duplicated(signal=None, sender=None, xblock_info=None, metadata=None, **kwargs):
    """XBLOCK_DUPLICATED: the copy must get its own meeting, never share the source's."""
    if xblock_info is not None and getattr(xblock_info, "block_type", "") == "zoom":
        sessions.copy_session(str(xblock_info.source_usage_key), str(xblock_info.usage_key),
                             str(xblock_info.usage_key.course_key))
