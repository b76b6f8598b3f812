"""What a platform backend must answer: every call the door (:mod:`zoom_xblock.platform`) makes.

Two backends implement all of it: :class:`zoom_xblock.platform.openedx.OpenEdxPlatform` (the
LMS and Studio, their workers) and the workbench's stand-in (``tests/standin``). The door
checks its arguments first (anonymous users, empty lists, empty prerequisites), so a backend is
only asked real questions. A backend reads course and usage keys with ``str()``: callers pass
strings or opaque keys.
"""
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from zoom_xblock.platform.data import (
    CourseAccess,
    PlatformUser,
    PrerequisiteStatus,
    PublishedZoomBlock,
)


@runtime_checkable
class PlatformBackend(Protocol):
    """The platform's answers about people, courses, content and progress."""

    # --- People ---------------------------------------------------------------------------------

    def get_user(self, user_id: int) -> PlatformUser | None:
        """The active user with this id, or None (no such user, or deactivated)."""

    def full_name(self, user) -> str:
        """The full name of a Django ``User`` as the platform shows it ("" when none)."""

    def time_zone_preference(self, user_id: int) -> str:
        """The user's ``time_zone`` preference, "" when unset (the door checks the name)."""

    def user_languages(self, user_ids: list[int]) -> dict[int, str]:
        """Each user's ``pref-lang`` preference; users without one are left out."""

    # --- Courses --------------------------------------------------------------------------------

    def is_enrolled(self, user_id: int, course_key: str) -> bool:
        """True when the user has an active enrollment in the course."""

    def enrolled_learners(self, course_key: str,
                          user_ids: Iterable[int] | None = None) -> list[PlatformUser]:
        """The active users actively enrolled in the course (only those among ``user_ids``
        when given), oldest enrollment first."""

    def course_staff_ids(self, user_ids: list[int], course_key: str) -> set[int]:
        """The active users among ``user_ids`` who are course staff: global staff, course or
        org staff, course or org instructors (never beta testers)."""

    def course_instructors(self, course_key: str) -> list[PlatformUser]:
        """The users with an instructor role in the course or its org, by id."""

    def course_access(self, user_id: int, course_key: str) -> CourseAccess:
        """The course-level check (``check_course_access`` with enrollment): started, course
        prerequisites passed, audit access not expired, enrolled; course staff pass."""

    def prerequisite_statuses(self, user_ids: list[int], course_key: str,
                              prerequisite: dict) -> dict[int, PrerequisiteStatus]:
        """For each learner, whether they meet ``prerequisite`` (``usage_key`` of a
        subsection, ``min_score`` and ``min_completion`` in percent), and what is missing."""

    def subsections(self, course_key: str) -> list[dict]:
        """The course's subsections, ``[{usage_key, display_name}]``."""

    # --- Content --------------------------------------------------------------------------------

    def can_access_block(self, user_ids: list[int], usage_key: str, course_key: str,
                         bound: bool = False) -> set[int]:
        """The users among ``user_ids`` whom the platform lets load the block (groups, release
        dates and beta testers, staff-only content; staff pass). A block the published branch
        does not have: nobody when ``bound`` (a request), else raise ``NotVisibleYet``."""

    def published_zoom_blocks(self, course_key: str,
                              under: str | None = None) -> list[PublishedZoomBlock]:
        """The Zoom blocks of the course's published branch, only those inside ``under`` (a
        usage key) when given."""

    def update_block_fields(self, usage_key: str, fields: dict) -> str:
        """Write settings fields of a block from a worker: "published" (live now), "draft"
        (saved as a draft because the block has unpublished changes) or "missing"."""

    # --- Progress -------------------------------------------------------------------------------

    def publish_completion(self, user_id: int, usage_key: str, completion: float) -> None:
        """Store the user's completion of the block, from a worker (raises what the platform
        raises; the door has checked that completion tracking is on)."""

    def publish_grade(self, user_id: int, usage_key: str, earned: float,
                      possible: float) -> None:
        """Give the user a score on the block, from a worker (raises what the platform
        raises)."""
