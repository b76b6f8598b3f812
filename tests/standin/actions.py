"""What people do on the stand-in platform, with the events the platform sends for it.

Enrolling and unenrolling emit the real openedx-events signals, exactly as the platform's
``CourseEnrollment`` does; a subsection result emits the grades app's event. Used by the demo
(``demo_seed``, its "record a result" page) and the tests.
"""
from datetime import UTC, datetime

from django.db import transaction
from opaque_keys.edx.keys import CourseKey
from openedx_events.learning.data import (
    CourseData,
    CourseEnrollmentData,
    PersistentCourseGradeData,
    UserData,
    UserPersonalData,
)
from openedx_events.learning.signals import (
    COURSE_ENROLLMENT_CHANGED,
    COURSE_ENROLLMENT_CREATED,
    COURSE_UNENROLLMENT_COMPLETED,
    PERSISTENT_GRADE_SUMMARY_CHANGED,
)

from tests.standin.backend import StandInPlatform
from tests.standin.models import Enrollment, Subsection, SubsectionProgress


def _enrollment_data(enrollment: Enrollment) -> CourseEnrollmentData:
    user = enrollment.user
    return CourseEnrollmentData(
        user=UserData(
            id=user.id,
            is_active=user.is_active,
            pii=UserPersonalData(username=user.username, email=user.email,
                                 name=StandInPlatform.full_name(user)),
        ),
        course=CourseData(course_key=CourseKey.from_string(enrollment.course_key)),
        mode=enrollment.mode,
        is_active=enrollment.is_active,
        creation_date=enrollment.created or datetime.now(UTC),
    )


def enroll(user, course_key: str, mode: str = "audit") -> Enrollment:
    """Enroll (or re-activate) the user, emitting the same openedx-events as the platform."""
    with transaction.atomic():
        enrollment, created = Enrollment.objects.get_or_create(
            user=user, course_key=str(course_key), defaults={"mode": mode}
        )
        if not created and (not enrollment.is_active or enrollment.mode != mode):
            enrollment.is_active, enrollment.mode = True, mode
            enrollment.save(update_fields=["is_active", "mode"])
        data = _enrollment_data(enrollment)
        COURSE_ENROLLMENT_CHANGED.send_event(enrollment=data)
        if created:
            COURSE_ENROLLMENT_CREATED.send_event(enrollment=data)
    return enrollment


def unenroll(user, course_key: str) -> None:
    """Deactivate the enrollment, emitting the platform's unenrollment events."""
    with transaction.atomic():
        enrollment = Enrollment.objects.filter(user=user, course_key=str(course_key)).first()
        if enrollment is None or not enrollment.is_active:
            return
        enrollment.is_active = False
        enrollment.save(update_fields=["is_active"])
        data = _enrollment_data(enrollment)
        COURSE_ENROLLMENT_CHANGED.send_event(enrollment=data)
        COURSE_UNENROLLMENT_COMPLETED.send_event(enrollment=data)


def record_progress(user, usage_key: str, score_percent: float,
                    completion_percent: float = 100) -> SubsectionProgress:
    """Record a learner's result in a subsection and emit the grade event the platform's
    grades app would (the plugin re-checks prerequisites on it)."""
    subsection = Subsection.objects.get(usage_key=usage_key)
    with transaction.atomic():
        progress, _created = SubsectionProgress.objects.update_or_create(
            user=user, usage_key=usage_key,
            defaults={"score_percent": score_percent, "completion_percent": completion_percent})
        now = datetime.now(UTC)
        PERSISTENT_GRADE_SUMMARY_CHANGED.send_event(grade=PersistentCourseGradeData(
            user_id=user.id, course=CourseData(course_key=CourseKey.from_string(
                subsection.course_key)),
            course_edited_timestamp=now, course_version="", grading_policy_hash="",
            percent_grade=score_percent / 100, letter_grade="", passed_timestamp=now))
    return progress
