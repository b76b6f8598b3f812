"""What the platform door answers with: people, course access, prerequisites, published blocks.

Plain values, shared by the door (:mod:`zoom_xblock.platform`), the backends and their callers.
"""
from dataclasses import dataclass, field

WORKBENCH_COURSE_KEY = "course-v1:Demo+Zoom+2026"


@dataclass(frozen=True)
class PlatformUser:
    """What the plugin needs to know about a person."""

    id: int
    username: str
    email: str
    full_name: str = ""
    is_authenticated: bool = True
    is_global_staff: bool = False
    # The LMS runtime's own answer to "is this person course staff here" (opt_attrs
    # ``edx-platform.user_is_staff``: course roles, org roles and global staff, and False while
    # staff "view as learner"), for the course of the block that asked; None elsewhere.
    runtime_course_key: str = ""
    runtime_is_course_staff: bool | None = None
    # The learner's LMS time-zone preference (``edx-platform.user_preferences['time_zone']``).
    time_zone: str = ""

    @property
    def first_name(self) -> str:
        """Zoom wants first and last names; a full name is split at its first space."""
        return (self.full_name or self.username).split(" ", 1)[0][:64]

    @property
    def last_name(self) -> str:
        parts = (self.full_name or "").split(" ", 1)
        return parts[1][:64] if len(parts) > 1 else ""


ANONYMOUS = PlatformUser(id=0, username="", email="", is_authenticated=False)

# Why the platform refuses a person the course (lms/djangoapps/courseware/access_response.py and
# openedx/features/course_duration_limits/access.py name these ``error_code`` values).
COURSE_NOT_STARTED = "course_not_started"
AUDIT_EXPIRED = "audit_expired"
COURSE_PREREQUISITE = "unfulfilled_milestones"
ENROLLMENT_REQUIRED = "enrollment_required"
COURSE_REFUSED = "course_refused"


@dataclass(frozen=True)
class CourseAccess:
    """The course-level answer (``check_course_access`` with enrollment): allowed, or why not,
    with the platform's own message when it has one."""

    allowed: bool
    reason: str = ""
    message: str = ""


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


@dataclass(frozen=True)
class PublishedZoomBlock:
    """A Zoom block as the published branch of the course has it (what the LMS shows)."""

    usage_key: str
    course_key: str
    fields: dict  # the block's Scope.settings fields that are set, as JSON values
    ancestors: tuple = ()  # usage keys of its unit, subsection, section, ..., nearest first


class NotVisibleYet(Exception):
    """The block is saved in Studio but not published: the LMS cannot load it yet."""


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
