"""Add to calendar: ``/zoom/calendar/<usage key>.ics``, one file per learner, in UTC with the
session's time zone named, linking to the plugin's Join URL and never to a personal link."""
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import translation
from icalendar import Calendar

from tests.learning import (
    learners,
    register_all,
    registration,
    schedule,
)
from tests.utils import make_user
from zoom_xblock.models import ZoomSession

pytestmark = pytest.mark.django_db

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@ics"
ICS = reverse("zoom_xblock:calendar", kwargs={"usage_key": USAGE})
START = datetime(2030, 1, 15, 14, 0, tzinfo=UTC)  # 15:00 in Paris


def download(client, user):
    client.force_login(user)
    return client.get(ICS)


def event_of(response):
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_the_url():
    assert ICS == "/zoom/calendar/block-v1:Demo+Zoom+2026+type@zoom+block@ics.ics"


def test_a_learner_gets_the_session_in_utc_with_its_time_zone(client, zoom_sandbox):
    schedule(USAGE, start=START, duration_minutes=90, title="Office hours",
             agenda="Bring questions")
    (ada,) = learners("ada")
    response = download(client, ada)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="Office-hours.ics"'
    assert "no-store" in response["Cache-Control"]
    text = response.content.decode()
    assert "DTSTART:20300115T140000Z" in text and "DTEND:20300115T153000Z" in text
    assert "X-WR-TIMEZONE:Europe/Paris" in text
    calendar, event = event_of(response)
    assert str(calendar["prodid"]) == "-//Open edX//zoom-xblock//EN"
    assert event["summary"] == "Office hours"
    assert event.decoded("dtstart") == START
    join = f"http://testserver/zoom/join/{USAGE}"
    assert str(event["url"]) == join and str(event["location"]) == join
    assert "Bring questions" in str(event["description"]) and join in str(event["description"])
    assert str(event["organizer"]) == "mailto:host@example.com"
    assert str(event["attendee"]) == f"mailto:{ada.email}"
    assert str(event["status"]) == "CONFIRMED"
    (alarm,) = event.walk("VALARM")
    assert alarm.decoded("trigger").total_seconds() == -15 * 60


def test_the_file_never_carries_a_personal_zoom_link(client, zoom_sandbox):
    session = schedule(USAGE, start=START)
    ada, bob = learners("ada", "bob")
    register_all(session)
    for person in (ada, bob):
        text = download(client, person).content.decode()
        for other in (ada, bob):
            row = registration(session, other)
            assert row.join_url not in text and row.registrant_id not in text
        assert "tk=" not in text


def test_each_learner_has_their_own_stable_event(client, zoom_sandbox):
    schedule(USAGE, start=START)
    ada, bob = learners("ada", "bob")
    first, again = event_of(download(client, ada))[1], event_of(download(client, ada))[1]
    other = event_of(download(client, bob))[1]
    assert str(first["uid"]) == str(again["uid"]) != str(other["uid"])


def test_a_cancelled_session_is_marked_cancelled(client, zoom_sandbox):
    session = schedule(USAGE, start=START)
    ZoomSession.objects.filter(id=session.id).update(status="deleted")
    (ada,) = learners("ada")
    assert str(event_of(download(client, ada))[1]["status"]) == "CANCELLED"


def test_sign_in_and_enrollment_are_required(client, zoom_sandbox):
    schedule(USAGE, start=START)
    response = client.get(ICS)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = download(client, make_user("stranger"))
    assert response.status_code == 403
    assert "Enroll to join this session" in response.content.decode()
    assert download(client, make_user("teacher", course_role="staff")).status_code == 200
    host = make_user("host", email="host@example.com", course_role="instructor")
    assert download(client, host).status_code == 200


def test_an_unknown_session_is_a_page_not_an_error(client):
    response = download(client, make_user("ada"))
    assert response.status_code == 404
    assert "Session not found" in response.content.decode()


def test_the_file_is_translated(client, zoom_sandbox):
    schedule(USAGE, start=START)
    (ada,) = learners("ada")
    client.force_login(ada)
    with translation.override("en"):  # the request's language must not outlive the test
        text = client.get(ICS, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Rejoindre :" in text
