"""The Open edX backend of the platform door: the LMS's and Studio's own modules and models.

The default backend (``ZOOM_XBLOCK_PLATFORM_BACKEND``). Every platform module is imported inside
the method that needs it, so this module imports anywhere; each method names the upstream file
whose behaviour it relies on.
"""
from zoom_xblock.platform import plain_usage_key
from zoom_xblock.platform.data import (
    AUDIT_EXPIRED,
    COURSE_NOT_STARTED,
    COURSE_PREREQUISITE,
    COURSE_REFUSED,
    ENROLLMENT_REQUIRED,
    CourseAccess,
    NotVisibleYet,
    PlatformUser,
    PrerequisiteStatus,
    PublishedZoomBlock,
    unmet_requirement,
)

ENROLLMENT_CHUNK = 1000  # enrollment rows per query (keyset pages: memory stays flat)
READ_BATCH = 500  # learners per batched read (roles, grades, completion, users)


def chunks(items, size: int):
    """``items`` in lists of at most ``size``."""
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _restricts_learners(block, now) -> bool:
    """The block has a rule that depends on the learner (lms/djangoapps/courseware/access.py
    ``_has_access_descriptor``: staff-only, a release date not reached yet, which beta testers
    pass early, or group access through ``merged_group_access``: cohorts, enrollment tracks)."""
    start = getattr(block, "start", None)
    groups = getattr(block, "merged_group_access", None) or {}
    return bool(getattr(block, "visible_to_staff_only", False)
                or (start is not None and start > now)
                or any(ids is False or ids for ids in groups.values()))


class OpenEdxPlatform:  # pylint: disable=import-outside-toplevel
    """The platform calls (:class:`~zoom_xblock.platform.protocol.PlatformBackend`), answered by
    the Open edX platform (LMS/CMS processes and workers).

    Calls about many learners are batched: users, course roles, persisted subsection grades and
    completions are read ``READ_BATCH`` learners per query, enrollments ``ENROLLMENT_CHUNK`` rows
    per query. tests/openedx_fakes/ replaces these platform modules at the import boundary, with
    their upstream signatures, and counts the queries.
    """

    @staticmethod
    def _user_model():
        from django.contrib.auth import get_user_model

        return get_user_model()

    @staticmethod
    def full_name(user) -> str:
        profile = getattr(user, "profile", None)
        return (getattr(profile, "name", "") or user.get_full_name() or "").strip()

    @classmethod
    def _to_user(cls, user) -> PlatformUser:
        return PlatformUser(
            id=user.id, username=user.username, email=user.email,
            full_name=cls.full_name(user), is_global_staff=bool(user.is_staff),
        )

    @classmethod
    def get_user(cls, user_id):
        user = cls._user_model().objects.filter(id=user_id, is_active=True).first()
        return cls._to_user(user) if user else None

    @staticmethod
    def _course_key(course_key):
        from opaque_keys.edx.keys import CourseKey

        return CourseKey.from_string(str(course_key))

    @classmethod
    def is_enrolled(cls, user_id, course_key):
        from common.djangoapps.student.models import CourseEnrollment

        return CourseEnrollment.objects.filter(
            user_id=user_id, course_id=cls._course_key(course_key), is_active=True
        ).exists()

    @classmethod
    def enrolled_learners(cls, course_key, user_ids=None):
        """Active enrollments in pages of ``ENROLLMENT_CHUNK`` rows, oldest first (by id)."""
        from common.djangoapps.student.models import CourseEnrollment

        rows = CourseEnrollment.objects.filter(
            course_id=cls._course_key(course_key), is_active=True, user__is_active=True
        ).select_related("user", "user__profile").order_by("id")
        if user_ids is not None:
            return [cls._to_user(row.user) for chunk in chunks(user_ids, READ_BATCH)
                    for row in rows.filter(user_id__in=chunk)]
        learners, last_id = [], 0
        while True:
            page = list(rows.filter(id__gt=last_id)[:ENROLLMENT_CHUNK])
            learners.extend(cls._to_user(row.user) for row in page)
            if len(page) < ENROLLMENT_CHUNK:
                return learners
            last_id = page[-1].id

    @classmethod
    def _staff_roles(cls, key):
        """The roles that make someone course staff (lms/djangoapps/courseware/access.py
        ``_has_access_to_course``: course staff or instructor, org staff or instructor)."""
        from common.djangoapps.student.roles import (
            CourseInstructorRole,
            CourseStaffRole,
            OrgInstructorRole,
            OrgStaffRole,
        )

        return (CourseStaffRole(key), CourseInstructorRole(key), OrgStaffRole(key.org),
                OrgInstructorRole(key.org))

    @classmethod
    def course_staff_ids(cls, user_ids, course_key):
        """Global staff plus course and org staff or instructors: one query for the users and
        one for their roles (``BulkRoleCache.prefetch``) per batch."""
        from common.djangoapps.student.roles import BulkRoleCache

        roles = cls._staff_roles(cls._course_key(course_key))
        staff = set()
        for chunk in chunks(user_ids, READ_BATCH):
            users = list(cls._user_model().objects.filter(id__in=chunk))
            BulkRoleCache.prefetch(users)
            staff.update(user.id for user in users
                         if user.is_staff or any(role.has_user(user) for role in roles))
        return staff

    @classmethod
    def course_instructors(cls, course_key):
        from common.djangoapps.student.roles import CourseInstructorRole, OrgInstructorRole

        key = cls._course_key(course_key)
        users = {user.id: user for role in (CourseInstructorRole(key), OrgInstructorRole(key.org))
                 for user in role.users_with_role()}
        return [cls._to_user(users[user_id]) for user_id in sorted(users)]

    @classmethod
    def time_zone_preference(cls, user_id):
        """openedx/core/djangoapps/user_api/preferences/api.py ``get_user_preference``."""
        from openedx.core.djangoapps.user_api.preferences.api import get_user_preference

        user = cls._user_model().objects.filter(id=user_id).first()
        return (get_user_preference(user, "time_zone") or "") if user else ""

    @classmethod
    def course_access(cls, user_id, course_key):
        """lms/djangoapps/courseware/courses.py ``check_course_access(course, user, 'load',
        check_if_enrolled=True, check_if_authenticated=True)``, as xblock-lti-consumer's
        ``has_block_access`` calls it."""
        from lms.djangoapps.courseware.courses import check_course_access
        from openedx.core.lib.courses import get_course_by_id

        user = cls._user_model().objects.filter(id=user_id, is_active=True).first()
        if user is None:
            return CourseAccess(False, ENROLLMENT_REQUIRED)
        try:
            course = get_course_by_id(cls._course_key(course_key))
        except Exception:  # pylint: disable=broad-except
            return CourseAccess(False, COURSE_REFUSED)  # Http404: no such course (any more)
        response = check_course_access(course, user, "load", check_if_enrolled=True,
                                       check_if_authenticated=True)
        if response:
            return CourseAccess(True)
        code = getattr(response, "error_code", "") or ""
        known = (COURSE_NOT_STARTED, AUDIT_EXPIRED, COURSE_PREREQUISITE, ENROLLMENT_REQUIRED)
        message = (getattr(response, "additional_context_user_message", None)
                   or getattr(response, "user_message", None) or "")
        return CourseAccess(False, code if code in known else COURSE_REFUSED, str(message))

    @classmethod
    def prerequisite_statuses(cls, user_ids, course_key, prerequisite):
        """The persisted subsection grades (lms/djangoapps/grades/models.py
        ``PersistentSubsectionGrade``, read as its ``read_grade`` does, for a whole batch) and the
        completions of the subsection's completable blocks (the rule of
        openedx/core/lib/gating/api.py ``get_subsection_completion_percentage``): one query each
        per batch. Never ``gating_api.get_subsection_grade_percentage``, which computes and
        writes a persisted grade per learner."""
        from django.urls import reverse
        from opaque_keys.edx.keys import UsageKey

        subsection = UsageKey.from_string(prerequisite["usage_key"])
        min_score = float(prerequisite.get("min_score") or 0)
        min_completion = float(prerequisite.get("min_completion") or 0)
        completable = cls._completable_blocks(subsection) if min_completion else []
        scores, done = {}, {}
        for chunk in chunks(user_ids, READ_BATCH):
            if min_score:
                scores.update(cls._grade_percentages(chunk, subsection))
            if min_completion:
                done.update(cls._completion_percentages(chunk, subsection.course_key,
                                                        completable))
        url = reverse("jump_to", kwargs={"course_id": str(subsection.course_key),
                                         "location": str(subsection)})
        name = prerequisite.get("display_name") or str(subsection)
        answers = {}
        for user_id in user_ids:
            score = scores.get(user_id, 0.0) if min_score else 100.0
            completion = done.get(user_id, 0.0) if min_completion else 100.0
            if score >= min_score and completion >= min_completion:
                answers[user_id] = PrerequisiteStatus(met=True)
            else:
                answers[user_id] = PrerequisiteStatus(met=False, unmet=[unmet_requirement(
                    name, url, min_score, score, min_completion, completion)])
        return answers

    @staticmethod
    def _grade_percentages(user_ids, subsection) -> dict[int, float]:
        """Percent graded of each learner's persisted grade (0 when none is stored): earned over
        possible, overrides first, rounded as lms/djangoapps/grades/scores.py
        ``compute_percent`` does."""
        from lms.djangoapps.grades.models import PersistentSubsectionGrade

        percentages = {}
        rows = PersistentSubsectionGrade.objects.select_related("override").filter(
            user_id__in=list(user_ids), course_id=subsection.course_key, usage_key=subsection)
        for grade in rows:
            override = getattr(grade, "override", None)
            earned, possible = grade.earned_graded, grade.possible_graded
            if override is not None:
                if getattr(override, "earned_graded_override", None) is not None:
                    earned = override.earned_graded_override
                if getattr(override, "possible_graded_override", None) is not None:
                    possible = override.possible_graded_override
            percentages[grade.user_id] = (round(earned / possible, 2) * 100) if possible else 0.0
        return percentages

    @staticmethod
    def _completable_blocks(subsection) -> list:
        """The subsection's blocks that count for completion (gating's rule: not aggregators,
        not excluded, never html), read once from the modulestore."""
        from xblock.completable import XBlockCompletionMode
        from xmodule.modulestore.django import modulestore
        from xmodule.modulestore.exceptions import ItemNotFoundError

        try:
            root = modulestore().get_item(subsection, depth=None)
        except ItemNotFoundError:
            return []
        keys, pending = [], list(root.get_children())
        while pending:
            block = pending.pop(0)
            mode = XBlockCompletionMode.get_mode(block)
            if mode == XBlockCompletionMode.AGGREGATOR:
                pending.extend(block.get_children())
            elif mode != XBlockCompletionMode.EXCLUDED and block.location.block_type != "html":
                keys.append(block.location)
        return keys

    @staticmethod
    def _completion_percentages(user_ids, course_key, completable) -> dict[int, float]:
        if not completable:
            return dict.fromkeys(user_ids, 100.0)
        from completion.models import BlockCompletion

        totals = dict.fromkeys(user_ids, 0.0)
        for user_id, value in BlockCompletion.objects.filter(
                user_id__in=list(user_ids), context_key=course_key,
                block_key__in=completable).values_list("user_id", "completion"):
            totals[user_id] += value
        return {user_id: min(100 * total / len(completable), 100.0)
                for user_id, total in totals.items()}

    @classmethod
    def can_access_block(cls, user_ids, usage_key, course_key, bound=False):
        """``has_access(user, 'load', block, course_key)``: skipped when the block has no rule
        that depends on the learner; roles and cohorts are prefetched per batch so that its
        checks do not query per learner; ``bound`` binds the block to the learner first (in a
        request), as xblock-lti-consumer's ``load_block_as_user`` does."""
        from django.utils import timezone
        from lms.djangoapps.courseware.access import has_access
        from opaque_keys.edx.keys import UsageKey
        from xmodule.modulestore.django import modulestore
        from xmodule.modulestore.exceptions import ItemNotFoundError

        try:
            block = modulestore().get_item(UsageKey.from_string(usage_key))
        except ItemNotFoundError as error:
            # Saved in Studio, never published: the LMS has no such block. A request (bound)
            # answers "nobody"; the sync says "not visible yet" rather than cancel everyone.
            if bound:
                return set()
            raise NotVisibleYet(usage_key) from error
        key = cls._course_key(course_key)
        if not bound and not _restricts_learners(block, timezone.now()):
            return set(user_ids)  # no rule depends on the learner: no check to make
        from common.djangoapps.student.roles import BulkRoleCache
        from openedx.core.djangoapps.course_groups.cohorts import bulk_cache_cohorts

        allowed = set()
        for chunk in chunks(user_ids, READ_BATCH):
            users = [user for user in cls._user_model().objects.filter(id__in=chunk)
                     if user.is_active]
            BulkRoleCache.prefetch(users)  # has_access's staff and beta-tester checks
            bulk_cache_cohorts(key, users)  # its cohort partition checks
            for user in users:
                target = cls._bound(block, user, key) if bound else block
                if target is not None and has_access(user, "load", target, key):
                    allowed.add(user.id)
        return allowed

    @staticmethod
    def _bound(block, user, course_key):
        """The block bound to ``user`` in the current request (None: the LMS refused to load
        it for them); outside a request, the block as read."""
        from crum import get_current_request
        from lms.djangoapps.courseware.block_render import get_block_for_descriptor

        request = get_current_request()
        if request is None:
            return block
        return get_block_for_descriptor(user, request, block, None, course_key)

    @classmethod
    def published_zoom_blocks(cls, course_key, under=None):
        from xblock.fields import Scope
        from xmodule.modulestore import ModuleStoreEnum
        from xmodule.modulestore.django import modulestore

        store = modulestore()
        key = cls._course_key(course_key)
        # One read of the whole published course (the CMS's default branch is the draft one).
        with store.branch_setting(ModuleStoreEnum.Branch.published_only, key):
            course = store.get_course(key, depth=None)
            if course is None:
                return []
            found, stack = [], [(course, ())]
            while stack:
                block, ancestors = stack.pop()
                location = plain_usage_key(block.location)
                if block.location.block_type == "zoom":
                    fields = {name: field.read_json(block) for name, field in block.fields.items()
                              if field.scope == Scope.settings and field.is_set_on(block)}
                    found.append(PublishedZoomBlock(location, str(key), fields, ancestors))
                if getattr(block, "has_children", False):
                    inner = (location, *ancestors)
                    stack.extend((child, inner) for child in block.get_children())
        return [block for block in found if under is None or under == block.usage_key
                or under in block.ancestors]

    @classmethod
    def subsections(cls, course_key):
        from xmodule.modulestore.django import modulestore

        blocks = modulestore().get_items(cls._course_key(course_key),
                                         qualifiers={"category": "sequential"})
        return [{"usage_key": str(b.location), "display_name": b.display_name} for b in blocks]

    @classmethod
    def update_block_fields(cls, usage_key, fields):
        """xmodule/modulestore/mixed.py: ``update_item(xblock, user_id)`` writes the draft and
        ``publish(location, user_id)`` publishes it (sending XBLOCK_PUBLISHED), under the
        ``draft_preferred`` branch setting as Studio's own handlers do
        (cms/djangoapps/contentstore/views/block.py)."""
        from opaque_keys.edx.keys import UsageKey
        from xmodule.modulestore import ModuleStoreEnum
        from xmodule.modulestore.django import modulestore
        from xmodule.modulestore.exceptions import ItemNotFoundError

        key = UsageKey.from_string(usage_key)
        store = modulestore()
        user_id = ModuleStoreEnum.UserID.mgmt_command
        with store.branch_setting(ModuleStoreEnum.Branch.draft_preferred, key.course_key):
            try:
                block = store.get_item(key)
            except ItemNotFoundError:
                return "missing"
            publish = store.has_published_version(block) and not store.has_changes(block)
            for name, value in fields.items():
                setattr(block, name, value)
            store.update_item(block, user_id)
            if publish:
                store.publish(key, user_id)
                return "published"
        return "draft"

    @classmethod
    def user_languages(cls, user_ids):
        """openedx/core/djangoapps/user_api/models.py ``UserPreference`` rows ``pref-lang``."""
        from openedx.core.djangoapps.user_api.models import UserPreference

        rows = UserPreference.objects.filter(user_id__in=user_ids, key="pref-lang")
        return {row.user_id: row.value for row in rows if row.value}

    @classmethod
    def publish_completion(cls, user_id, usage_key, completion):
        # edx-completion's worker-side API (completion/models.py submit_completion).
        from completion.models import BlockCompletion
        from opaque_keys.edx.keys import UsageKey

        user = cls._user_model().objects.get(id=user_id)
        BlockCompletion.objects.submit_completion(
            user=user, block_key=UsageKey.from_string(usage_key), completion=completion)

    @classmethod
    def publish_grade(cls, user_id, usage_key, earned, possible):
        # As xblock-lti-consumer's plugin/compat.py (publish_grade, load_enough_xblock): the
        # block from the modulestore and SCORE_PUBLISHED, whose receiver (grades/signals/
        # handlers.py score_published_handler) stores the score with set_score and sends
        # PROBLEM_WEIGHTED_SCORE_CHANGED with the row's real modified time.
        from lms.djangoapps.grades.api import signals as grades_signals
        from opaque_keys.edx.keys import UsageKey
        from xmodule.modulestore.django import modulestore

        block = modulestore().get_item(UsageKey.from_string(usage_key))
        user = cls._user_model().objects.get(id=user_id)
        grades_signals.SCORE_PUBLISHED.send(
            sender=None, block=block, user=user, raw_earned=earned, raw_possible=possible,
            only_if_higher=False, score_deleted=False, grader_response=None,
        )
