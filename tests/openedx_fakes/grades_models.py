"""Fake ``lms.djangoapps.grades.models``: ``PersistentSubsectionGrade`` (user_id, course_id,
usage_key, earned_graded, possible_graded; ``override`` with ``earned_graded_override`` and
``possible_graded_override``). Reading is all this fake allows: a compute-and-write path (the
gating API's ``get_subsection_grade_percentage``) would fail here."""
from tests.openedx_fakes import state
from tests.openedx_fakes.db import Manager


class PersistentSubsectionGrade:
    objects = Manager("grades_persistentsubsectiongrade", lambda: state.current().grades)
