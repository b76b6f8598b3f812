"""Property-based tests (hypothesis) of every handler and event input the issue 12 attack came
through: whatever arrives, the answer is a page, a 4xx with a message or a safe default, never
a 500 or an exception, and no secret survives redaction. Bounded (``max_examples``) to stay
in the quick tier.
"""
import json
import math
from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.utils import COURSE, SANDBOX_CREDENTIALS, call_handler, make_block, make_user
from zoom_xblock import session_values
from zoom_xblock.meeting import authoring
from zoom_xblock.models import Registration, WebhookEvent, ZoomSession
from zoom_xblock.staff import reports
from zoom_xblock.webhooks import attendance, zoom_events
from zoom_xblock.zoom import redaction
from zoom_xblock.zoom.webhooks import EARLIEST, LATEST, parse_time

pytestmark = pytest.mark.django_db

QUICK = settings(max_examples=30, deadline=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture,
                                        HealthCheck.too_slow])
USAGE = "block-v1:Demo+Zoom+2026+type@zoom+block@props"

# Anything JSON can carry, the extreme numbers and dates included.
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from([
        "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "2030-01-01T10:00:00Z",
        "9" * 5000, "Infinity", "NaN", "", "\r\n", "&amp;<b>", "Europe/Paris", "Not/AZone"]),
)


def _nested(leaves):
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
        max_leaves=12)


json_values = _nested(scalars)
# What a stored webhook can hold: strict JSON (the view refuses NaN and Infinity).
stored_json = _nested(scalars.filter(lambda value: not (
    isinstance(value, float) and not math.isfinite(value))))


def _session(**changes) -> ZoomSession:
    values = {"usage_key": USAGE, "course_key": COURSE, "title": "Seminar", "zoom_id": 777,
              "status": ZoomSession.Status.SCHEDULED, "host_email": "host@example.com",
              "start": timezone.now() + timedelta(minutes=5)}
    return ZoomSession.objects.update_or_create(usage_key=USAGE,
                                                defaults={**values, **changes})[0]


def _storable(value) -> bool:
    try:
        json.dumps(value, allow_nan=False)
    except ValueError:
        return False
    return True


# --- Webhook events --------------------------------------------------------------------------

@QUICK
@given(name=st.sampled_from(sorted(zoom_events.STORED_EVENTS)),
       obj=st.dictionaries(st.sampled_from([
           "start_time", "end_time", "uuid", "participant", "registrant", "topic", "duration",
           "start_time", "timezone", "settings", "share_url", "recording_files", "agenda"]),
           stored_json, max_size=6),
       event_ts=st.one_of(st.none(), st.integers(min_value=0, max_value=2**63 - 1)))
def test_every_event_applies_or_fails_alone_and_never_raises(name, obj, event_ts):
    _session(kind=name.split(".")[0] if not name.startswith("recording") else "meeting",
             live_status=ZoomSession.LiveStatus.NOT_STARTED, actual_start=None, actual_end=None)
    event = WebhookEvent.objects.create(
        dedupe_key=str(WebhookEvent.objects.count()) + name, event=name, endpoint="meeting",
        zoom_id=777, event_ts=event_ts,
        payload={"event": name, "payload": {"object": {"id": "777", **obj}}})
    follower = WebhookEvent.objects.create(
        dedupe_key=f"follower-{event.id}", event="meeting.started", endpoint="meeting",
        zoom_id=777, payload={"event": "meeting.started", "payload": {"object": {"id": "777"}}})
    zoom_events.apply_received()
    event.refresh_from_db(), follower.refresh_from_db()
    assert event.status in (WebhookEvent.Status.APPLIED, WebhookEvent.Status.IGNORED,
                            WebhookEvent.Status.FAILED)
    assert follower.status in (WebhookEvent.Status.APPLIED, WebhookEvent.Status.IGNORED)


@QUICK
@given(participant=st.dictionaries(st.sampled_from([
    "participant_uuid", "user_id", "id", "email", "registrant_id", "user_name", "join_time",
    "leave_time", "participant_user_id", "user_email", "name"]), json_values, max_size=8))
def test_participants_parse_from_anything(participant):
    for parsed in (attendance.Participant.from_webhook(participant),
                   attendance.Participant.from_report(participant)):
        assert isinstance(parsed.key, str) and len(parsed.key) <= 128
        for moment in (parsed.join_time, parsed.leave_time):
            assert moment is None or EARLIEST <= moment <= LATEST
        assert isinstance(parsed.signed_in, bool)


@QUICK
@given(value=st.one_of(st.text(max_size=40), st.dates().map(str), st.datetimes(
    timezones=st.timezones()).map(lambda moment: moment.isoformat())))
def test_any_timestamp_parses_to_none_or_a_utc_moment_in_range(value):
    moment = parse_time(value)
    assert moment is None or (moment.utcoffset() == timedelta(0)
                              and EARLIEST <= moment <= LATEST)
    assert moment is None or moment.tzinfo is not None and moment.astimezone(UTC) == moment


# --- The editor and the stored session fields --------------------------------------------------

form_values = st.one_of(scalars, st.lists(scalars, max_size=3))


@QUICK
@given(form=st.dictionaries(st.sampled_from(authoring.FORM_FIELDS), form_values, max_size=10))
def test_the_editor_validates_anything_without_raising(form):
    initial = {name: "" for name in authoring.FORM_FIELDS}
    context = authoring.EditorContext(display_name="Zoom", webinars_enabled=True)
    submission = authoring.validate(form, initial, context, check_organizer=False)
    assert all(isinstance(message, str) and message for message in submission.errors.values())
    if submission.is_valid:
        values = authoring.desired_values(submission, context)
        assert values["start"] is not None and "\n" not in values["title"]


@pytest.fixture
def teacher():
    return make_user("teacher", course_role="staff")


@pytest.fixture
def staff_block(teacher):
    """The block seen by course staff in the LMS (one per test: the examples share it)."""
    return make_block(teacher, title="T", host_email="host@example.com",
                      start_local="2030-01-15T10:00")


@pytest.fixture
def studio_block(teacher):
    """The same kind of block in Studio, where the editor's handlers run."""
    return make_block(teacher, studio=True, title="T", host_email="host@example.com",
                      start_local="2030-01-15T10:00")


@QUICK
@given(form=st.dictionaries(st.sampled_from(authoring.FORM_FIELDS), form_values, max_size=6))
def test_the_studio_submit_handler_answers_200_or_400(studio_block, form):
    block = studio_block
    status, body = call_handler(block, "studio_submit", form)
    assert status in (200, 400), body
    if status == 400:
        assert body["errors"] and body["message"]


@QUICK
@given(zone=scalars, start=scalars)
def test_start_and_zone_never_raise(zone, start):
    assert session_values.safe_zone(zone) in authoring.all_timezones() | {"UTC"}
    moment = session_values.start_utc(start, zone) if isinstance(start, str) else None
    assert moment is None or (
        session_values.EARLIEST_YEAR <= moment.year <= session_values.LATEST_YEAR)


# --- The staff handlers ------------------------------------------------------------------------

@QUICK
@given(data=st.one_of(json_values, st.dictionaries(st.sampled_from([
    "search", "sort", "direction", "page", "page_size", "after", "alert_id"]), json_values,
    max_size=5)))
def test_staff_handlers_answer_anything_without_a_server_error(staff_block, studio_block, data):
    for block, handler in [(staff_block, name) for name in (
            "staff_report", "staff_sync_status", "staff_dismiss_alert", "staff_summary",
            "learner_status")] + [(studio_block, "retry_zoom")]:
        status, _body = call_handler(block, handler, data)
        assert status in (200, 400, 409), (handler, status)


@QUICK
@given(data=json_values)
def test_the_report_query_falls_back_to_defaults(data):
    query = reports.ReportQuery.from_data(data)
    assert 1 <= query.page <= reports.MAX_PAGE
    assert 1 <= query.page_size <= reports.MAX_PAGE_SIZE
    assert query.sort in reports.SORTS and len(query.search) <= reports.MAX_QUERY_LENGTH


# --- Join and the calendar with whatever an old row or an import holds -------------------------

@pytest.fixture
def viewer(settings):
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "SYNC_DEBOUNCE_SECONDS": 0}
    user = make_user("viewer", course_role="staff")
    client = Client()
    client.force_login(user)
    return client


@QUICK
@given(title=st.text(max_size=60), zone=scalars,
       hosts=st.one_of(stored_json, st.lists(scalars)).filter(
           lambda value: value is not None and _storable(value)),
       prerequisite=stored_json.filter(lambda value: value is not None),
       status=st.sampled_from(ZoomSession.Status.values),
       live=st.sampled_from(ZoomSession.LiveStatus.values))
def test_join_and_the_calendar_answer_any_stored_session(viewer, title, zone, hosts,
                                                         prerequisite, status, live):
    session = _session(title=title[:200], status=status, live_status=live)
    ZoomSession.objects.filter(id=session.id).update(
        timezone=zone if isinstance(zone, str) else "", alternative_hosts=hosts,
        prerequisite=prerequisite)
    Registration.objects.filter(session=session).delete()
    join = reverse("zoom_xblock:join", kwargs={"usage_key": USAGE})
    ics = reverse("zoom_xblock:calendar", kwargs={"usage_key": USAGE})
    for response in (viewer.get(join), viewer.get(ics)):
        assert response.status_code in (200, 302, 403, 404, 409, 410, 503)
        assert response.status_code != 503 or b"Zoom" in response.content


# --- Redaction ---------------------------------------------------------------------------------

secret_tokens = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ23456789", min_size=10, max_size=24)


@QUICK
@given(token=secret_tokens, parameter=st.sampled_from(redaction.SECRET_PARAMETERS),
       dress=st.sampled_from([
           "https://us02web.zoom.us/j/1?{p}={t}", "us02web.zoom.us/w/1?{p}={t}",
           "https:\\/\\/zoom.us\\/j\\/1?{p}={t}", "https%3A%2F%2Fzoom.us%2Fj%2F1%3F{p}%3D{t}",
           "zoommtg://zoom.us/join?confno=1&{p}={t}", "{p}={t}", "see {p}={t}&more"]),
       around=st.text(alphabet=" .,:;()", max_size=5))
def test_no_token_survives_redaction_in_any_dress(token, parameter, dress, around):
    text = around + dress.format(p=parameter, t=token) + around
    assert token not in redaction.redact(text)


@QUICK
@given(payload=json_values, secret=secret_tokens,
       field=st.sampled_from(sorted(redaction.SECRET_FIELDS)))
def test_no_secret_field_survives_the_stored_payload(payload, secret, field):
    assume(secret not in json.dumps(payload))
    document = {"payload": {"object": {field: secret, "extra": payload,
                                       "files": [{field: secret}]}}}
    assert secret not in json.dumps(redaction.redact_payload(document))
