"""Fake ``lms.djangoapps.courseware.courses``: ``check_course_access`` as upstream (non-staff
checks: has_access 'load', authentication, enrollment; then staff pass)."""
from tests.openedx_fakes.access_response import (
    AuthenticationRequiredAccessError,
    EnrollmentRequiredAccessError,
)
from tests.openedx_fakes.courseware_access import has_access
from tests.openedx_fakes.db import LEDGER
from tests.openedx_fakes.student_models import CourseEnrollment


def check_course_access(course, user, action, check_if_enrolled=False,
                        check_survey_complete=True, check_if_authenticated=False,
                        apply_enterprise_checks=False):  # pylint: disable=unused-argument
    LEDGER.call("check_course_access")

    def nonstaff():
        response = has_access(user, action, course, course.id)
        if not response:
            return response
        if check_if_authenticated and not user.is_authenticated:
            return AuthenticationRequiredAccessError()
        if check_if_enrolled and not CourseEnrollment.objects.filter(
                user_id=user.id, course_id=course.id, is_active=True).exists():
            return EnrollmentRequiredAccessError()
        return response

    response = nonstaff()
    if response:
        return response
    staff = has_access(user, "staff", course.id)
    return staff if staff else response
