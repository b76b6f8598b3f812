"""Who may be in a session: enrolled, meeting the block's requirements, within capacity.

Answers carry reasons (and links) so that the learner sees what to do, staff see why someone is
not registered, and the sync registers exactly the eligible learners.
"""
from dataclasses import dataclass, field

from zoom_xblock import platform
from zoom_xblock.conf import get_config
from zoom_xblock.i18n import gettext as _
from zoom_xblock.models import ZoomSession
from zoom_xblock.session_values import prerequisite_of, prerequisite_unreadable

NOT_LOGGED_IN = "not_logged_in"
NOT_ENROLLED = "not_enrolled"
PREREQUISITE = "prerequisite"
NO_ACCESS = "no_access"
COURSE_NOT_STARTED = "course_not_started"
AUDIT_EXPIRED = "audit_expired"
COURSE_PREREQUISITE = "course_prerequisite"
# The platform's course-level refusals (zoom_xblock.platform.CourseAccess.reason) as ours.
COURSE_REASONS = {
    platform.ENROLLMENT_REQUIRED: NOT_ENROLLED,
    platform.COURSE_NOT_STARTED: COURSE_NOT_STARTED,
    platform.AUDIT_EXPIRED: AUDIT_EXPIRED,
    platform.COURSE_PREREQUISITE: COURSE_PREREQUISITE,
}


@dataclass(frozen=True)
class Eligibility:
    """Whether a person may register and join, and why not."""

    eligible: bool
    reason: str = ""
    requirements: list = field(default_factory=list)
    detail: str = ""  # the platform's own explanation, when it gives one

    @property
    def message(self) -> str:
        """A sentence for the learner (and staff) explaining the reason."""
        sentence = {
            "": "",
            NOT_LOGGED_IN: _("Sign in to join this session."),
            NOT_ENROLLED: _("Enroll in the course to join this session."),
            PREREQUISITE: _("Complete the requirements below to join this session."),
            NO_ACCESS: _("This session is not available to you."),
            COURSE_NOT_STARTED: _("The course has not started yet: you can join its sessions "
                                  "once it starts."),
            AUDIT_EXPIRED: _("Your audit access to this course has expired: upgrade to join "
                             "this session."),
            COURSE_PREREQUISITE: _("Complete the course's prerequisite courses to join this "
                                   "session."),
        }.get(self.reason, self.reason)
        return f"{sentence} {self.detail}".strip() if self.detail else sentence


ELIGIBLE = Eligibility(True)


def requirements_enforced(session: ZoomSession) -> bool:
    """Access validation applies when the operator turned it on or the block has a prerequisite."""
    return bool(get_config().access_validation or prerequisite_of(session)
                or prerequisite_unreadable(session))


def for_learners(session: ZoomSession, user_ids, bound: bool = False) -> dict[int, Eligibility]:
    """Eligibility of enrolled learners (batched: a few queries per batch of learners).
    ``bound``: the block check runs on the block bound to the (single) learner."""
    user_ids = list(user_ids)
    if not requirements_enforced(session):
        return dict.fromkeys(user_ids, ELIGIBLE)
    if prerequisite_unreadable(session):  # fail closed: it cannot be checked
        unreadable = Eligibility(False, PREREQUISITE, [platform.Requirement(
            name=_("The session's prerequisite"),
            detail=_("It can no longer be read; the course staff must choose it again."))])
        return dict.fromkeys(user_ids, unreadable)
    statuses = platform.prerequisite_statuses(user_ids, session.course_key,
                                              prerequisite_of(session))
    accessible = platform.can_access_block(user_ids, session.usage_key, session.course_key,
                                           bound=bound)
    answers = {}
    for user_id in user_ids:
        status = statuses[user_id]
        if user_id not in accessible:
            answers[user_id] = Eligibility(False, NO_ACCESS)
        elif not status.met:
            answers[user_id] = Eligibility(False, PREREQUISITE, list(status.unmet))
        else:
            answers[user_id] = ELIGIBLE
    return answers


def for_user(session: ZoomSession, user: platform.PlatformUser,
             course_check: bool = False) -> Eligibility:
    """Eligibility of one person (the block's view and Join). ``course_check`` (Join) adds the
    course-level check the LMS makes before showing courseware, with enrollment: course dates,
    expired audit access, course prerequisites (xblock-lti-consumer ``has_block_access``), and
    checks the block bound to the learner."""
    if not user.is_authenticated:
        return Eligibility(False, NOT_LOGGED_IN)
    if not platform.is_enrolled(user.id, session.course_key):
        return Eligibility(False, NOT_ENROLLED)
    if course_check:
        course = platform.course_access(user, session.course_key)
        if not course.allowed:
            return Eligibility(False, COURSE_REASONS.get(course.reason, NO_ACCESS),
                               detail=course.message)
    try:
        return for_learners(session, [user.id], bound=course_check)[user.id]
    except platform.NotVisibleYet:  # not published: the LMS shows it to nobody yet
        return Eligibility(False, NO_ACCESS)
