"""The one door to Open edX.

Everything the plugin needs from the platform (who the user is, enrollments, course roles,
prerequisites, completion and grades) goes through the functions here. They check what they are
given, then ask the platform backend named by the ``ZOOM_XBLOCK_PLATFORM_BACKEND`` setting (a
dotted path to a class implementing :class:`~zoom_xblock.platform.protocol.PlatformBackend`):
by default :class:`~zoom_xblock.platform.openedx.OpenEdxPlatform`, which calls the LMS and
Studio lazily (imports inside functions, so the door imports anywhere). The workbench project
names its stand-in instead (``tests/standin``).
"""
import functools
import logging

from django.conf import settings
from django.utils.module_loading import import_string

from zoom_xblock.platform.data import (
    ANONYMOUS,
    AUDIT_EXPIRED,
    COURSE_NOT_STARTED,
    COURSE_PREREQUISITE,
    COURSE_REFUSED,
    ENROLLMENT_REQUIRED,
    WORKBENCH_COURSE_KEY,
    CourseAccess,
    NotVisibleYet,
    PlatformUser,
    PrerequisiteStatus,
    PublishedZoomBlock,
    Requirement,
    unmet_requirement,
)
from zoom_xblock.platform.protocol import PlatformBackend

__all__ = [  # the door: its functions and the values they answer with
    "ANONYMOUS", "AUDIT_EXPIRED", "COURSE_NOT_STARTED", "COURSE_PREREQUISITE", "COURSE_REFUSED",
    "DEFAULT_BACKEND", "ENROLLMENT_REQUIRED", "WORKBENCH_COURSE_KEY", "CourseAccess",
    "NotVisibleYet", "PlatformBackend", "PlatformUser", "PrerequisiteStatus", "PublishedZoomBlock",
    "Requirement", "backend", "can_access_block", "completion_tracking_enabled", "course_access",
    "course_instructors", "course_key_for", "course_key_of_usage", "course_staff_ids",
    "current_user", "enrolled_learners", "get_user", "is_course_staff", "is_enrolled",
    "lms_root_url", "plain_usage_key", "prerequisite_status", "prerequisite_statuses",
    "publish_completion", "publish_grade", "published_zoom_blocks", "subsections",
    "time_zone_preference", "to_platform_user", "unmet_requirement", "update_block_fields",
    "usage_key_for", "user_from_request", "user_languages", "valid_time_zone",
]

DEFAULT_BACKEND = "zoom_xblock.platform.openedx.OpenEdxPlatform"
log = logging.getLogger(__name__)


def backend() -> PlatformBackend:
    """The platform backend of this process (``ZOOM_XBLOCK_PLATFORM_BACKEND``)."""
    return _backend(getattr(settings, "ZOOM_XBLOCK_PLATFORM_BACKEND", DEFAULT_BACKEND))


@functools.cache
def _backend(dotted_path: str) -> PlatformBackend:
    return import_string(dotted_path)()


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
    preferences = attrs.get("edx-platform.user_preferences") or {}
    return PlatformUser(
        id=int(user_id),
        username=attrs.get("edx-platform.username", ""),
        email=emails[0],
        full_name=getattr(xb_user, "full_name", "") or "",
        # common/djangoapps/xblock_django/user_service.py: ``user_is_staff`` is the course-staff
        # answer of the block's runtime (lms/djangoapps/courseware/block_render.py gives it
        # ``has_access(user, 'staff', block, course_key)``, which honours masquerading);
        # ``user_is_global_staff`` is the platform-wide flag.
        is_global_staff=bool(attrs.get("edx-platform.user_is_global_staff")),
        runtime_course_key=course_key_for(block),
        runtime_is_course_staff=bool(attrs.get("edx-platform.user_is_staff")),
        time_zone=valid_time_zone(preferences.get("time_zone")),
    )


def valid_time_zone(name) -> str:
    """``name`` when it is a time zone this Python knows, else "" (a preference is user input)."""
    if not name or not isinstance(name, str):
        return ""
    import zoneinfo  # pylint: disable=import-outside-toplevel

    try:
        zoneinfo.ZoneInfo(name)
    except (ValueError, zoneinfo.ZoneInfoNotFoundError):
        return ""
    return name


def time_zone_preference(user: PlatformUser) -> str:
    """The person's LMS time-zone preference ("" when unset or unknown here): from the block
    runtime when it gave one, else from the platform's preferences API."""
    if user.time_zone or not user.is_authenticated:
        return user.time_zone
    return valid_time_zone(backend().time_zone_preference(user.id))


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
    """True for course staff: the block runtime's answer for its own course (it honours "view as
    learner"), else global staff, course staff or instructors, and org staff or instructors."""
    if not user.is_authenticated:
        return False
    if user.runtime_is_course_staff is not None and user.runtime_course_key == str(course_key):
        return user.runtime_is_course_staff
    return user.is_global_staff or bool(course_staff_ids([user.id], course_key))


def course_staff_ids(user_ids, course_key: str) -> set[int]:
    """The users among ``user_ids`` who are course staff (course or org roles, or global staff),
    in one batch of queries."""
    user_ids = list(user_ids)
    if not user_ids:
        return set()
    return set(backend().course_staff_ids(user_ids, course_key))


def course_access(user: PlatformUser, course_key: str) -> CourseAccess:
    """The course-level check of lms/djangoapps/courseware/courses.py ``check_course_access``
    with ``check_if_enrolled``: enrollment, course dates, expired audit access and course
    prerequisites (staff pass)."""
    if not user.is_authenticated:
        return CourseAccess(False, ENROLLMENT_REQUIRED)
    return backend().course_access(user.id, course_key)


def course_instructors(course_key: str) -> list[PlatformUser]:
    """Course staff with an instructor role (webinar panelists)."""
    return backend().course_instructors(course_key)


def prerequisite_status(user_id: int, course_key: str, prerequisite: dict) -> PrerequisiteStatus:
    """Whether the learner meets the block's prerequisite (an empty one is always met)."""
    return prerequisite_statuses([user_id], course_key, prerequisite)[user_id]


def prerequisite_statuses(user_ids, course_key: str, prerequisite: dict
                          ) -> dict[int, PrerequisiteStatus]:
    """:func:`prerequisite_status` for many learners at once (one query per batch)."""
    user_ids = list(user_ids)
    if not prerequisite or not prerequisite.get("usage_key"):
        return {user_id: PrerequisiteStatus(met=True) for user_id in user_ids}
    return backend().prerequisite_statuses(user_ids, course_key, prerequisite)


def can_access_block(user_ids, usage_key: str, course_key: str, bound: bool = False) -> set[int]:
    """The learners among ``user_ids`` whom the platform lets see the block (cohorts and other
    groups, release dates and beta testers, staff-only content). ``bound``: check the block bound
    to the (single) learner, as Join does (xblock-lti-consumer's ``has_block_access``)."""
    user_ids = list(user_ids)
    if not user_ids:
        return set()
    return set(backend().can_access_block(user_ids, usage_key, course_key, bound=bound))


def published_zoom_blocks(course_key: str, under: str | None = None) -> list[PublishedZoomBlock]:
    """The Zoom blocks of the course's published branch (only those inside ``under``, a unit,
    subsection or section, when given). Studio's drafts are never part of the answer."""
    return backend().published_zoom_blocks(str(course_key), str(under) if under else None)


def plain_usage_key(usage_key) -> str:
    """A usage key as the plugin stores it: without the modulestore's branch and version (a
    Studio event may carry ``branch@draft-branch``; the LMS's keys have none)."""
    return str(_without_branch(usage_key))


def _without_branch(key):
    if callable(getattr(key, "for_branch", None)):
        key = key.for_branch(None)
    if callable(getattr(key, "version_agnostic", None)):
        key = key.version_agnostic()
    return key


def course_key_of_usage(usage_key) -> str:
    """The course of a usage key (an opaque key, or a string; the workbench's ids belong to
    its one demo course)."""
    key = getattr(usage_key, "course_key", None)
    if key is None:
        from opaque_keys import InvalidKeyError  # pylint: disable=import-outside-toplevel
        from opaque_keys.edx.keys import UsageKey  # pylint: disable=import-outside-toplevel

        try:
            key = UsageKey.from_string(str(usage_key)).course_key
        except InvalidKeyError:
            return getattr(settings, "ZOOM_XBLOCK_WORKBENCH_COURSE_KEY", WORKBENCH_COURSE_KEY)
    return str(_without_branch(key))


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


# --- Course content and preferences ---------------------------------------------------------------

def update_block_fields(usage_key: str, fields: dict) -> str:
    """Write settings fields of a block from a worker (a change adopted from Zoom).

    Returns "published" (learners see it now), "draft" (saved as a draft: the block had
    unpublished changes an author has not published, so publishing would release those too)
    or "missing" (no such block: nothing to write).
    """
    return backend().update_block_fields(usage_key, fields)


def user_languages(user_ids) -> dict[int, str]:
    """Each user's ``pref-lang`` preference (users without one are left out)."""
    user_ids = list(user_ids)
    return backend().user_languages(user_ids) if user_ids else {}


def lms_root_url() -> str:
    """Absolute root of the LMS, for links in e-mails and calendar files."""
    return getattr(settings, "LMS_ROOT_URL", "http://127.0.0.1:8000").rstrip("/")
