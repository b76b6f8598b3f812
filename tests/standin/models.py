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
    """A course or org role (the platform's ``CourseAccessRole``, common/djangoapps/student/
    roles.py): ``course_key`` empty and ``org`` set is an org role (``OrgStaffRole``,
    ``OrgInstructorRole``), valid in every course of the org."""

    STAFF = "staff"
    INSTRUCTOR = "instructor"
    LIMITED_STAFF = "limited_staff"  # CourseLimitedStaffRole: inherits the staff role
    BETA_TESTER = "beta_testers"  # CourseBetaTesterRole: sees content early, not staff
    STAFF_ROLES = (STAFF, INSTRUCTOR, LIMITED_STAFF)

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    course_key = models.CharField(max_length=KEY_LENGTH, db_index=True, blank=True)
    org = models.CharField(max_length=64, blank=True, default="")
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


class CourseRun(models.Model):
    """What ``check_course_access`` reads about a course (lms/djangoapps/courseware/access.py
    ``_has_access_course``): its start, course prerequisites (common/djangoapps/util/
    milestones_helpers.py), the audit access duration (openedx/features/course_duration_limits/
    access.py) and how early beta testers see content (``days_early_for_beta``)."""

    course_key = models.CharField(max_length=KEY_LENGTH, unique=True)
    start = models.DateTimeField(null=True, blank=True)
    end = models.DateTimeField(null=True, blank=True)
    prerequisite_course_keys = models.JSONField(default=list, blank=True)
    audit_access_days = models.PositiveIntegerField(null=True, blank=True)
    days_early_for_beta = models.PositiveIntegerField(null=True, blank=True)


class CoursePass(models.Model):
    """A learner passed a course (the milestone a course prerequisite waits for)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    course_key = models.CharField(max_length=KEY_LENGTH)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course_key"], name="standalone_pass"),
        ]


class BlockAccess(models.Model):
    """Per-block access rules (xmodule's ``start``, ``visible_to_staff_only`` and
    ``group_access`` on a cohort partition)."""

    usage_key = models.CharField(max_length=KEY_LENGTH, unique=True)
    start = models.DateTimeField(null=True, blank=True)
    visible_to_staff_only = models.BooleanField(default=False)
    cohort = models.CharField(max_length=128, blank=True, default="")


class CohortMembership(models.Model):
    """A learner's cohort in a course (openedx/core/djangoapps/course_groups/models.py)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    course_key = models.CharField(max_length=KEY_LENGTH)
    name = models.CharField(max_length=128)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "course_key"], name="standalone_cohort"),
        ]


class UserPreference(models.Model):
    """A user preference (openedx/core/djangoapps/user_api/models.py ``UserPreference``)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key = models.CharField(max_length=255)
    value = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="standalone_preference"),
        ]


class OutlineItem(models.Model):
    """One block of a course in the modulestore's two branches, draft and published.

    Studio edits the draft branch; the LMS reads the published one (upstream:
    xmodule/modulestore/split_mongo/split_draft.py). The workbench keeps a Zoom block's draft
    fields in its own key-value store; ``published_fields`` is the published copy of them.
    """

    course_key = models.CharField(max_length=KEY_LENGTH, db_index=True)
    usage_key = models.CharField(max_length=KEY_LENGTH, unique=True)
    block_type = models.CharField(max_length=64)
    draft_parent = models.CharField(max_length=KEY_LENGTH, blank=True, default="",
                                    help_text="'' for a child of the course")
    in_draft = models.BooleanField(default=True)
    published_parent = models.CharField(max_length=KEY_LENGTH, blank=True, default="")
    in_published = models.BooleanField(default=False)
    published_fields = models.JSONField(default=dict, blank=True)
    position = models.PositiveIntegerField(default=0)
