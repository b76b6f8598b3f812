"""The fake platform's data: courses, blocks, enrollments, roles, grades, completions, cohorts.

Tests (and the benchmark) fill it with the helpers below; the fake modules read it. Rows carry
the field names of the upstream models they stand for.
"""
import copy
import itertools
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from opaque_keys.edx.keys import CourseKey, UsageKey
from xblock.completable import XBlockCompletionMode


@dataclass
class Course:
    """What access.py reads of a CourseBlock / CourseOverview."""

    id: CourseKey
    start: datetime | None = None
    end: datetime | None = None
    days_early_for_beta: int | None = None
    pre_requisite_courses: list = field(default_factory=list)
    audit_access_days: int | None = None  # course_duration_limits' access duration, or off
    display_name: str = "Course"

    @property
    def location(self):
        return self.id.make_usage_key("course", "course")


@dataclass
class Block:
    """A modulestore block: the fields access.py and gating read."""

    location: UsageKey
    display_name: str = ""
    start: datetime | None = None
    visible_to_staff_only: bool = False
    merged_group_access: dict = field(default_factory=dict)  # {partition id: [group ids]}
    days_early_for_beta: int | None = None
    children: list = field(default_factory=list)
    completion_mode: str = XBlockCompletionMode.COMPLETABLE
    bound_user_id: int | None = None

    @property
    def category(self) -> str:
        return self.location.block_type

    def get_children(self):
        return [STATE.blocks[key] for key in self.children]

    def bound_copy(self, user_id: int, overrides: dict):
        bound = copy.copy(self)
        for name, value in overrides.items():
            setattr(bound, name, value)
        bound.bound_user_id = user_id
        return bound


@dataclass
class Row:
    """One row of a fake table (attributes named as upstream)."""

    id: int
    values: dict

    def __getattr__(self, name):
        try:
            return self.__dict__["values"][name]
        except KeyError:
            raise AttributeError(name) from None


class State:
    """Everything the fake platform knows; one instance, reset per test."""

    def __init__(self):
        self.courses, self.blocks = {}, {}
        self.enrollments, self.roles, self.grades, self.completions = [], [], [], []
        self.cohorts = []
        self.passed = set()  # (user_id, course_key): course prerequisites fulfilled
        self.overrides = {}  # (usage_key, user_id): fields the bound block has for that user
        self.preferences = {}  # (user_id, key): value
        self.request_cache = {}
        self._ids = itertools.count(1)

    def _row(self, **values) -> Row:
        return Row(id=next(self._ids), values=values)

    def add_course(self, course_key: str, **fields) -> Course:
        course = Course(id=CourseKey.from_string(course_key), **fields)
        self.courses[course.id] = course
        return course

    def add_block(self, usage_key: str, children=(), **fields) -> Block:
        block = Block(location=UsageKey.from_string(usage_key),
                      children=[UsageKey.from_string(k) for k in children], **fields)
        self.blocks[block.location] = block
        return block

    def enroll(self, user, course_key: str, mode: str = "audit", created=None, active=True):
        self.enrollments.append(self._row(
            user=user, user_id=user.id, course_id=CourseKey.from_string(course_key), mode=mode,
            is_active=active, created=created or timezone.now()))

    def add_role(self, user, role: str, course_key: str | None = None, org: str = ""):
        key = CourseKey.from_string(course_key) if course_key else None
        self.roles.append(self._row(user=user, user_id=user.id, role=role, course_id=key,
                                    org=key.org if key else org))

    def grade(self, user, usage_key: str, earned: float, possible: float, override=None):
        key = UsageKey.from_string(usage_key)
        self.grades.append(self._row(
            user_id=user.id, course_id=key.course_key, usage_key=key, earned_graded=earned,
            possible_graded=possible, override=override))

    def complete(self, user, block_key: str, completion: float = 1.0):
        key = UsageKey.from_string(block_key)
        self.completions.append(self._row(user_id=user.id, context_key=key.course_key,
                                          block_key=key, completion=completion))

    def cohort(self, user, course_key: str, group_id: int):
        self.cohorts.append(self._row(user=user, user_id=user.id,
                                      course_id=CourseKey.from_string(course_key),
                                      group_id=group_id))


STATE = State()


def reset() -> State:
    """A fresh, empty platform."""
    global STATE  # pylint: disable=global-statement
    STATE = State()
    return STATE


def current() -> State:
    """The platform the fake modules read now."""
    return STATE
