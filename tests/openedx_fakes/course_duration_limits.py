"""Fake ``openedx.features.course_duration_limits.access``: audit access that expires."""
from datetime import timedelta

from django.utils import timezone

from tests.openedx_fakes import state
from tests.openedx_fakes.access_response import ACCESS_GRANTED, AccessError
from tests.openedx_fakes.student_models import CourseEnrollment


class AuditExpiredError(AccessError):
    def __init__(self, user, course, expiration_date):
        message = f"Your access to this course expired on {expiration_date:%b %d, %Y}"
        super().__init__("audit_expired", f"User {user.id} had access to {course.id} until "
                         f"{expiration_date}", message, additional_context_user_message=message)


def get_user_course_expiration_date(user, course):
    """Enrollment (or course start, if later) plus the access duration; None when not audit."""
    if state.current().courses.get(course.id) is None or course.audit_access_days is None:
        return None
    enrollment = CourseEnrollment.objects.filter(user_id=user.id, course_id=course.id,
                                                 is_active=True).first()
    if enrollment is None or enrollment.mode != "audit":
        return None
    began = max(enrollment.created, course.start) if course.start else enrollment.created
    return began + timedelta(days=course.audit_access_days)


def check_course_expired(user, course):
    expiration = get_user_course_expiration_date(user, course)
    if expiration and timezone.now() > expiration:
        return AuditExpiredError(user, course, expiration)
    return ACCESS_GRANTED
