"""Join (``/zoom/join/<usage key>``): login, enrollment, prerequisites, capacity, the join window,
the single just-in-time registration, the organizer's fresh start link, and Zoom failing."""
import logging
from datetime import timedelta
from unittest import mock

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.learning import (
    clear_faults,
    learners,
    prerequisite,
    register_all,
    registration,
    reset_calls,
    sandbox_calls,
    schedule,
    set_faults,
    set_score,
)
from tests.utils import enroll, make_user
from zoom_xblock.learners import joining
from zoom_xblock.models import Registration, ZoomSession

pytestmark = pytest.mark.django_db

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@join"
JOIN = reverse("zoom_xblock:join", kwargs={"usage_key": USAGE})
ADD_REGISTRANT = "POST /meetings/{id}/registrants"


def join_as(client, user, **extra):
    """Click Join and, on the page that asks, its button: only the POST registers."""
    if user is not None:
        client.force_login(user)
    return client.post(JOIN, **extra)


def test_the_join_url_is_the_plugins_own():
    assert JOIN == "/zoom/join/block-v1:Demo+Zoom+2026+type@zoom+block@join"


def test_anonymous_visitors_are_sent_to_sign_in_and_back(client, zoom_sandbox):
    schedule(USAGE)
    response = client.get(JOIN)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "zoom/join/" in response["Location"]


def test_a_registered_learner_goes_to_their_own_link_without_a_zoom_call(
        client, zoom_sandbox):
    session = schedule(USAGE)
    ada, bob = learners("ada", "bob")
    register_all(session)
    own = registration(session, ada)
    reset_calls(zoom_sandbox)
    response = join_as(client, ada)
    assert response.status_code == 302
    assert response["Location"] == own.join_url
    assert response["Location"] != registration(session, bob).join_url
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    assert sandbox_calls(zoom_sandbox) == {}


def test_an_eligible_learner_without_a_registration_is_registered_just_in_time(
        client, zoom_sandbox):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    Registration.objects.filter(session=session).delete()  # the sync has not run for her yet
    reset_calls(zoom_sandbox)
    response = join_as(client, ada)
    assert response.status_code == 302
    assert sandbox_calls(zoom_sandbox) == {ADD_REGISTRANT: 1}
    row = registration(session, ada)
    assert row.state == Registration.State.REGISTERED
    assert row.registrant_id and row.join_url == response["Location"]
    assert row.registered_at is not None and row.wanted and row.eligible
    assert (row.zoom_requests_day, row.zoom_requests_today) == (
        timezone.now().date(), 1)
    assert "tk=" in row.join_url  # the sandbox's personal link
    reset_calls(zoom_sandbox)
    assert join_as(client, ada)["Location"] == row.join_url  # the second time: no Zoom call
    assert sandbox_calls(zoom_sandbox) == {}


def test_just_in_time_uses_the_short_timeout_and_a_single_attempt(client, zoom_sandbox,
                                                                   settings):
    settings.ZOOM_XBLOCK = {**settings.ZOOM_XBLOCK, "JOIN_TIMEOUT_SECONDS": 2.5}
    schedule(USAGE)
    (ada,) = learners("ada")
    from zoom_xblock import clients

    with mock.patch("zoom_xblock.learners.joining.get_client", wraps=clients.get_client) as factory:
        assert join_as(client, ada).status_code == 302
    factory.assert_called_once_with(account="default", timeout=2.5, max_attempts=1)


def test_a_returning_learner_is_approved_again_with_the_same_link(client, zoom_sandbox):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    register_all(session)
    row = registration(session, ada)
    Registration.objects.filter(id=row.id).update(state=Registration.State.CANCELLED)
    reset_calls(zoom_sandbox)
    response = join_as(client, ada)
    assert response["Location"] == row.join_url
    assert sandbox_calls(zoom_sandbox) == {"PUT /meetings/{id}/registrants/status": 1}
    assert registration(session, ada).state == Registration.State.REGISTERED


def test_a_full_session_waitlists_instead_of_registering(client, zoom_sandbox):
    session = schedule(USAGE, capacity=1)
    ada, bob = learners("ada", "bob")
    register_all(session)  # ada holds the seat, bob waits
    grace = make_user("grace")
    enroll(grace)
    reset_calls(zoom_sandbox)
    response = join_as(client, grace)
    assert response.status_code == 200
    html = response.content.decode()
    assert "This session is full" in html and "You are number 2 on the waitlist." in html
    assert "registered automatically when a place frees up" in html
    assert sandbox_calls(zoom_sandbox) == {}
    row = registration(session, grace)
    assert row.state == Registration.State.WAITLISTED and row.waitlisted_at is not None
    client.force_login(bob)
    assert "You are number 1 on the waitlist." in client.get(JOIN).content.decode()
    assert registration(session, ada).state == Registration.State.REGISTERED


def test_zoom_saying_full_waitlists_the_learner(client, zoom_sandbox):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    Registration.objects.filter(session=session).delete()
    from zoom_xblock.zoom import ZoomCapacityFull

    with mock.patch("zoom_xblock.zoom.ZoomClient.add_registrant",
                    side_effect=ZoomCapacityFull("full")):
        response = join_as(client, ada)
    assert response.status_code == 200
    assert "You are number 1 on the waitlist." in response.content.decode()
    assert registration(session, ada).state == Registration.State.WAITLISTED


def test_join_is_not_open_before_the_window(client, zoom_sandbox):
    schedule(USAGE, start=timezone.now() + timedelta(hours=3), join_window_minutes=30)
    (ada,) = learners("ada")
    reset_calls(zoom_sandbox)
    response = join_as(client, ada)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Join is not open yet" in html and "(Europe/Paris)" in html
    assert sandbox_calls(zoom_sandbox) == {}


def test_a_session_past_its_start_that_has_not_ended_stays_joinable(client, zoom_sandbox):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    register_all(session)
    ZoomSession.objects.filter(id=session.id).update(
        start=timezone.now() - timedelta(hours=2), duration_minutes=60)
    response = join_as(client, ada)
    assert response.status_code == 302


def test_an_ended_session_cannot_be_joined(client, zoom_sandbox):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    register_all(session)
    ZoomSession.objects.filter(id=session.id).update(live_status="ended")
    response = join_as(client, ada)
    assert response.status_code == 200
    assert "This session has ended" in response.content.decode()


@pytest.mark.parametrize(("status", "words"), [
    ("deleted", "The organizer cancelled this session."),
    ("deleted_in_zoom", "The meeting was deleted in Zoom."),
])
def test_a_cancelled_session_says_so(client, zoom_sandbox, status, words):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    ZoomSession.objects.filter(id=session.id).update(status=status)
    response = join_as(client, ada)
    assert response.status_code == 410
    assert words in response.content.decode()


def test_unmet_prerequisites_are_listed_with_links(client, zoom_sandbox):
    schedule(USAGE, prerequisite=prerequisite(60))
    (ada,) = learners("ada")
    set_score(ada, 20)
    reset_calls(zoom_sandbox)
    response = join_as(client, ada)
    assert response.status_code == 403
    html = response.content.decode()
    assert "Complete the requirements first" in html
    assert 'href="/demo/subsection/block-v1:Demo+Zoom+2026+type@sequential+block@week1"' in html
    assert "Week 1" in html and "Score at least 60% (now 20%)." in html
    assert sandbox_calls(zoom_sandbox) == {}
    set_score(ada, 80)
    assert join_as(client, ada).status_code == 302  # met: registered just in time


def test_learners_not_enrolled_are_told_to_enroll(client, zoom_sandbox):
    schedule(USAGE)
    response = join_as(client, make_user("stranger"))
    assert response.status_code == 403
    assert "Enroll to join this session" in response.content.decode()


def test_course_staff_may_join_without_enrolling(client, zoom_sandbox):
    session = schedule(USAGE)
    teacher = make_user("teacher", course_role="staff")
    response = join_as(client, teacher)
    assert response.status_code == 302
    assert response["Location"] == registration(session, teacher).join_url


@pytest.mark.parametrize("email", ["host@example.com", "host2@example.com"])
def test_the_organizer_and_alternative_hosts_get_a_fresh_start_link(client, zoom_sandbox, email):
    session = schedule(USAGE, alternative_hosts=["host2@example.com"])
    host = make_user("host", email=email, course_role="instructor")
    reset_calls(zoom_sandbox)
    response = join_as(client, host)
    assert response.status_code == 302
    start_url = response["Location"]
    assert "/s/" in start_url and "zak=" in start_url
    assert sandbox_calls(zoom_sandbox) == {"GET /meetings/{id}": 1}
    assert not Registration.objects.filter(session=session).exists()
    session.refresh_from_db()
    assert start_url not in str([getattr(session, f.attname) for f in session._meta.fields])


def test_zoom_failing_gives_a_page_with_a_retry_link_and_keeps_the_learner_pending(
        client, zoom_sandbox):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    Registration.objects.filter(session=session).delete()
    set_faults(zoom_sandbox, fail_next=5)
    try:
        response = join_as(client, ada)
    finally:
        clear_faults(zoom_sandbox)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "Zoom is not answering right now" in html
    assert f'href="{JOIN}"' in html and "Try again" in html
    row = registration(session, ada)
    assert row.state == Registration.State.PENDING and row.wanted


def test_an_unexpected_failure_is_a_page_not_a_500(client, zoom_sandbox):
    schedule(USAGE)
    (ada,) = learners("ada")
    with mock.patch("zoom_xblock.learners.joining.register_just_in_time", side_effect=RuntimeError):
        response = join_as(client, ada)
    assert response.status_code == 503
    assert "Try again" in response.content.decode()


def test_the_organizer_gets_a_page_when_zoom_is_down(client, zoom_sandbox):
    schedule(USAGE)
    set_faults(zoom_sandbox, fail_next=5)
    try:
        response = join_as(client, make_user("host", email="host@example.com",
                                             course_role="instructor"))
    finally:
        clear_faults(zoom_sandbox)
    assert response.status_code == 503


def test_an_address_another_learner_has_is_never_sent_to_zoom(client, zoom_sandbox):
    """Zoom answers a repeated address with the first registrant's link: never ask it."""
    session = schedule(USAGE)
    ada = make_user("ada", email="shared@example.com")
    enroll(ada)
    register_all(session)
    twin = make_user("twin", email="Shared@example.com")
    enroll(twin)
    reset_calls(zoom_sandbox)
    response = join_as(client, twin)
    assert response.status_code == 409
    assert registration(session, ada).join_url not in response.content.decode()
    assert "same e-mail address" in response.content.decode()
    assert sandbox_calls(zoom_sandbox) == {}


def test_zoom_refusing_the_learner_is_explained(client, zoom_sandbox):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    Registration.objects.filter(session=session).delete()
    from zoom_xblock.zoom import ZoomValidationError

    with mock.patch("zoom_xblock.zoom.ZoomClient.add_registrant",
                    side_effect=ZoomValidationError("Invalid email")):
        response = join_as(client, ada)
    assert response.status_code == 409
    row = registration(session, ada)
    assert row.state == Registration.State.FAILED and "Invalid email" in row.last_error


def test_zooms_daily_limit_per_learner_is_respected(client, zoom_sandbox):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    Registration.objects.create(session=session, user_id=ada.id, email=ada.email,
                                zoom_requests_day=timezone.now().date(), zoom_requests_today=3)
    reset_calls(zoom_sandbox)
    response = join_as(client, ada)
    assert response.status_code == 503
    assert "limit for today" in response.content.decode()
    assert sandbox_calls(zoom_sandbox) == {}


def test_no_join_link_reaches_the_log(client, zoom_sandbox, caplog):
    session = schedule(USAGE)
    (ada,) = learners("ada")
    host = make_user("host", email="host@example.com", course_role="instructor")
    with caplog.at_level(logging.DEBUG):
        first = join_as(client, ada)
        start = join_as(client, host)
    assert first.status_code == start.status_code == 302
    logged = caplog.text
    assert registration(session, ada).join_url not in logged
    assert registration(session, ada).registrant_id not in logged
    assert start["Location"] not in logged and "tk=" not in logged and "zak=" not in logged


def test_only_get_and_post_are_allowed(client, zoom_sandbox):
    schedule(USAGE)
    (ada,) = learners("ada")
    client.force_login(ada)
    assert client.put(JOIN).status_code == 405
    assert client.delete(JOIN).status_code == 405


def test_the_pages_are_translated(client, zoom_sandbox):
    schedule(USAGE, start=timezone.now() + timedelta(hours=3))
    (ada,) = learners("ada")
    client.force_login(ada)
    with translation.override("en"):  # the request's language must not outlive the test
        response = client.get(JOIN, HTTP_ACCEPT_LANGUAGE="es")
    html = response.content.decode()
    assert '<html lang="es">' in html
    assert "Todavía no se puede entrar" in html
    with translation.override("fr"):
        outcome = joining.JoinOutcome(case=joining.Case.ZOOM_UNAVAILABLE)
        from django.test import RequestFactory

        from zoom_xblock.learners.views import join_page

        page = join_page(RequestFactory().get(JOIN), outcome).content.decode()
    assert "Zoom ne répond pas pour le moment" in page and "Réessayer" in page
