"""Issue 13 point 8: every body field, format and rate label exactly as Zoom's spec has them.

Prism lets unknown fields through (the spec does not forbid additional properties), so this
tier reads the spec strictly itself: a field or a format the spec does not have fails here.
No Prism needed: the client's requests are recorded and answered by ``responses``.
"""
import json
import re

import pytest
import responses

from zoom_xblock.zoom import Category, InMemoryTokenCache, ZoomClient

from . import spec
from .test_prism_contract import MEETING_BODY, PEOPLE, WEBINAR_BODY

pytestmark = pytest.mark.contract

API = "https://api.zoom.us/v2"
HOST = "host@example.com"


class RecordingLimiter:
    """Never waits; remembers the category of every call."""

    def __init__(self):
        self.categories = []

    def acquire(self, account_key, category, plan=None):
        self.categories.append(Category(category).value)
        return 0.0


# (name, call, method, spec path)
CALLS = [
    ("create_meeting", lambda c: c.create("meeting", HOST, MEETING_BODY), "POST",
     "/users/{userId}/meetings"),
    ("create_webinar", lambda c: c.create("webinar", HOST, WEBINAR_BODY), "POST",
     "/users/{userId}/webinars"),
    ("update_meeting", lambda c: c.update("meeting", 1, MEETING_BODY), "PATCH",
     "/meetings/{meetingId}"),
    ("update_webinar", lambda c: c.update("webinar", 2, {
        **WEBINAR_BODY, "settings": {**WEBINAR_BODY["settings"],
                                     "registrants_confirmation_email": True}}), "PATCH",
     "/webinars/{webinarId}"),
    ("add_registrant", lambda c: c.add_registrant("meeting", 1, PEOPLE[0]), "POST",
     "/meetings/{meetingId}/registrants"),
    ("batch_meeting", lambda c: c.add_registrants("meeting", 1, PEOPLE[:3]), "POST",
     "/meetings/{meetingId}/batch_registrants"),
    ("batch_webinar", lambda c: c.add_registrants("webinar", 2, PEOPLE[:3]), "POST",
     "/webinars/{webinarId}/batch_registrants"),
    ("status", lambda c: c.set_registrant_status("meeting", 1, "cancel", [
        {"id": "r1", "email": "a@example.com"}]), "PUT",
     "/meetings/{meetingId}/registrants/status"),
    ("list_meetings", lambda c: list(c.list_scheduled("meeting", HOST)), "GET",
     "/users/{userId}/meetings"),
    ("list_webinars", lambda c: list(c.list_scheduled("webinar", HOST)), "GET",
     "/users/{userId}/webinars"),
]


def _client(limiter):
    client = ZoomClient("acct", "id", "secret", api_base_url=API, token_cache=InMemoryTokenCache(),
                        rate_limiter=limiter, max_attempts=1)
    return client


@pytest.mark.parametrize(("name", "call", "method", "path"), CALLS, ids=[c[0] for c in CALLS])
def test_bodies_and_rate_labels_are_exactly_the_specs(name, call, method, path):
    limiter = RecordingLimiter()
    client = _client(limiter)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mocked:
        mocked.add(responses.POST, "https://zoom.us/oauth/token", json={
            "access_token": "t", "token_type": "bearer", "expires_in": 3600, "scope": ""})
        body = {"registrants": [{"email": p["email"], "registrant_id": "r", "join_url": "u"}
                                for p in PEOPLE[:3]], "id": 1, "meetings": [], "webinars": []}
        for verb in (responses.POST, responses.PATCH, responses.PUT, responses.GET):
            mocked.add(verb, re.compile(f"{API}/.*"), json=body, status=201)
        call(client)
        sent = [r for r in mocked.calls if r.request.url.startswith(API)]
    assert sent, f"{name} sent nothing"
    for request in sent:
        if request.request.body:
            payload = json.loads(request.request.body)
            problems = spec.body_problems(payload, spec.request_schema(method, path))
            kind = "webinar" if "webinar" in path else "meeting"
            problems += spec.separator_problems(kind, payload.get("settings") or {})
            assert problems == []
    assert set(limiter.categories) == {spec.rate_label(method, path)}


def test_the_strict_reading_refuses_a_field_zoom_does_not_have():
    """The check itself can fail: the webinar create schema has no confirmation e-mail."""
    body = {"topic": "T", "settings": {"registrants_confirmation_email": True}}
    problems = spec.body_problems(body, spec.request_schema("POST", "/users/{userId}/webinars"))
    assert problems == ["body.settings.registrants_confirmation_email is not in Zoom's spec"]
    assert spec.separator_problems("webinar", {"alternative_hosts": "a@x.org;b@x.org"})
    assert spec.rate_label("PATCH", "/meetings/{meetingId}") == "light"
