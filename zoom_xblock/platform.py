"""The one door to Open edX.

Everything the plugin needs from the platform (who the user is, enrollments, course roles,
prerequisites, completion and grades) goes through the functions here. Inside the LMS/CMS they
call the platform lazily (imports inside functions, so this module imports anywhere); in the
workbench and the tests they use :mod:`zoom_xblock.standalone`, a small stand-in app with the
same behaviour. The choice is made by the ``ZOOM_XBLOCK_PLATFORM`` setting ("openedx" or
"standalone"); by default Open edX is used when its modules can be imported.
"""
import functools
import importlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model

WORKBENCH_COURSE_KEY = "course-v1:Demo+Zoom+2026"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlatformUser:
    """What the plugin needs to know about a person."""

    id: int
    username: str
    email: str
    full_name: str = ""
    is_authenticated: bool = True
    is_global_staff: bool = False

    @property
    def first_name(self) -> str:
        """Zoom wants first and last names; a full name is split at its first space."""
        return (self.full_name or self.username).split(" ", 1)[0][:64]

    @property
    def last_name(self) -> str:
        parts = (self.full_name or "").split(" ", 1)
        return parts[1][:64] if len(parts) > 1 else ""


ANONYMOUS = PlatformUser(id=0, username="", email="", is_authenticated=False)


@dataclass(frozen=True)
class Requirement:
    """One unmet prerequisite, shown to the learner with a link to where it can be met."""

    name: str
    url: str = ""
    detail: str = ""


@dataclass(frozen=True)
class PrerequisiteStatus:
    """Whether a learner meets a block's prerequisite, and what is missing if not."""

    met: bool
    unmet: list[Requirement] = field(default_factory=list)


@functools.cache
def _openedx_available() -> bool:
    try:
        importlib.import_module("common.djangoapps.student.models")
    except ImportError:
        return False
    return True


def backend():
    """The module that implements the platform calls for this process."""
    choice = getattr(settings, "ZOOM_XBLOCK_PLATFORM", "auto")
    if choice == "auto":
        choice = "openedx" if _openedx_available() else "standalone"
    if choice == "openedx":
        return OpenEdxPlatform
    from zoom_xblock.standalone import api  # pylint: disable=import-outside-toplevel

    return api


# --- Keys ---------------------------------------------------------------------------------------

def usage_key_for(block) -> str:
    """The block's usage key as a string (the key of its ZoomSession)."""
    return str(block.scope_ids.usage_id)


def course_key_for(block) -> str:
    """The course the block belongs to (the workbench has one demo course)."""
    course_key = getattr(block.scope_ids.usage_id, "course_key", None)
    if course_key is not None:
        return str(course_key)
    return getattr(settings, "ZOOM_XBLOCK_WORKBENCH_COURSE_KEY", WORKBENCH_COURSE_KEY)


# --- People -------------------------------------------------------------------------------------

def current_user(block) -> PlatformUser:
    """The person viewing the block, from the runtime's ``user`` service (LMS and workbench)."""
    service = block.runtime.service(block, "user")
    if service is None:
        return ANONYMOUS
    xb_user = service.get_current_user()
    attrs = getattr(xb_user, "opt_attrs", {}) or {}
    user_id = attrs.get("edx-platform.user_id")
    if not user_id or attrs.get("edx-platform.is_authenticated") is False:
        return ANONYMOUS
    emails = getattr(xb_user, "emails", None) or [""]
    return PlatformUser(
        id=int(user_id),
        username=attrs.get("edx-platform.username", ""),
        email=emails[0],
        full_name=getattr(xb_user, "full_name", "") or "",
        is_global_staff=bool(attrs.get("edx-platform.user_is_staff")),
    )


def get_user(user_id: int) -> PlatformUser | None:
    """The active user with this id, or None."""
    return backend().get_user(user_id)


def user_from_request(request) -> PlatformUser:
    """The user of a Django request (anonymous when not logged in)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return to_platform_user(user)


def to_platform_user(user) -> PlatformUser:
    """A Django ``User`` as a :class:`PlatformUser`."""
    full_name = backend().full_name(user)
    return PlatformUser(
        id=user.id,
        username=user.username,
        email=user.email,
        full_name=full_name,
        is_global_staff=bool(user.is_staff),
    )


# --- Courses --------------------------------------------------------------------------------------

def is_enrolled(user_id: int, course_key: str) -> bool:
    """True when the user has an active enrollment in the course."""
    return backend().is_enrolled(user_id, course_key)


def enrolled_learners(course_key: str, user_ids=None) -> list[PlatformUser]:
    """Active enrollments of the course (optionally only these users), oldest first."""
    return backend().enrolled_learners(course_key, user_ids)


def is_course_staff(user: PlatformUser, course_key: str) -> bool:
    """True for global staff and for course staff or instructors of this course."""
    if not user.is_authenticated:
        return False
    return user.is_global_staff or backend().is_course_staff(user.id, course_key)


def course_staff_ids(user_ids, course_key: str) -> set[int]:
    """The users among ``user_ids`` who are course staff (or global staff)."""
    user_ids = list(user_ids)
    if not user_ids:
        return set()
    return {uid for uid in user_ids if backend().is_course_staff(uid, course_key)} | set(
        get_user_model().objects.filter(id__in=user_ids, is_staff=True).values_list(
            "id", flat=True))


def course_instructors(course_key: str) -> list[PlatformUser]:
    """Course staff with an instructor role (webinar panelists)."""
    return backend().course_instructors(course_key)


def prerequisite_status(user_id: int, course_key: str, prerequisite: dict) -> PrerequisiteStatus:
    """Whether the learner meets the block's prerequisite (an empty one is always met)."""
    if not prerequisite or not prerequisite.get("usage_key"):
        return PrerequisiteStatus(met=True)
    return backend().prerequisite_status(user_id, course_key, prerequisite)


def prerequisite_statuses(user_ids, course_key: str, prerequisite: dict
                          ) -> dict[int, PrerequisiteStatus]:
    """:func:`prerequisite_status` for many learners at once (one query where possible)."""
    user_ids = list(user_ids)
    if not prerequisite or not prerequisite.get("usage_key"):
        return {user_id: PrerequisiteStatus(met=True) for user_id in user_ids}
    many = getattr(backend(), "prerequisite_statuses", None)
    if many is not None:
        return many(user_ids, course_key, prerequisite)
    return {user_id: backend().prerequisite_status(user_id, course_key, prerequisite)
            for user_id in user_ids}


def can_access_block(user_ids, usage_key: str, course_key: str) -> set[int]:
    """The learners among ``user_ids`` whom the platform lets see the block (access rules such
    as cohorts, enrollment tracks or release dates)."""
    user_ids = list(user_ids)
    check = getattr(backend(), "can_access_block", None)
    return set(user_ids) if check is None else check(user_ids, usage_key, course_key)


def subsections(course_key: str) -> list[dict]:
    """Subsections an author can choose as a prerequisite: ``[{usage_key, display_name}]``."""
    return backend().subsections(course_key)


# --- Progress -------------------------------------------------------------------------------------

def completion_tracking_enabled() -> bool:
    """edx-completion's ``completion.enable_completion_tracking`` switch (``completion/
    waffle.py``). Off, the platform keeps no completion: ``submit_completion`` raises."""
    try:
        from completion.waffle import ENABLE_COMPLETION_TRACKING_SWITCH  # pylint: disable=import-outside-toplevel
    except ImportError:
        return False
    return ENABLE_COMPLETION_TRACKING_SWITCH.is_enabled()


def publish_completion(user_id: int, usage_key: str, completion: float) -> bool:
    """Mark the block complete (1.0) or not for the user, from a worker.

    Returns False, having stored nothing, when completion tracking is off (``zoom_check`` says
    so); raises what the platform raises otherwise.
    """
    if not completion_tracking_enabled():
        log.info("Completion tracking is off: completion of %s for user %s not published",
                 usage_key, user_id)
        return False
    backend().publish_completion(user_id, usage_key, completion)
    return True


def publish_grade(user_id: int, usage_key: str, earned: float, possible: float) -> None:
    """Give the user a score on the block, from a worker (raises what the platform raises)."""
    backend().publish_grade(user_id, usage_key, earned, possible)


def lms_root_url() -> str:
    """Absolute root of the LMS, for links in e-mails and calendar files."""
    return getattr(settings, "LMS_ROOT_URL", "http://127.0.0.1:8000").rstrip("/")


class OpenEdxPlatform:  # pylint: disable=import-outside-toplevel
    """The calls above, answered by the Open edX platform (LMS/CMS processes and workers)."""

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
        user = cls._user_model().objects.filter(id=user_id, is_active=True).select_related(
            "profile").first()
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
        from common.djangoapps.student.models import CourseEnrollment

        rows = CourseEnrollment.objects.filter(
            course_id=cls._course_key(course_key), is_active=True, user__is_active=True
        )
        if user_ids is not None:
            rows = rows.filter(user_id__in=list(user_ids))
        rows = rows.select_related("user", "user__profile").order_by("created", "id")
        return [cls._to_user(row.user) for row in rows]

    @classmethod
    def is_course_staff(cls, user_id, course_key):
        from common.djangoapps.student.roles import CourseInstructorRole, CourseStaffRole

        user = cls._user_model().objects.filter(id=user_id).first()
        if user is None:
            return False
        key = cls._course_key(course_key)
        return CourseStaffRole(key).has_user(user) or CourseInstructorRole(key).has_user(user)

    @classmethod
    def course_instructors(cls, course_key):
        from common.djangoapps.student.roles import CourseInstructorRole

        users = CourseInstructorRole(cls._course_key(course_key)).users_with_role()
        return [cls._to_user(user) for user in users]

    @classmethod
    def prerequisite_status(cls, user_id, course_key, prerequisite):
        from django.urls import reverse
        from opaque_keys.edx.keys import UsageKey
        from openedx.core.lib.gating import api as gating_api

        user = cls._user_model().objects.get(id=user_id)
        subsection = UsageKey.from_string(prerequisite["usage_key"])
        min_score = float(prerequisite.get("min_score") or 0)
        min_completion = float(prerequisite.get("min_completion") or 0)
        score = gating_api.get_subsection_grade_percentage(subsection, user) if min_score else 100
        done = (gating_api.get_subsection_completion_percentage(subsection, user)
                if min_completion else 100)
        if score >= min_score and done >= min_completion:
            return PrerequisiteStatus(met=True)
        url = reverse("jump_to", kwargs={"course_id": str(subsection.course_key),
                                         "location": str(subsection)})
        name = prerequisite.get("display_name") or str(subsection)
        return PrerequisiteStatus(met=False, unmet=[unmet_requirement(name, url, min_score, score,
                                                                 min_completion, done)])

    @classmethod
    def can_access_block(cls, user_ids, usage_key, course_key):
        from lms.djangoapps.courseware.access import has_access
        from opaque_keys.edx.keys import UsageKey
        from xmodule.modulestore.django import modulestore

        block = modulestore().get_item(UsageKey.from_string(usage_key))
        users = cls._user_model().objects.filter(id__in=list(user_ids))
        key = cls._course_key(course_key)
        return {user.id for user in users if has_access(user, "load", block, key)}

    @classmethod
    def subsections(cls, course_key):
        from xmodule.modulestore.django import modulestore

        blocks = modulestore().get_items(cls._course_key(course_key),
                                         qualifiers={"category": "sequential"})
        return [{"usage_key": str(b.location), "display_name": b.display_name} for b in blocks]

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


def unmet_requirement(name, url, min_score, score, min_completion, done) -> Requirement:
    """An unmet prerequisite with a detail the learner can act on."""
    from zoom_xblock.i18n import gettext as _  # pylint: disable=import-outside-toplevel

    details = []
    if score < min_score:
        details.append(_("Score at least {minimum}% (now {current}%).").format(
            minimum=round(min_score), current=round(score)))
    if done < min_completion:
        details.append(_("Complete at least {minimum}% (now {current}%).").format(
            minimum=round(min_completion), current=round(done)))
    return Requirement(name=name, url=url, detail=" ".join(details))
