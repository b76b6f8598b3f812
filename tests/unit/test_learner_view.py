"""The block in the LMS: details in the learner's time zone, the organizer, and every state of the
session and of the learner (upcoming, Join open, live, ended, cancelled; See requirements, the
waitlist, not enrolled, not signed in), translated, in a fixed number of queries."""
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from tests.learning import (
    BLOCK_FIELDS,
    block_with_session,
    learners,
    prerequisite,
    register_all,
    registration,
    reset_calls,
    sandbox_calls,
    set_score,
)
from tests.utils import as_user, call_handler, enroll, make_block, make_user, render
from zoom_xblock.learners import learner_status
from zoom_xblock.models import Recording, Registration, ZoomSession

pytestmark = pytest.mark.django_db


def join_link(html: str) -> str | None:
    match = re.search(r'<a class="zoom-button zoom-join" href="([^"]+)"([^>]*)>', html)
    return match and (match.group(1) + " " + match.group(2).strip())


def test_details_are_shown_with_the_zone_named_and_the_organizer_to_contact(zoom_sandbox):
    block, _session = block_with_session()
    (ada,) = learners("ada")
    html = render(as_user(block, ada))
    assert "Office hours" in html and "Bring questions" in html
    assert "(Europe/Paris)" in html  # the zone is named (the script shows the learner's own)
    assert re.search(r'<time class="zoom-start zoom-local" datetime="\d{4}-\d\d-\d\dT', html)
    assert "60 minutes" in html
    assert 'href="mailto:host@example.com?subject=Office%20hours"' in html
    assert "Contact the organizer" in html


def test_upcoming_shows_a_countdown_and_when_join_opens(zoom_sandbox):
    block, session = block_with_session(start=timezone.now() + timedelta(days=2, hours=3))
    (ada,) = learners("ada")
    register_all(session)
    html = render(as_user(block, ada))
    assert "Upcoming" in html and "Starts in 2 days, 3 hours" in html
    assert "Join opens 15 minutes before the start:" in html
    assert join_link(html) is None
    assert "You are registered." in html
    assert "Add to calendar" in html and "/zoom/calendar/" in html


def test_join_open_shows_a_join_button_opening_a_new_tab(zoom_sandbox):
    block, session = block_with_session()
    (ada,) = learners("ada")
    register_all(session)
    html = render(as_user(block, ada))
    assert "Join is open" in html
    link = join_link(html)
    assert link.startswith(f"/zoom/join/{session.usage_key} ")
    assert 'target="_blank"' in link and 'rel="noopener"' in link
    assert "(opens in a new tab)" in html
    row = registration(session, ada)
    assert row.join_url not in html and row.registrant_id not in html


def test_live_now(zoom_sandbox):
    block, session = block_with_session()
    (ada,) = learners("ada")
    ZoomSession.objects.filter(id=session.id).update(live_status="live")
    html = render(as_user(block, ada))
    assert "Live now" in html and join_link(html)


def test_ended_shows_the_minutes_attended_and_the_recording(zoom_sandbox):
    block, session = block_with_session()
    ada, bob = learners("ada", "bob")
    register_all(session)
    Registration.objects.filter(session=session, user_id=ada.id).update(attended_seconds=25 * 60)
    ZoomSession.objects.filter(id=session.id).update(live_status="ended")
    Recording.objects.create(session=session, recording_key="uuid",
                             share_url="https://zoom.example/rec/share/abc")
    html = render(as_user(block, ada))
    assert "This session has ended." in html and "You attended 25 minutes." in html
    assert 'href="https://zoom.example/rec/share/abc"' in html and "Watch the recording" in html
    assert join_link(html) is None
    assert "You did not attend this session." in render(as_user(block, bob))


def test_ended_without_a_recording_says_so(zoom_sandbox):
    block, session = block_with_session()
    ZoomSession.objects.filter(id=session.id).update(live_status="ended")
    assert "No recording is available." in render(as_user(block, learners("ada")[0]))


@pytest.mark.parametrize(("status", "words"), [
    ("deleted", "This session was cancelled."),
    ("deleted_in_zoom", "The meeting was deleted in Zoom."),
])
def test_cancelled(zoom_sandbox, status, words):
    block, session = block_with_session()
    ZoomSession.objects.filter(id=session.id).update(status=status)
    html = render(as_user(block, learners("ada")[0]))
    assert words in html and join_link(html) is None


def test_see_requirements_instead_of_join(zoom_sandbox):
    block, _session = block_with_session(prerequisite=prerequisite(60))
    (ada,) = learners("ada")
    set_score(ada, 20)
    html = render(as_user(block, ada))
    assert join_link(html) is None
    assert "See requirements" in html and "<details" in html and "<summary" in html
    assert ('<a href="/demo/subsection/block-v1:Demo+Zoom+2026+type@sequential+block@week1" '
            'target="_top">Week 1</a>') in html
    assert "Score at least 60% (now 20%)." in html
    set_score(ada, 75)
    html = render(as_user(block, ada))
    assert join_link(html) and "See requirements" not in html


def test_a_full_session_shows_the_learners_place_on_the_waitlist(zoom_sandbox):
    block, session = block_with_session(capacity=1)
    ada, bob, cy = learners("ada", "bob", "cy")
    register_all(session)
    assert registration(session, ada).state == "registered"
    assert "You are registered." in render(as_user(block, ada))
    bob_html, cy_html = render(as_user(block, bob)), render(as_user(block, cy))
    assert "You are number 1 on the waitlist." in bob_html
    assert "You are number 2 on the waitlist." in cy_html
    assert "registered automatically when a place frees up" in cy_html
    assert join_link(bob_html) is None


def test_a_full_session_offers_the_waitlist_to_a_newcomer(zoom_sandbox):
    block, session = block_with_session(capacity=1)
    learners("ada")
    register_all(session)
    late = make_user("late")
    enroll(late)
    html = render(as_user(block, late))
    assert "Join the waitlist" in html


def test_not_enrolled_and_not_signed_in_are_told_what_to_do(zoom_sandbox):
    block, _session = block_with_session()
    html = render(as_user(block, make_user("stranger")))
    assert "Enroll in the course to join this session." in html
    assert "/courses/course-v1:Demo+Zoom+2026/about" in html
    assert join_link(html) is None and "Add to calendar" not in html
    html = render(as_user(block, None))
    assert "Sign in to join this session." in html
    assert 'href="/accounts/login/?next=%2Fzoom%2Fjoin%2F' in html


def test_the_organizer_can_start_the_meeting(zoom_sandbox):
    block, _session = block_with_session()
    host = make_user("host", email="host@example.com", course_role="instructor")
    html = render(as_user(block, host))
    assert "Start the meeting" in html and join_link(html)


def test_course_staff_can_join_without_enrolling(zoom_sandbox):
    block, _session = block_with_session()
    assert join_link(render(as_user(block, make_user("teacher", course_role="staff"))))


def test_status_changes_are_announced(zoom_sandbox):
    block, _session = block_with_session()
    html = render(as_user(block, learners("ada")[0]))
    assert 'role="status" aria-live="polite"' in html


def test_the_status_handler_gives_the_state_without_links_to_zoom(zoom_sandbox):
    block, session = block_with_session()
    ada, bob = learners("ada", "bob")
    register_all(session)
    ZoomSession.objects.filter(id=session.id).update(live_status="live")
    status, body = call_handler(as_user(block, ada), "learner_status", {})
    assert status == 200
    assert body["phase"] == "live" and body["can_join"] is True
    assert "Live now" in body["html"]
    for person in (ada, bob):
        row = registration(session, person)
        assert row.join_url not in str(body) and row.registrant_id not in str(body)


def test_rendering_never_calls_zoom(zoom_sandbox):
    block, session = block_with_session()
    (ada,) = learners("ada")
    register_all(session)
    reset_calls(zoom_sandbox)
    for viewer in (ada, None, make_user("host", email="host@example.com")):
        render(as_user(block, viewer))
    assert sandbox_calls(zoom_sandbox) == {}


def plugin_queries(block) -> int:
    """Queries of the plugin (the workbench's own field storage, absent in the LMS, excluded)."""
    block.render("student_view", {})  # warm the workbench's field cache
    with CaptureQueriesContext(connection) as queries:
        block.render("student_view", {})
    return sum(1 for q in queries.captured_queries if "workbench_xblockstate" not in q["sql"])


def test_rendering_costs_a_fixed_number_of_queries(zoom_sandbox):
    block, session = block_with_session(capacity=3)
    people = learners(*[f"learner{n}" for n in range(8)])
    register_all(session)
    first, waiting = people[0], people[-1]
    assert plugin_queries(as_user(block, first)) <= 3
    assert plugin_queries(as_user(block, waiting)) <= 3
    more = learners(*[f"more{n}" for n in range(20)])
    register_all(session)
    assert plugin_queries(as_user(block, more[-1])) <= 3


def test_rendered_in_spanish(zoom_sandbox):
    block, session = block_with_session(start=timezone.now() + timedelta(days=2, hours=3))
    (ada,) = learners("ada")
    register_all(session)
    with translation.override("es"):
        html = render(as_user(block, ada))
    assert "Organizador:" in html and "Contactar con el organizador" in html
    assert "Próximamente" in html and "Empieza en 2 días, 3 horas" in html
    assert "Estás inscrito." in html and "Añadir al calendario" in html
    with translation.override("es"):
        ZoomSession.objects.filter(id=session.id).update(start=timezone.now())
        html = render(as_user(block, ada))
    assert "Unirse" in html and "(se abre en una pestaña nueva)" in html


def test_rendered_in_french(zoom_sandbox):
    block, _session = block_with_session(prerequisite=prerequisite(60))
    (ada,) = learners("ada")
    with translation.override("fr"):
        html = render(as_user(block, ada))
    assert "Voir les conditions requises" in html


def test_the_javascript_catalog_is_loaded_for_the_language(zoom_sandbox):
    block = make_block(learners("ada")[0], **BLOCK_FIELDS)
    with translation.override("es"):
        fragment = block.render("student_view", {})
    scripts = " ".join(r.data for r in fragment.resources if r.kind == "text")
    assert "ZoomXBlockI18N" in scripts and '"Starts in {time}": "Empieza en {time}"' in scripts
    english = block.render("student_view", {})
    assert "JavaScript catalog" not in " ".join(
        r.data for r in english.resources if r.kind == "text")


def test_phase_boundaries():
    session = ZoomSession(start=timezone.now() + timedelta(minutes=20), duration_minutes=30,
                          join_window_minutes=15, zoom_id=1, status="scheduled")
    now = timezone.now()
    assert learner_status.phase(session, now) == learner_status.Phase.UPCOMING
    assert learner_status.phase(session, now + timedelta(minutes=5)) == learner_status.Phase.OPEN
    # no word yet
    assert learner_status.phase(session, now + timedelta(hours=3)) == learner_status.Phase.OPEN
    # Only Zoom's word ends a session: long past its date it is still "not started yet".
    assert learner_status.phase(session, now + timedelta(days=30)) == learner_status.Phase.OPEN
    assert (learner_status.phase(session, now, configured=False)
            == learner_status.Phase.NOT_CONFIGURED)
    assert learner_status.phase(None, now) == learner_status.Phase.UNSCHEDULED
