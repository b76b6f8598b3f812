"""Fake ``common.djangoapps.student.models``: ``CourseEnrollment`` and ``CourseAccessRole``
(upstream fields: user, course_id, mode, is_active, created; user, org, course_id, role)."""
from tests.openedx_fakes import state
from tests.openedx_fakes.db import Manager


class CourseEnrollment:
    """common/djangoapps/student/models/course_enrollment.py"""

    objects = Manager("student_courseenrollment", lambda: state.current().enrollments)


class CourseAccessRole:
    """common/djangoapps/student/models/user.py"""

    objects = Manager("student_courseaccessrole", lambda: state.current().roles)
