"""Access and identity on the stand-in platform (issue 11, point 8), each rule as upstream:

- Join applies the course-level check (lms/djangoapps/courseware/courses.py
  ``check_course_access`` with enrollment): course start (beta testers early), expired audit
  access (openedx/features/course_duration_limits/access.py), course prerequisites;
- and the block check (lms/djangoapps/courseware/access.py ``_has_access_descriptor``):
  cohorts, staff-only content, release dates (beta testers early);
- course staff is the runtime's answer (``edx-platform.user_is_staff``) and includes org roles
  (common/djangoapps/student/roles.py);
- learners see times in their LMS time-zone preference.
"""
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.learning import block_with_session, learners, register_all, registration, schedule
from tests.standin.models import (
    BlockAccess,
    CohortMembership,
    CoursePass,
    CourseRole,
    CourseRun,
    Enrollment,
    UserPreference,
)
from tests.utils import COURSE, as_user, make_user, render
from zoom_xblock import platform
from zoom_xblock.learners import sync
from zoom_xblock.models import Registration

pytestmark = pytest.mark.django_db

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@access"
JOIN = reverse("zoom_xblock:join", kwargs={"usage_key": USAGE})


def join_as(client, user):
    """Join's button: only the POST registers (a GET shows the page with the button)."""
    client.force_login(user)
    return client.post(JOIN)


def case_of(response) -> str:
    found = re.search(r'data-case="([^"]*)"', response.content.decode())
    return found.group(1) if found else ""


def test_join_waits_for_the_course_to_start_but_beta_testers_come_early(client, zoom_sandbox):
    schedule(USAGE)
    ada, bea = learners("ada", "bea")
    CourseRun.objects.create(course_key=COURSE, start=timezone.now() + timedelta(days=3),
                             days_early_for_beta=5)
    CourseRole.objects.create(user=bea, course_key=COURSE, role=CourseRole.BETA_TESTER)
    refused = join_as(client, ada)
    assert refused.status_code == 403 and case_of(refused) == "course_not_started"
    assert b"The course has not started yet" in refused.content
    assert join_as(client, bea).status_code == 302


def test_join_refuses_expired_audit_access_but_not_verified(client, zoom_sandbox):
    schedule(USAGE)
    ada, vic = learners("ada", "vic")
    Enrollment.objects.filter(user=vic).update(mode="verified")
    Enrollment.objects.update(created=timezone.now() - timedelta(days=40))
    CourseRun.objects.create(course_key=COURSE, start=timezone.now() - timedelta(days=60),
                             audit_access_days=28)
    refused = join_as(client, ada)
    assert refused.status_code == 403 and case_of(refused) == "audit_expired"
    assert b"audit access to this course has expired" in refused.content
    assert join_as(client, vic).status_code == 302


def test_join_waits_for_the_course_prerequisites(client, zoom_sandbox):
    schedule(USAGE)
    (ada,) = learners("ada")
    CourseRun.objects.create(course_key=COURSE,
                             prerequisite_course_keys=["course-v1:Demo+Basics+1"])
    refused = join_as(client, ada)
    assert refused.status_code == 403 and case_of(refused) == "course_prerequisite"
    CoursePass.objects.create(user=ada, course_key="course-v1:Demo+Basics+1")
    assert join_as(client, ada).status_code == 302


def test_join_and_sync_apply_the_block_rules(client, zoom_sandbox):
    session = schedule(USAGE)
    ada, bob, cat = learners("ada", "bob", "cat")
    BlockAccess.objects.create(usage_key=USAGE, cohort="Morning")
    CohortMembership.objects.create(user=ada, course_key=COURSE, name="Morning")
    CohortMembership.objects.create(user=bob, course_key=COURSE, name="Evening")
    assert case_of(join_as(client, bob)) == "no_access"
    assert join_as(client, ada).status_code == 302
    register_all(session)
    assert registration(session, bob).eligibility_reason == "no_access"
    assert not registration(session, cat).wanted
    BlockAccess.objects.filter(usage_key=USAGE).update(
        cohort="", start=timezone.now() + timedelta(days=2))
    assert case_of(join_as(client, ada)) == "no_access"  # not released yet
    CourseRole.objects.create(user=cat, course_key=COURSE, role=CourseRole.BETA_TESTER)
    CourseRun.objects.create(course_key=COURSE, days_early_for_beta=3)
    assert join_as(client, cat).status_code == 302


def test_org_roles_are_course_roles(client, zoom_sandbox):
    block, session = block_with_session()
    org_staff = make_user("dean")
    CourseRole.objects.create(user=org_staff, course_key="", org="Demo", role=CourseRole.STAFF)
    other_org = make_user("visitor")
    CourseRole.objects.create(user=other_org, course_key="", org="Else", role=CourseRole.STAFF)
    assert platform.course_staff_ids([org_staff.id, other_org.id], COURSE) == {org_staff.id}
    assert "zoom-staff" in render(as_user(block, org_staff))
    assert "zoom-staff" not in render(as_user(block, other_org))
    assert [u.id for u in platform.course_instructors(COURSE)] == []
    CourseRole.objects.create(user=org_staff, course_key="", org="Demo",
                              role=CourseRole.INSTRUCTOR)
    assert [u.id for u in platform.course_instructors(COURSE)] == [org_staff.id]
    # Org staff who joined without enrolling keep their place through a sync.
    Registration.objects.create(session=session, user_id=org_staff.id, email="dean@example.com",
                                wanted=True, eligible=True)
    sync.record_desired_state(session)
    assert registration(session, org_staff).wanted


def test_view_as_learner_follows_the_runtimes_answer(client, zoom_sandbox):
    from tests.project.runtime import ZoomWorkbenchRuntime

    block, _session = block_with_session()
    admin = make_user("admin", staff=True)
    assert "zoom-staff" in render(as_user(block, admin))
    masked = ZoomWorkbenchRuntime(admin, view_as_learner=True).get_block(block.scope_ids.usage_id)
    assert "zoom-staff" not in render(masked)  # "View as: Learner": the learner's view
    client.force_login(admin)
    page = client.get("/scenario/zoom.0/")
    client.post("/demo/view-as/learner/")
    assert client.get("/scenario/zoom.0/").content.count(b"zoom-staff") < page.content.count(
        b"zoom-staff")
    assert client.post("/demo/view-as/admin/").status_code == 404


def test_learners_see_times_in_their_time_zone_preference(zoom_sandbox):
    block, _session = block_with_session()
    ada, bob = learners("ada", "bob")
    UserPreference.objects.create(user=ada, key="time_zone", value="Asia/Tokyo")
    UserPreference.objects.create(user=bob, key="time_zone", value="Not/AZone")
    html = render(as_user(block, ada))
    assert "(Asia/Tokyo)" in html and '"time_zone": "Asia/Tokyo"' in html
    html = render(as_user(block, bob))
    assert "(Europe/Paris)" in html and '"time_zone": ""' in html  # the browser decides


def test_the_join_page_shows_times_in_the_learners_preference(client, zoom_sandbox):
    schedule(USAGE, start=timezone.now() + timedelta(days=2))
    ada, bob = learners("ada", "bob")
    UserPreference.objects.create(user=ada, key="time_zone", value="America/Lima")
    early = join_as(client, ada)
    assert case_of(early) == "too_early" and b"(America/Lima)" in early.content
    assert b"(Europe/Paris)" in join_as(client, bob).content  # no preference: the session's


def test_a_learners_pass_re_checks_only_that_learner(zoom_sandbox, monkeypatch):
    from tests.learning import prerequisite, set_score
    from zoom_xblock import tasks
    from zoom_xblock.models import ZoomSession

    session = schedule(USAGE, prerequisite=prerequisite(60))
    ada, bob = learners("ada", "bob")
    register_all(session)
    assert not registration(session, ada).wanted and not registration(session, bob).wanted
    set_score(ada, 70)
    set_score(bob, 90)
    ZoomSession.objects.filter(id=session.id).update(sync_requested_at=timezone.now())
    asked = []
    real = platform.enrolled_learners
    monkeypatch.setattr(platform, "enrolled_learners",
                        lambda course, user_ids=None: asked.append(user_ids) or real(course,
                                                                                    user_ids))
    tasks.sync_learner.run([session.id], ada.id)
    assert asked == [[ada.id]]
    assert registration(session, ada).state == Registration.State.REGISTERED
    assert not registration(session, bob).wanted  # bob's own grade event will re-check him
    session.refresh_from_db()
    assert session.sync_requested_at is not None  # the course-wide intent is still there
