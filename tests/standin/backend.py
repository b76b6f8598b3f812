"""The stand-in platform backend: the platform door's calls answered from the stand-in tables.

The workbench project names it (``ZOOM_XBLOCK_PLATFORM_BACKEND``). Each call behaves as the
upstream code it names, for the cases the plugin meets.
"""
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from opaque_keys import InvalidKeyError
from opaque_keys.edx.keys import CourseKey, UsageKey

from tests.standin import grades, outline
from tests.standin.models import (
    BlockAccess,
    CohortMembership,
    CoursePass,
    CourseRole,
    CourseRun,
    Enrollment,
    Subsection,
    SubsectionProgress,
    UserPreference,
)
from zoom_xblock.platform import (
    AUDIT_EXPIRED,
    COURSE_NOT_STARTED,
    COURSE_PREREQUISITE,
    ENROLLMENT_REQUIRED,
    WORKBENCH_COURSE_KEY,
    CourseAccess,
    NotVisibleYet,
    PlatformUser,
    PrerequisiteStatus,
    unmet_requirement,
)


class StandInPlatform:
    """The :class:`~zoom_xblock.platform.protocol.PlatformBackend` of the workbench."""

    # --- People ---------------------------------------------------------------------------------

    @staticmethod
    def get_user(user_id):
        """The active user with this id, or None."""
        user = get_user_model().objects.filter(id=user_id, is_active=True).first()
        return _to_user(user) if user else None

    @staticmethod
    def full_name(user) -> str:
        """The user's full name."""
        return user.get_full_name().strip()

    @staticmethod
    def time_zone_preference(user_id) -> str:
        """The ``time_zone`` preference of a user, "" when unset
        (openedx/core/djangoapps/user_api/preferences/api.py ``get_user_preference``)."""
        row = UserPreference.objects.filter(user_id=user_id, key="time_zone").first()
        return row.value if row else ""

    @staticmethod
    def user_languages(user_ids):
        """``pref-lang`` of each user who set one."""
        rows = UserPreference.objects.filter(user_id__in=list(user_ids), key="pref-lang")
        return {row.user_id: row.value for row in rows if row.value}

    # --- Courses --------------------------------------------------------------------------------

    @staticmethod
    def is_enrolled(user_id, course_key):
        """True for an active enrollment."""
        return Enrollment.objects.filter(
            user_id=user_id, course_key=str(course_key), is_active=True
        ).exists()

    @staticmethod
    def enrolled_learners(course_key, user_ids=None):
        """Active enrollments, oldest first."""
        rows = Enrollment.objects.filter(course_key=str(course_key), is_active=True,
                                         user__is_active=True)
        if user_ids is not None:
            rows = rows.filter(user_id__in=list(user_ids))
        return [_to_user(row.user)
                for row in rows.select_related("user").order_by("created", "id")]

    @staticmethod
    def course_staff_ids(user_ids, course_key):
        """Global staff, course and org staff or instructors (lms/djangoapps/courseware/
        access.py ``_has_access_to_course``), among active users: two queries."""
        user_ids = list(user_ids)
        roles = CourseRole.objects.filter(_roles(course_key, CourseRole.STAFF_ROLES),
                                          user_id__in=user_ids, user__is_active=True)
        return set(roles.values_list("user_id", flat=True)) | set(
            get_user_model().objects.filter(id__in=user_ids, is_staff=True, is_active=True)
            .values_list("id", flat=True))

    @staticmethod
    def course_instructors(course_key):
        """Users with the instructor role in the course or its org."""
        rows = CourseRole.objects.filter(_roles(course_key, [CourseRole.INSTRUCTOR]))
        users = {row.user_id: row.user for row in rows.select_related("user")}
        return [_to_user(users[user_id]) for user_id in sorted(users)]

    @staticmethod
    def course_access(user_id, course_key):
        """lms/djangoapps/courseware/courses.py ``check_course_access(course, user, 'load',
        check_if_enrolled=True, check_if_authenticated=True)``, in its order: the course has
        started (beta testers early), course prerequisites passed
        (``_can_view_courseware_with_prerequisites``), audit access not expired
        (course_duration_limits ``check_course_expired``), then enrolled; course staff pass
        every check."""
        if is_course_staff(user_id, course_key):
            return CourseAccess(True)
        run = CourseRun.objects.filter(course_key=str(course_key)).first()
        enrollment = Enrollment.objects.filter(user_id=user_id, course_key=str(course_key),
                                               is_active=True).first()
        now = timezone.now()
        if run is not None:
            beta = bool(_beta_testers([user_id], course_key))
            if not _started_for(run.start, run.days_early_for_beta, beta, now):
                return CourseAccess(False, COURSE_NOT_STARTED)
            missing = set(run.prerequisite_course_keys or []) - set(CoursePass.objects.filter(
                user_id=user_id, course_key__in=run.prerequisite_course_keys or []
            ).values_list("course_key", flat=True))
            if missing:
                return CourseAccess(False, COURSE_PREREQUISITE)
            if (enrollment is not None and enrollment.mode == "audit"
                    and run.audit_access_days is not None):
                began = max(enrollment.created, run.start) if run.start else enrollment.created
                if now > began + timedelta(days=run.audit_access_days):
                    return CourseAccess(False, AUDIT_EXPIRED)
        if enrollment is None:
            return CourseAccess(False, ENROLLMENT_REQUIRED)
        return CourseAccess(True)

    @staticmethod
    def prerequisite_statuses(user_ids, course_key, prerequisite):
        """Compare each learner's progress in the referenced subsection with the minimums."""
        usage_key = prerequisite["usage_key"]
        progress = {row.user_id: row for row in SubsectionProgress.objects.filter(
            user_id__in=list(user_ids), usage_key=usage_key)}
        subsection = Subsection.objects.filter(usage_key=usage_key).first()
        name = subsection.display_name if subsection else usage_key
        min_score = float(prerequisite.get("min_score") or 0)
        min_completion = float(prerequisite.get("min_completion") or 0)
        answers = {}
        for user_id in user_ids:
            row = progress.get(user_id)
            score = row.score_percent if row else 0.0
            done = row.completion_percent if row else 0.0
            if score >= min_score and done >= min_completion:
                answers[user_id] = PrerequisiteStatus(met=True)
                continue
            url = f"/demo/subsection/{usage_key}"
            answers[user_id] = PrerequisiteStatus(met=False, unmet=[unmet_requirement(
                name, url, min_score, score, min_completion, done)])
        return answers

    @staticmethod
    def subsections(course_key):
        """Subsections of the course."""
        rows = Subsection.objects.filter(course_key=str(course_key)).order_by("id")
        return [{"usage_key": row.usage_key, "display_name": row.display_name} for row in rows]

    # --- Content --------------------------------------------------------------------------------

    @staticmethod
    def can_access_block(user_ids, usage_key, course_key, bound=False):
        """lms/djangoapps/courseware/access.py ``_has_access_descriptor`` 'load', in its order:
        group access (a cohort; staff pass), staff pass, staff-only content, the release date
        (beta testers early). A handful of queries for any number of learners. A block the
        published branch does not have is one the LMS cannot load (``ItemNotFoundError``):
        nobody, in a request (``bound``); "not visible yet" for the sync."""
        user_ids = list(user_ids)
        if not outline.is_published(str(usage_key)):
            if bound:
                return set()
            raise NotVisibleYet(usage_key)
        rule = BlockAccess.objects.filter(usage_key=usage_key).first()
        if rule is None:
            return set(user_ids)
        staff = StandInPlatform.course_staff_ids(user_ids, course_key)
        learners = [uid for uid in user_ids if uid not in staff]
        if rule.cohort:
            learners = list(CohortMembership.objects.filter(
                course_key=str(course_key), name=rule.cohort, user_id__in=learners
            ).values_list("user_id", flat=True))
        if rule.visible_to_staff_only:
            return staff
        if rule.start is not None and rule.start > timezone.now():
            run = CourseRun.objects.filter(course_key=str(course_key)).first()
            days = run.days_early_for_beta if run else None
            beta = _beta_testers(learners, course_key)
            now = timezone.now()
            learners = [uid for uid in learners
                        if _started_for(rule.start, days, uid in beta, now)]
        return staff | set(learners)

    @staticmethod
    def published_zoom_blocks(course_key, under=None):
        """The Zoom blocks of the course's published branch (the stand-in modulestore)."""
        return outline.published_zoom_blocks(str(course_key), under)

    @staticmethod
    def update_block_fields(usage_key, fields):
        """Write the block's settings fields in the workbench's field storage (its
        ``WorkbenchDjangoKeyValueStore``): the workbench has no draft, so the change is live."""
        from workbench.runtime import WORKBENCH_KVS  # pylint: disable=import-outside-toplevel
        from xblock.fields import Scope  # pylint: disable=import-outside-toplevel
        from xblock.runtime import KeyValueStore  # pylint: disable=import-outside-toplevel

        if str(usage_key).count(".") < 3:
            return "missing"  # not a workbench usage ({scenario}.{type}.d{n}.u{n}): no block
        for name, value in fields.items():
            WORKBENCH_KVS.set(KeyValueStore.Key(scope=Scope.settings, user_id=None,
                                                block_scope_id=str(usage_key), field_name=name),
                              value)
        return "published"

    # --- Progress -------------------------------------------------------------------------------

    @staticmethod
    def publish_completion(user_id, usage_key, completion):
        """Store completion with edx-completion itself, as the LMS does from a worker."""
        from completion.models import BlockCompletion  # pylint: disable=import-outside-toplevel

        BlockCompletion.objects.submit_completion(
            user=get_user_model().objects.get(id=user_id), block_key=block_key(usage_key),
            completion=completion)

    @staticmethod
    def publish_grade(user_id, usage_key, earned, possible):
        """Publish a score as the real backend does: ``SCORE_PUBLISHED`` with the block,
        answered by the stand-in grades app (:mod:`tests.standin.grades`)."""
        grades.SCORE_PUBLISHED.send(
            sender=None, block=grades.PublishedBlock(block_key(usage_key)),
            user=get_user_model().objects.get(id=user_id), raw_earned=earned,
            raw_possible=possible, only_if_higher=False, score_deleted=False,
            grader_response=None)


def is_course_staff(user_id, course_key) -> bool:
    """Course staff, in the sense of ``course_staff_ids`` (active accounts only, as upstream's
    ``common/djangoapps/student/roles.py`` ``RoleBase.has_user``): the workbench runtime's
    ``user_is_staff``."""
    return user_id in StandInPlatform.course_staff_ids([user_id], course_key)


def block_key(usage_key) -> UsageKey:
    """The block's key as the platform's tables want it. The workbench names its blocks
    ``zoom.0.d0.u0``, not ``block-v1:...``: those are filed under the demo course."""
    try:
        return UsageKey.from_string(str(usage_key))
    except InvalidKeyError:
        course_key = getattr(settings, "ZOOM_XBLOCK_WORKBENCH_COURSE_KEY", WORKBENCH_COURSE_KEY)
        return CourseKey.from_string(course_key).make_usage_key("zoom", str(usage_key))


def _to_user(user) -> PlatformUser:
    return PlatformUser(
        id=user.id, username=user.username, email=user.email,
        full_name=StandInPlatform.full_name(user), is_global_staff=bool(user.is_staff),
    )


def _org_of(course_key) -> str:
    return CourseKey.from_string(str(course_key)).org


def _roles(course_key, roles) -> Q:
    """Rows granting one of ``roles`` in the course: the course's own, or its org's (an org
    role has no course key), as common/djangoapps/student/roles.py ``RoleCache.has_role``."""
    return Q(role__in=roles) & (Q(course_key=str(course_key))
                                | Q(course_key="", org=_org_of(course_key)))


def _beta_testers(user_ids, course_key) -> set[int]:
    return set(CourseRole.objects.filter(
        course_key=str(course_key), role=CourseRole.BETA_TESTER, user_id__in=list(user_ids)
    ).values_list("user_id", flat=True))


def _started_for(start, days_early, is_beta_tester: bool, now) -> bool:
    """lms/djangoapps/courseware/access_utils.py ``check_start_date``: beta testers see
    content ``days_early_for_beta`` days before its start."""
    if start is None:
        return True
    if is_beta_tester and days_early:
        start -= timedelta(days=days_early)
    return now >= start
