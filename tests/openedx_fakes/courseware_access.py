"""Fake ``lms.djangoapps.courseware.access``: ``has_access(user, action, obj, course_key=None)``
with upstream's order of checks for a course ('load': start date with beta testers early,
course prerequisites, audit expiry; staff pass) and for a block ('load': group access through
``merged_group_access``, staff pass, staff-only, release date with beta testers early)."""
from datetime import timedelta

from django.utils import timezone
from opaque_keys.edx.keys import CourseKey

from tests.openedx_fakes import state
from tests.openedx_fakes.access_response import (
    ACCESS_DENIED,
    ACCESS_GRANTED,
    IncorrectPartitionGroupError,
    MilestoneAccessError,
    StartDateError,
    VisibilityError,
)
from tests.openedx_fakes.cohorts import get_cohort
from tests.openedx_fakes.course_duration_limits import check_course_expired
from tests.openedx_fakes.db import LEDGER
from tests.openedx_fakes.student_roles import (
    CourseBetaTesterRole,
    CourseInstructorRole,
    CourseStaffRole,
    GlobalStaff,
    OrgInstructorRole,
    OrgStaffRole,
)


def _has_access_to_course(user, access_level, course_key):
    if not user.is_authenticated:
        return ACCESS_DENIED
    if GlobalStaff().has_user(user):
        return ACCESS_GRANTED
    roles = [CourseInstructorRole(course_key), OrgInstructorRole(course_key.org)]
    if access_level == "staff":
        roles += [CourseStaffRole(course_key), OrgStaffRole(course_key.org)]
    return ACCESS_GRANTED if any(role.has_user(user) for role in roles) else ACCESS_DENIED


def check_start_date(user, days_early_for_beta, start, course_key, display_error_to_user=True):
    """access_utils.check_start_date"""
    if start is None:
        return ACCESS_GRANTED
    if days_early_for_beta is not None and CourseBetaTesterRole(course_key).has_user(user):
        start = start - timedelta(days=days_early_for_beta)
    if timezone.now() < start:
        return StartDateError(start, display_error_to_user=display_error_to_user)
    return ACCESS_GRANTED


def _course_load(user, course):
    def staff():
        return _has_access_to_course(user, "staff", course.id)

    started = check_start_date(user, course.days_early_for_beta, course.start, course.id)
    if not started:
        return staff() or started
    if course.pre_requisite_courses:
        LEDGER.query("milestones_usermilestone")  # _can_view_courseware_with_prerequisites
        if any((user.id, str(key)) not in state.current().passed
               for key in course.pre_requisite_courses):
            return staff() or MilestoneAccessError()
    not_expired = check_course_expired(user, course)
    if not not_expired:
        return staff() or not_expired
    return ACCESS_GRANTED


def _group_access(user, block, course_key):
    if _has_access_to_course(user, "staff", course_key):
        return ACCESS_GRANTED
    for partition_id, group_ids in (block.merged_group_access or {}).items():
        if group_ids is False:
            return ACCESS_DENIED
        if group_ids:
            group = get_cohort(user, course_key, use_cached=True)
            if group not in group_ids:
                return IncorrectPartitionGroupError(partition_id, group, group_ids)
    return ACCESS_GRANTED


def _block_load(user, block, course_key):
    group = _group_access(user, block, course_key)
    if not group:
        return group
    staff = _has_access_to_course(user, "staff", course_key)
    if staff:
        return staff
    if block.visible_to_staff_only:
        return VisibilityError(display_error_to_user=False)
    return check_start_date(user, block.days_early_for_beta, block.start, course_key,
                            display_error_to_user=False)


def has_access(user, action, obj, course_key=None):
    """The upstream entry point (same signature)."""
    LEDGER.call(f"has_access:{action}")
    if isinstance(obj, CourseKey):
        return _has_access_to_course(user, action, obj)
    if isinstance(obj, state.Course):
        if action == "load":
            return _course_load(user, obj)
        return _has_access_to_course(user, action, obj.id)
    if action == "load":
        return _block_load(user, obj, course_key or obj.location.course_key)
    return _has_access_to_course(user, action, course_key or obj.location.course_key)
