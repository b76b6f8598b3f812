"""Tables that stand in for the platform's enrollments, roles, progress and scores.

Completion is edx-completion's own ``BlockCompletion`` (the real package is installed).
"""
from django.conf import settings
from django.db import models

KEY_LENGTH = 255


class Enrollment(models.Model):
    """A user's enrollment in a course (the platform's ``CourseEnrollment``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    course_key = models.CharField(max_length=KEY_LENGTH)
    mode = models.CharField(max_length=32, default="audit")
    is_active = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course_key"], name="standalone_enrollment"),
        ]
        indexes = [models.Index(fields=["course_key", "is_active"], name="standalone_enr_course")]


class CourseRole(models.Model):
    """A course staff role (the platform's ``CourseAccessRole``)."""

    STAFF = "staff"
    INSTRUCTOR = "instructor"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    course_key = models.CharField(max_length=KEY_LENGTH, db_index=True)
    role = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course_key", "role"], name="standalone_role"),
        ]


class Subsection(models.Model):
    """A subsection an author can pick as a prerequisite."""

    course_key = models.CharField(max_length=KEY_LENGTH, db_index=True)
    usage_key = models.CharField(max_length=KEY_LENGTH, unique=True)
    display_name = models.CharField(max_length=255)


class SubsectionProgress(models.Model):
    """A learner's score and completion in a subsection (what gating reads)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    usage_key = models.CharField(max_length=KEY_LENGTH)
    score_percent = models.FloatField(default=0)
    completion_percent = models.FloatField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "usage_key"], name="standalone_progress"),
        ]


class BlockScore(models.Model):
    """A score on a block (the platform's ``StudentModule`` grade, written by ``set_score``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    block_key = models.CharField(max_length=KEY_LENGTH)
    earned = models.FloatField()
    possible = models.FloatField()
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "block_key"], name="standalone_score"),
        ]
