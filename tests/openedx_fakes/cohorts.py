"""Fake ``openedx.core.djangoapps.course_groups.cohorts``: one query per learner, unless
``bulk_cache_cohorts(course_key, users)`` cached a batch (one query)."""
from tests.openedx_fakes import state
from tests.openedx_fakes.db import LEDGER, Manager

CACHE = "cohorts.get_cohort"
MEMBERSHIPS = Manager("course_groups_cohortmembership", lambda: state.current().cohorts)


def bulk_cache_cohorts(course_key, users):
    LEDGER.call("bulk_cache_cohorts")
    cache = {(user.id, course_key): None for user in users}
    for row in MEMBERSHIPS.filter(user_id__in=[user.id for user in users], course_id=course_key):
        cache[(row.user_id, course_key)] = row.group_id
    state.current().request_cache[CACHE] = cache


def get_cohort(user, course_key, assign=True, use_cached=False):  # pylint: disable=unused-argument
    """The learner's cohort (a group id here), None without one."""
    cache = state.current().request_cache.get(CACHE, {})
    if (user.id, course_key) in cache:
        return cache[(user.id, course_key)]
    row = MEMBERSHIPS.filter(user_id=user.id, course_id=course_key).first()
    return row.group_id if row else None
