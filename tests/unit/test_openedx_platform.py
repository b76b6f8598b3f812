"""``OpenEdxPlatform`` against the platform faked at its import boundary (tests/openedx_fakes/).

Every method is called as the LMS would run it, through fakes with upstream's signatures; the
counts of queries per batch are the point of several tests: a real course has thousands of
learners, and a per-learner query (or a per-learner grade computation) does not scale.
"""
import sys
import types
from contextlib import contextmanager
from datetime import timedelta

import crum
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from xblock.completable import XBlockCompletionMode
from xblock.reference.user_service import XBlockUser

from tests.openedx_fakes import LEDGER, openedx_fixture
from zoom_xblock import platform
from zoom_xblock.platform import openedx as openedx_backend
from zoom_xblock.platform.openedx import OpenEdxPlatform

pytestmark = pytest.mark.django_db

COURSE = "course-v1:Org+Zoom+2026"
OTHER_ORG_COURSE = "course-v1:Else+Zoom+2026"
BLOCK = "block-v1:Org+Zoom+2026+type@zoom+block@live"
WEEK1 = "block-v1:Org+Zoom+2026+type@sequential+block@week1"


@pytest.fixture
def openedx(monkeypatch, settings):
    """The fake platform, installed for this test only."""
    state = openedx_fixture(monkeypatch, settings)
    state.add_course(COURSE)
    return state


def people(count: int, prefix: str = "learner", **fields):
    users = get_user_model().objects
    users.bulk_create([users.model(username=f"{prefix}{n}", email=f"{prefix}{n}@example.com",
                                   first_name="Ada", last_name=str(n), **fields)
                       for n in range(count)])
    return list(users.filter(username__startswith=prefix).order_by("id"))


@contextmanager
def counted():
    """Queries on the fake platform's tables (``LEDGER``) and on Django's (``.sql``)."""
    LEDGER.reset()
    with CaptureQueriesContext(connection) as sql:
        yield sql


def sql_on(sql, table: str) -> int:
    return sum(1 for query in sql.captured_queries if table in query["sql"])


# --- Enrollments ----------------------------------------------------------------------------

def test_enrollments_are_read_in_chunks_oldest_first(openedx, monkeypatch):
    monkeypatch.setattr(openedx_backend, "ENROLLMENT_CHUNK", 100)
    learners = people(250)
    for user in learners:
        openedx.enroll(user, COURSE)
    (gone,) = people(1, "gone")
    openedx.enroll(gone, COURSE, active=False)
    openedx.enroll(people(1, "elsewhere")[0], OTHER_ORG_COURSE)
    with counted():
        found = platform.enrolled_learners(COURSE)
    assert [user.id for user in found] == [user.id for user in learners]
    assert found[0].full_name == "Ada 0" and found[0].email == "learner0@example.com"
    assert LEDGER.queries["student_courseenrollment"] == 3  # 100 + 100 + 50


def test_enrollments_of_some_users_are_read_in_batches(openedx, monkeypatch):
    monkeypatch.setattr(openedx_backend, "READ_BATCH", 40)
    learners = people(100)
    for user in learners[:90]:
        openedx.enroll(user, COURSE)
    with counted():
        found = platform.enrolled_learners(COURSE, [user.id for user in learners])
    assert len(found) == 90 and LEDGER.queries["student_courseenrollment"] == 3
    assert platform.is_enrolled(learners[0].id, COURSE)
    assert not platform.is_enrolled(learners[95].id, COURSE)


# --- Course staff: course and org roles, the runtime's answer ---------------------------------

def test_course_staff_includes_org_roles_and_global_staff(openedx):
    (staff, limited, instructor, org_staff, org_instructor, other_org, beta, learner,
     inactive) = people(9, "person")
    (admin,) = people(1, "admin", is_staff=True)
    openedx.add_role(staff, "staff", COURSE)
    openedx.add_role(limited, "limited_staff", COURSE)
    openedx.add_role(instructor, "instructor", COURSE)
    openedx.add_role(org_staff, "staff", org="Org")
    openedx.add_role(org_instructor, "instructor", org="Org")
    openedx.add_role(other_org, "staff", org="Else")
    openedx.add_role(beta, "beta_testers", COURSE)
    openedx.add_role(inactive, "staff", COURSE)
    inactive.is_active = False
    inactive.save()
    everyone = [staff, limited, instructor, org_staff, org_instructor, other_org, beta, learner,
                inactive, admin]
    found = platform.course_staff_ids([user.id for user in everyone], COURSE)
    assert found == {staff.id, limited.id, instructor.id, org_staff.id, org_instructor.id,
                     admin.id}
    assert platform.course_staff_ids([other_org.id], OTHER_ORG_COURSE) == {other_org.id}
    assert OpenEdxPlatform.course_staff_ids([org_staff.id, beta.id], COURSE) == {org_staff.id}


def test_course_staff_of_many_users_costs_two_queries_per_batch(openedx, monkeypatch):
    monkeypatch.setattr(openedx_backend, "READ_BATCH", 50)
    users = people(120)
    for user in users[::10]:
        openedx.add_role(user, "staff", COURSE)
    with counted() as sql:
        found = platform.course_staff_ids([user.id for user in users], COURSE)
    assert len(found) == 12
    assert LEDGER.queries["student_courseaccessrole"] == 3  # BulkRoleCache.prefetch per batch
    assert sql_on(sql, "auth_user") == 3


def test_runtime_answer_is_the_course_staff_answer_for_its_course(openedx):
    (admin,) = people(1, "admin", is_staff=True)
    # "View as learner": the LMS runtime says not staff, although the user is global staff.
    viewer = platform.PlatformUser(id=admin.id, username=admin.username, email=admin.email,
                                   is_global_staff=True, runtime_course_key=COURSE,
                                   runtime_is_course_staff=False)
    assert not platform.is_course_staff(viewer, COURSE)
    assert platform.is_course_staff(viewer, OTHER_ORG_COURSE)  # another course: the roles
    (org_staff,) = people(1, "orgstaff")
    openedx.add_role(org_staff, "staff", org="Org")
    assert platform.is_course_staff(platform.to_platform_user(org_staff), COURSE)


def block_with_user(attrs: dict):
    user = XBlockUser(is_current_user=True, emails=["ada@example.com"], full_name="Ada L")
    user.opt_attrs.update(attrs)
    service = types.SimpleNamespace(get_current_user=lambda: user)
    runtime = types.SimpleNamespace(service=lambda block, name: service)
    usage = types.SimpleNamespace(course_key=COURSE)
    return types.SimpleNamespace(runtime=runtime, scope_ids=types.SimpleNamespace(usage_id=usage))


def test_current_user_reads_the_lms_opt_attrs():
    """common/djangoapps/xblock_django/user_service.py names these attributes."""
    block = block_with_user({
        "edx-platform.user_id": 7, "edx-platform.username": "ada",
        "edx-platform.is_authenticated": True, "edx-platform.user_is_staff": True,
        "edx-platform.user_is_global_staff": False,
        "edx-platform.user_preferences": {"time_zone": "America/Lima", "pref-lang": "es"}})
    user = platform.current_user(block)
    assert user.runtime_is_course_staff and not user.is_global_staff
    assert platform.is_course_staff(user, COURSE)
    assert user.time_zone == "America/Lima"
    broken = block_with_user({"edx-platform.user_id": 7, "edx-platform.user_is_staff": False,
                              "edx-platform.user_preferences": {"time_zone": "Mars/Olympus"}})
    user = platform.current_user(broken)
    assert user.time_zone == "" and not platform.is_course_staff(user, COURSE)


def test_instructors_include_org_instructors(openedx):
    course_instructor, org_instructor, staff = people(3, "teacher")
    openedx.add_role(course_instructor, "instructor", COURSE)
    openedx.add_role(org_instructor, "instructor", org="Org")
    openedx.add_role(staff, "staff", COURSE)
    found = platform.course_instructors(COURSE)
    assert {user.id for user in found} == {course_instructor.id, org_instructor.id}


# --- Prerequisites: persisted grades and completions, read in batches --------------------------

@pytest.fixture
def week1(openedx):
    problems = [f"block-v1:Org+Zoom+2026+type@problem+block@p{n}" for n in range(2)]
    vertical = "block-v1:Org+Zoom+2026+type@vertical+block@unit1"
    html = "block-v1:Org+Zoom+2026+type@html+block@notes"
    video = "block-v1:Org+Zoom+2026+type@video+block@intro"
    for key in problems:
        openedx.add_block(key)
    openedx.add_block(html)
    openedx.add_block(video, completion_mode=XBlockCompletionMode.EXCLUDED)
    openedx.add_block(vertical, children=[*problems, html, video],
                      completion_mode=XBlockCompletionMode.AGGREGATOR)
    openedx.add_block(WEEK1, children=[vertical], display_name="Week 1",
                      completion_mode=XBlockCompletionMode.AGGREGATOR)
    return problems


@pytest.fixture
def no_gating_api(monkeypatch):
    """openedx/core/lib/gating/api.py computes AND WRITES a persisted grade per learner
    (``get_subsection_grade_percentage``): the plugin must never call it."""
    trap = types.ModuleType("openedx.core.lib.gating.api")

    def refuse(*args, **kwargs):
        raise AssertionError("the gating API computes and writes grades: read them instead")

    trap.get_subsection_grade_percentage = trap.get_subsection_completion_percentage = refuse
    monkeypatch.setitem(sys.modules, "openedx.core.lib.gating.api", trap)


def test_prerequisite_reads_persisted_grades_and_completion(openedx, week1, no_gating_api):
    passing, failing, overridden, never, half_done = people(5)
    openedx.grade(passing, WEEK1, 7, 10)
    openedx.grade(failing, WEEK1, 3, 10)
    override = types.SimpleNamespace(earned_graded_override=9, possible_graded_override=None)
    openedx.grade(overridden, WEEK1, 1, 10, override=override)
    openedx.grade(half_done, WEEK1, 10, 10)
    for user in (passing, failing, overridden, never):
        for key in week1:
            openedx.complete(user, key)
    openedx.complete(half_done, week1[0])
    rule = {"usage_key": WEEK1, "min_score": 60, "min_completion": 100,
            "display_name": "Week 1"}
    users = [passing, failing, overridden, never, half_done]
    answers = platform.prerequisite_statuses([u.id for u in users], COURSE, rule)
    assert answers[passing.id].met and answers[overridden.id].met
    assert not answers[failing.id].met and not answers[never.id].met
    unmet = answers[half_done.id].unmet[0]
    assert not answers[half_done.id].met and "now 50%" in unmet.detail
    assert unmet.name == "Week 1" and unmet.url.endswith(f"/jump_to/{WEEK1}")
    assert "now 30%" in answers[failing.id].unmet[0].detail
    assert platform.prerequisite_status(passing.id, COURSE, rule).met


def test_prerequisite_of_many_learners_is_one_query_per_batch(openedx, week1, monkeypatch,
                                                              no_gating_api):
    monkeypatch.setattr(openedx_backend, "READ_BATCH", 100)
    users = people(250)
    for user in users[::2]:
        openedx.grade(user, WEEK1, 8, 10)
        openedx.complete(user, week1[0])
        openedx.complete(user, week1[1])
    rule = {"usage_key": WEEK1, "min_score": 60, "min_completion": 100}
    with counted() as sql:
        answers = platform.prerequisite_statuses([u.id for u in users], COURSE, rule)
    assert sum(answer.met for answer in answers.values()) == 125
    assert LEDGER.queries["grades_persistentsubsectiongrade"] == 3
    assert LEDGER.queries["completion_blockcompletion"] == 3
    assert LEDGER.calls["modulestore.get_item"] == 1  # the subsection's blocks, once
    assert len(sql.captured_queries) == 0  # no users needed


# --- Block access ------------------------------------------------------------------------------

def test_block_without_learner_rules_needs_no_access_check(openedx):
    openedx.add_block(BLOCK)
    users = people(30)
    with counted() as sql:
        allowed = platform.can_access_block([u.id for u in users], BLOCK, COURSE)
    assert allowed == {u.id for u in users}
    assert not any(name.startswith("has_access") for name in LEDGER.calls)
    assert LEDGER.total == 0 and not sql.captured_queries


def test_time_zone_preference_from_the_preferences_api(openedx):
    ada, bob = people(2)
    openedx.preferences[(ada.id, "time_zone")] = "Asia/Kolkata"
    openedx.preferences[(bob.id, "time_zone")] = "Nowhere/Land"
    assert platform.time_zone_preference(platform.to_platform_user(ada)) == "Asia/Kolkata"
    assert platform.time_zone_preference(platform.to_platform_user(bob)) == ""
    assert platform.time_zone_preference(platform.ANONYMOUS) == ""


def test_unpublished_block_is_seen_by_nobody(openedx):
    users = people(3)
    # In a request (Join, bound to the learner): nobody. For the sync: "not visible yet", so
    # that it neither fails nor cancels everyone (see tests/unit/test_lms_cms.py).
    assert platform.can_access_block([u.id for u in users], BLOCK, COURSE, bound=True) == set()
    with pytest.raises(platform.NotVisibleYet):
        platform.can_access_block([u.id for u in users], BLOCK, COURSE)


def test_block_rules_cohorts_staff_only_release_and_beta(openedx, monkeypatch):
    monkeypatch.setattr(openedx_backend, "READ_BATCH", 4)
    in_cohort, other_cohort, no_cohort, staff, beta, org_staff = people(6)
    openedx.cohort(in_cohort, COURSE, 1)
    openedx.cohort(other_cohort, COURSE, 2)
    openedx.cohort(beta, COURSE, 1)
    openedx.add_role(staff, "staff", COURSE)
    openedx.add_role(org_staff, "instructor", org="Org")
    openedx.add_role(beta, "beta_testers", COURSE)
    everyone = [u.id for u in (in_cohort, other_cohort, no_cohort, staff, beta, org_staff)]
    openedx.add_block(BLOCK, merged_group_access={50: [1]})
    with counted() as sql:
        assert platform.can_access_block(everyone, BLOCK, COURSE) == {
            in_cohort.id, staff.id, beta.id, org_staff.id}
    # Per batch of 4: one users query, one roles query, one cohorts query; none per learner.
    assert LEDGER.queries["student_courseaccessrole"] == 2
    assert LEDGER.queries["course_groups_cohortmembership"] == 2
    assert sql_on(sql, "auth_user") == 2
    openedx.add_block(BLOCK, visible_to_staff_only=True)
    assert platform.can_access_block(everyone, BLOCK, COURSE) == {staff.id, org_staff.id}
    openedx.add_block(BLOCK, start=timezone.now() + timedelta(days=2), days_early_for_beta=3)
    assert platform.can_access_block(everyone, BLOCK, COURSE) == {staff.id, beta.id,
                                                                 org_staff.id}


def test_bound_block_check_sees_the_learners_own_overrides(openedx):
    """lms/djangoapps/courseware/block_render.py: access is checked after binding, because a
    learner's field overrides (individual dates, CCX) change visibility."""
    early, late = people(2)
    openedx.add_block(BLOCK, start=timezone.now() - timedelta(days=1))
    openedx.overrides[(openedx.blocks[next(iter(openedx.blocks))].location, late.id)] = {
        "start": timezone.now() + timedelta(days=5)}
    ids = [early.id, late.id]
    assert platform.can_access_block(ids, BLOCK, COURSE) == {early.id, late.id}  # unbound
    crum.set_current_request(RequestFactory().get("/"))
    try:
        assert platform.can_access_block([late.id], BLOCK, COURSE, bound=True) == set()
        assert platform.can_access_block([early.id], BLOCK, COURSE, bound=True) == {early.id}
    finally:
        crum.set_current_request(None)
    assert LEDGER.calls["get_block_for_descriptor"] == 2


# --- The course-level check ---------------------------------------------------------------------

def test_course_access_follows_check_course_access(openedx):
    course = openedx.courses[next(iter(openedx.courses))]
    learner, beta, staff, verified, stranger = people(5)
    long_ago = timezone.now() - timedelta(days=60)
    for user in (learner, beta, staff):
        openedx.enroll(user, COURSE, created=long_ago)
    openedx.enroll(verified, COURSE, mode="verified", created=long_ago)
    openedx.add_role(beta, "beta_testers", COURSE)
    openedx.add_role(staff, "staff", org="Org")

    def answer(user):
        return platform.course_access(platform.to_platform_user(user), COURSE)

    assert answer(learner).allowed and not answer(stranger).allowed
    assert answer(stranger).reason == platform.ENROLLMENT_REQUIRED
    course.start, course.days_early_for_beta = timezone.now() + timedelta(days=2), 5
    refused = answer(learner)
    assert refused.reason == platform.COURSE_NOT_STARTED and "does not start" in refused.message
    assert answer(beta).allowed and answer(staff).allowed
    course.start = timezone.now() - timedelta(days=90)
    course.audit_access_days = 28
    assert answer(learner).reason == platform.AUDIT_EXPIRED  # 28 days after enrolling
    assert "expired" in answer(learner).message
    assert answer(verified).allowed and answer(staff).allowed
    course.audit_access_days = None
    course.pre_requisite_courses = ["course-v1:Org+Basics+2025"]
    assert answer(learner).reason == platform.COURSE_PREREQUISITE
    openedx.passed.add((learner.id, "course-v1:Org+Basics+2025"))
    assert answer(learner).allowed
    assert platform.course_access(platform.to_platform_user(learner),
                                  "course-v1:Org+Gone+2020").reason == platform.COURSE_REFUSED


def test_get_user_and_subsections(openedx):
    (ada,) = people(1, "ada")
    assert platform.get_user(ada.id).username == "ada0"
    assert platform.get_user(10 ** 6) is None
    openedx.add_block(WEEK1, display_name="Week 1")
    openedx.add_block(BLOCK)
    assert platform.subsections(COURSE) == [{"usage_key": WEEK1, "display_name": "Week 1"}]
    assert OpenEdxPlatform.full_name(ada) == "Ada 0"


def test_a_learners_pass_reads_only_that_learner(openedx, week1, no_gating_api):
    """The pass a grade event queues (tasks.sync_learner) costs one enrollment query and one
    grade query, whatever the size of the course."""
    from zoom_xblock.learners import sync
    from zoom_xblock.models import Registration, ZoomSession

    users = people(300)
    for user in users:
        openedx.enroll(user, COURSE)
    openedx.add_block(BLOCK)
    session = ZoomSession.objects.create(
        usage_key=BLOCK, course_key=COURSE, title="Office hours",
        prerequisite={"usage_key": WEEK1, "min_score": 60, "min_completion": 0})
    sync.record_desired_state(session)
    ada = users[7]
    openedx.grade(ada, WEEK1, 9, 10)
    with counted():
        result = sync.record_desired_state(session, [ada.id])
    assert result["learners"] == 1
    assert LEDGER.queries == {"student_courseenrollment": 1,
                              "grades_persistentsubsectiongrade": 1}
    assert Registration.objects.get(session=session, user_id=ada.id).wanted
    assert Registration.objects.filter(session=session, wanted=True).count() == 1
