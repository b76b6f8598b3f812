"""Who may be in a session: enrolled, meeting the block's requirements, within capacity.

Answers carry reasons (and links) so that the learner sees what to do, staff see why someone is
not registered, and the sync registers exactly the eligible learners.
"""
from dataclasses import dataclass, field

from zoom_xblock import platform
from zoom_xblock.conf import get_config
from zoom_xblock.i18n import gettext as _
from zoom_xblock.models import ZoomSession
from zoom_xblock.sessions import prerequisite_of, prerequisite_unreadable

NOT_LOGGED_IN = "not_logged_in"
NOT_ENROLLED = "not_enrolled"
PREREQUISITE = "prerequisite"
NO_ACCESS = "no_access"


@dataclass(frozen=True)
class Eligibility:
    """Whether a person may register and join, and why not."""

    eligible: bool
    reason: str = ""
    requirements: list = field(default_factory=list)

    @property
    def message(self) -> str:
        """A sentence for the learner (and staff) explaining the reason."""
        return {
            "": "",
            NOT_LOGGED_IN: _("Sign in to join this session."),
            NOT_ENROLLED: _("Enroll in the course to join this session."),
            PREREQUISITE: _("Complete the requirements below to join this session."),
            NO_ACCESS: _("This session is not available to you."),
        }.get(self.reason, self.reason)


ELIGIBLE = Eligibility(True)


def requirements_enforced(session: ZoomSession) -> bool:
    """Access validation applies when the operator turned it on or the block has a prerequisite."""
    return bool(get_config().access_validation or prerequisite_of(session)
                or prerequisite_unreadable(session))


def for_learners(session: ZoomSession, user_ids) -> dict[int, Eligibility]:
    """Eligibility of enrolled learners (batched: one query for the prerequisite)."""
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
    accessible = platform.can_access_block(user_ids, session.usage_key, session.course_key)
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


def for_user(session: ZoomSession, user: platform.PlatformUser) -> Eligibility:
    """Eligibility of one person (the block's view and Join)."""
    if not user.is_authenticated:
        return Eligibility(False, NOT_LOGGED_IN)
    if not platform.is_enrolled(user.id, session.course_key):
        return Eligibility(False, NOT_ENROLLED)
    return for_learners(session, [user.id])[user.id]
