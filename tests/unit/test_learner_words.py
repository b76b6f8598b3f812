"""What learners read (issue 15): a waitlisted learner's calendar file is tentative and says so,
the Join page shows times in the reader's zone, and "Registering you…" bridges the moment
between meeting a requirement and the worker registering them."""
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from tests.learning import (
    block_with_session,
    learners,
    prerequisite,
    register_all,
    registration,
    schedule,
    set_score,
)
from tests.utils import as_user, call_handler, render
from zoom_xblock.models import ZoomSession

pytestmark = pytest.mark.django_db

USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@words"
ICS = reverse("zoom_xblock:calendar", kwargs={"usage_key": USAGE})
JOIN = reverse("zoom_xblock:join", kwargs={"usage_key": USAGE})


def _event(response):
    (event,) = Calendar.from_ical(response.content).walk("VEVENT")
    return event


def test_a_waitlisted_learners_calendar_event_is_tentative_and_says_so(client, zoom_sandbox):
    session = schedule(USAGE, capacity=1, start=datetime(2030, 1, 15, 14, tzinfo=UTC),
                       join_window_minutes=1)
    ada, bob = learners("ada", "bob")
    register_all(session)
    assert registration(session, bob).state == "waitlisted"
    client.force_login(bob)
    event = _event(client.get(ICS))
    assert str(event["status"]) == "TENTATIVE"
    assert str(event["summary"]) == "Office hours (waitlist)"
    description = str(event["description"])
    assert description.startswith("You are number 1 on the waitlist: your place is not "
                                  "confirmed yet.")
    assert "Join opens 1 minute before the start." in description
    assert "TENTATIVE" in str(event["attendee"].params.get("partstat"))
    client.force_login(ada)
    event = _event(client.get(ICS))
    assert str(event["status"]) == "CONFIRMED" and str(event["summary"]) == "Office hours"


def test_the_join_page_shows_the_opening_time_for_the_readers_zone(client, zoom_sandbox):
    schedule(USAGE, start=datetime(2030, 1, 15, 14, tzinfo=UTC))
    (ada,) = learners("ada")
    client.force_login(ada)
    page = client.get(JOIN).content.decode()
    # The session's zone without script; the page's script rewrites it in the reader's zone.
    assert '<time class="zoom-local" datetime="2030-01-15T14:45:00+01:00">' in page
    assert "(Europe/Paris)</time>" in page
    assert "Intl.DateTimeFormat().resolvedOptions().timeZone" in page


def test_registering_you_shows_until_the_worker_has_registered_the_learner(
        zoom_sandbox, monkeypatch):
    block, session = block_with_session(prerequisite=prerequisite(60))
    (ada,) = learners("ada")
    set_score(ada, 20)
    register_all(session)
    assert "See requirements" in render(as_user(block, ada))
    monkeypatch.setattr("zoom_xblock.intents.nudge_sync", lambda *args, **kwargs: None)
    set_score(ada, 75)  # the requirement is met; the worker has not run yet
    html = render(as_user(block, ada))
    assert "Registering you…" in html and 'data-registering="true"' in html
    assert "See requirements" not in html and "You are registered." not in html
    status, body = call_handler(as_user(block, ada), "learner_status", {})
    assert status == 200 and body["registering"] is True
    register_all(session)
    html = render(as_user(block, ada))
    assert "You are registered." in html and "Registering you…" not in html
    assert call_handler(as_user(block, ada), "learner_status", {})[1]["registering"] is False


def test_an_ended_session_never_says_registering(zoom_sandbox):
    block, session = block_with_session(start=timezone.now() - timedelta(days=2))
    ZoomSession.objects.filter(id=session.id).update(live_status="ended")  # Zoom said so
    (ada,) = learners("ada")
    assert "Registering you…" not in render(as_user(block, ada))
