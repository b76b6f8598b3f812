"""Fake ``openedx.core.lib.courses``: ``get_course_by_id(course_key, depth=0)`` (Http404)."""
from django.http import Http404

from tests.openedx_fakes import state
from tests.openedx_fakes.db import LEDGER


def get_course_by_id(course_key, depth=0):  # pylint: disable=unused-argument
    LEDGER.call("get_course_by_id")
    course = state.current().courses.get(course_key)
    if course is None:
        raise Http404(f"Course not found: {course_key}")
    return course
