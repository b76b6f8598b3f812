"""The webhook endpoints: only fresh requests signed by Zoom over exactly their body are
stored, once each; nothing a caller sends makes them answer with a server error."""
import hmac
import io
import json
import time
from datetime import UTC, datetime

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zoom_xblock import sweep
from zoom_xblock.models import WebhookEvent, ZoomSession
from zoom_xblock.webhooks import zoom_events
from zoom_xblock.zoom.webhooks import signature_headers

pytestmark = pytest.mark.django_db

SECRET = "test-webhook-secret"
MAX_BODY = 16 * 1024
TOLERANCE = 300
ENDPOINTS = ("/zoom/webhook/meeting", "/zoom/webhook/webinar")
PROPERTY = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _webhook_settings(settings):
    settings.ZOOM_XBLOCK = {"WEBHOOK_SECRET_TOKEN": SECRET, "WEBHOOK_MAX_BODY_BYTES": MAX_BODY,
                            "WEBHOOK_TOLERANCE_SECONDS": TOLERANCE, "SYNC_DEBOUNCE_SECONDS": 0}


def post(path, body: bytes, headers: dict | None = None, content_type="application/json",
         **environ):
    """POST ``body`` as-is (raw bytes) with ``headers``; extra WSGI ``environ`` wins."""
    headers = {k: v for k, v in (headers or {}).items() if k.lower() != "content-type"}
    return Client().generic("POST", path, body, content_type=content_type, headers=headers,
                            **environ)


def signed_post(path, body: bytes, secret=SECRET, timestamp=None, **kwargs):
    return post(path, body, signature_headers(secret, body, timestamp), **kwargs)


def envelope(event="meeting.started", zoom_id="81234567890", **obj):
    return {"event": event, "event_ts": int(time.time() * 1000),
            "payload": {"account_id": "acc", "object": {"id": zoom_id, "uuid": "u1==", **obj}}}


def encode(data) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def stored() -> int:
    return WebhookEvent.objects.count()


def refused(response) -> bool:
    return 400 <= response.status_code < 500


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.floats(allow_nan=False, allow_infinity=False),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=15,
)
VALID_EVENTS = st.builds(
    lambda name, zoom_id, extra, ts: {
        "event": name, "event_ts": ts,
        "payload": {"account_id": "acc", "object": {"id": zoom_id, "uuid": "u==", **extra}}},
    st.sampled_from(sorted(zoom_events.STORED_EVENTS)),
    st.one_of(st.integers(1, 10**11), st.integers(1, 10**11).map(str), st.text(max_size=12),
              st.integers(2**63 - 5, 2**70), st.floats(allow_nan=False, allow_infinity=False),
              st.booleans()),
    st.dictionaries(st.text(min_size=1, max_size=10).filter(lambda k: k not in ("id", "uuid")),
                    JSON_VALUES, max_size=4),
    st.integers(-(2**70), 2**70) | st.floats(allow_nan=False, allow_infinity=False),
)
ENDPOINT = st.sampled_from(ENDPOINTS)


# --- Nothing unsigned, badly signed, stale or malformed gets in --------------------------------

@PROPERTY
@given(path=ENDPOINT, data=VALID_EVENTS, signature=st.text(max_size=80))
def test_forged_signatures_are_refused(path, data, signature):
    body = encode(data)
    headers = {"x-zm-signature": signature, "x-zm-request-timestamp": str(int(time.time()))}
    response = post(path, body, headers)
    assert response.status_code == 401
    assert stored() == 0


@PROPERTY
@given(path=ENDPOINT, data=VALID_EVENTS, secret=st.text(min_size=1, max_size=40))
def test_a_wrong_secret_is_refused(path, data, secret):
    if secret == SECRET:
        secret += "x"
    response = signed_post(path, encode(data), secret=secret)
    assert response.status_code == 401
    assert stored() == 0


@PROPERTY
@given(path=ENDPOINT, data=VALID_EVENTS,
       offset=st.integers(TOLERANCE + 1, 10**9) | st.integers(-(10**9), -(TOLERANCE + 1)))
def test_stale_and_future_timestamps_are_refused(path, data, offset):
    response = signed_post(path, encode(data), timestamp=int(time.time()) + offset)
    assert response.status_code == 401
    assert stored() == 0


@PROPERTY
@given(path=ENDPOINT, timestamp=st.text(st.characters(max_codepoint=255), max_size=20).filter(
    lambda t: not t.isascii() or not t.isdigit()))
def test_timestamps_that_are_not_plain_seconds_are_refused(path, timestamp):
    """WSGI headers are latin-1 text: " 17e8", "1_700_000_000" or "١٧" are not Zoom's."""
    body = encode(envelope())
    message = b"v0:" + timestamp.encode("latin-1") + b":" + body
    headers = {"x-zm-signature": "v0=" + hmac.new(SECRET.encode(), message, "sha256").hexdigest(),
               "x-zm-request-timestamp": timestamp}
    response = post(path, body, headers)
    assert refused(response)
    assert stored() == 0


@PROPERTY
@given(path=ENDPOINT, data=VALID_EVENTS, cut=st.floats(0, 0.999), sign_the_cut=st.booleans())
def test_truncated_bodies_are_refused(path, data, cut, sign_the_cut):
    body = encode(data)
    truncated = body[: int(len(body) * cut)]
    headers = signature_headers(SECRET, truncated if sign_the_cut else body)
    response = post(path, truncated, headers)
    assert refused(response)
    assert stored() == 0


@PROPERTY
@given(path=ENDPOINT, size=st.integers(MAX_BODY + 1, 4 * MAX_BODY),
       length=st.sampled_from(["honest", "smaller", "bigger", "absent", "chunked", "junk"]))
def test_oversized_bodies_are_refused_whatever_content_length_says(path, size, length):
    data = envelope()
    data["payload"]["object"]["padding"] = "x" * size
    body = encode(data)
    headers = signature_headers(SECRET, body)
    environ = {"wsgi.input": io.BytesIO(body)}
    if length == "smaller":
        environ["CONTENT_LENGTH"] = str(MAX_BODY // 2)
    elif length == "bigger":
        environ["CONTENT_LENGTH"] = str(len(body) + 1000)
    elif length in ("absent", "chunked"):
        environ["CONTENT_LENGTH"] = ""
        environ["wsgi.input_terminated"] = length == "chunked"
    elif length == "junk":
        environ["CONTENT_LENGTH"] = "12abc"
    response = post(path, body, headers, **environ)
    assert refused(response)
    if length in ("honest", "bigger", "chunked"):
        assert response.status_code == 413
    assert stored() == 0


@PROPERTY
@given(path=ENDPOINT, content_type=st.sampled_from(
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=zz",
     "application/xml", "", "application/jsonx", "text/json"]) | st.text(max_size=30).filter(
    lambda t: not t.strip().lower().startswith("application/json")))
def test_wrong_content_types_are_refused(path, content_type):
    body = encode(envelope())
    response = post(path, body, signature_headers(SECRET, body), content_type=content_type)
    assert refused(response)
    assert stored() == 0


@PROPERTY
@given(path=ENDPOINT, document=JSON_VALUES, raw=st.binary(max_size=200), use_raw=st.booleans())
def test_random_json_and_bytes_are_not_stored(path, document, raw, use_raw):
    body = raw if use_raw else encode(document)
    for response in (post(path, body, {"x-zm-signature": "v0=00",
                                       "x-zm-request-timestamp": str(int(time.time()))}),
                     signed_post(path, body)):  # signed but not a Zoom event we store
        assert response.status_code < 500
        if response.status_code == 200 and response.get("Content-Type", "").startswith(
                "application/json"):
            assert "plainToken" in json.loads(response.content)
    assert stored() == 0


@pytest.mark.parametrize("body", [b"{", b"[1,2", b"\xff\xfe", b"NaN", b'{"event": NaN}',
                                  b'{"event": Infinity}', b"[" * 8000 + b"]" * 8000,
                                  b'{"event": 1}', b"[]", b'"meeting.started"', b"   "])
@pytest.mark.parametrize("path", ENDPOINTS)
def test_malformed_json_is_a_400(path, body):
    response = signed_post(path, body)
    assert response.status_code == 400
    assert stored() == 0
    assert refused(signed_post(path, b""))  # no body, no content type


@pytest.mark.parametrize("path", ENDPOINTS)
def test_other_methods_and_a_missing_secret_are_refused_without_a_server_error(path, settings):
    assert Client().get(path).status_code == 405
    assert Client().put(path, b"{}", content_type="application/json").status_code == 405
    settings.ZOOM_XBLOCK = {}
    body = encode(envelope())
    assert signed_post(path, body).status_code == 503  # the operator's to fix; Zoom retries
    assert stored() == 0


# --- What Zoom sends is accepted --------------------------------------------------------------

@PROPERTY
@given(path=ENDPOINT, data=VALID_EVENTS,
       skew=st.integers(-TOLERANCE + 5, TOLERANCE - 5))
def test_every_valid_signed_event_is_accepted_and_stored(path, data, skew):
    WebhookEvent.objects.all().delete()  # hypothesis may replay an example: not a duplicate
    response = signed_post(path, encode(data), timestamp=int(time.time()) + skew)
    assert response.status_code == 200
    assert stored() == 1
    row = WebhookEvent.objects.latest("id")
    assert row.event == data["event"] and row.status == "received"
    assert row.endpoint == path.rsplit("/", 1)[1]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_url_validation_challenge_is_answered(path):
    body = encode({"event": "endpoint.url_validation", "event_ts": 1,
                   "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}})
    response = signed_post(path, body)
    assert response.status_code == 200
    assert response.json() == {
        "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
        # HMAC-SHA256(secret, plainToken), as Zoom's documentation computes it
        "encryptedToken": hmac.new(
            SECRET.encode(), b"qgg8vlvZRS6UYooatFL8Aw", "sha256").hexdigest(),
    }
    assert stored() == 0


@pytest.mark.parametrize("path", ENDPOINTS)
def test_an_unknown_event_is_acknowledged_and_ignored(path):
    response = signed_post(path, encode(envelope(event="meeting.chat_message_sent")))
    assert response.status_code == 200
    assert stored() == 0


def test_a_duplicate_is_stored_once_and_applied_once(django_capture_on_commit_callbacks):
    session = ZoomSession.objects.create(usage_key="block-v1:x+y+z+type@zoom+block@dup",
                                         course_key="course-v1:x+y+z", title="Dup",
                                         zoom_id=81234567890, status="scheduled")
    body = encode(envelope(event="meeting.started", start_time="2030-01-15T14:00:05Z"))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = signed_post(ENDPOINTS[0], body)
        retry = signed_post(ENDPOINTS[0], body, timestamp=int(time.time()) + 2)  # re-signed
    assert first.status_code == retry.status_code == 200
    assert len(callbacks) == 1  # one apply task queued
    (row,) = WebhookEvent.objects.all()
    assert row.status == "applied"
    session.refresh_from_db()
    assert session.live_status == "live"
    assert session.actual_start == datetime(2030, 1, 15, 14, 0, 5, tzinfo=UTC)
    assert zoom_events.apply_event(row.id) == "applied"  # applying again changes nothing


def test_the_recording_download_token_is_not_stored():
    data = {"event": "recording.completed", "event_ts": 5, "download_token": "SECRET-TOKEN",
            "payload": {"object": {"id": 5, "uuid": "r==", "recording_files": []}}}
    assert signed_post(ENDPOINTS[0], encode(data)).status_code == 200
    assert "SECRET-TOKEN" not in json.dumps(WebhookEvent.objects.get().payload)


def test_the_sweep_applies_events_whose_task_was_lost():
    ZoomSession.objects.create(usage_key="block-v1:x+y+z+type@zoom+block@lost",
                               course_key="course-v1:x+y+z", title="Lost",
                               zoom_id=81234567890, status="scheduled")
    signed_post(ENDPOINTS[0], encode(envelope()))  # on_commit never runs: the task is "lost"
    (row,) = WebhookEvent.objects.all()
    assert zoom_events.apply_pending() == 0  # younger than a minute: its task may still come
    later = datetime.now(UTC).replace(microsecond=0) + zoom_events.PENDING_AFTER * 2
    assert zoom_events.apply_pending(now=later) == 1
    row.refresh_from_db()
    assert row.status == "applied"
    assert ZoomSession.objects.get(zoom_id=81234567890).live_status == "live"


def test_the_periodic_sweep_includes_the_webhook_safety_net():

    ZoomSession.objects.create(usage_key="block-v1:x+y+z+type@zoom+block@sweep",
                               course_key="course-v1:x+y+z", title="Swept",
                               zoom_id=81234567890, status="scheduled")
    signed_post(ENDPOINTS[0], encode(envelope()))  # its task is lost
    WebhookEvent.objects.update(received_at=datetime.now(UTC) - zoom_events.PENDING_AFTER * 2)
    result = sweep.run()
    assert result["webhooks_applied"] == 1 and result["reports_queued"] == 0
    assert WebhookEvent.objects.get().status == "applied"


def test_a_burst_of_events_queues_one_apply_task(monkeypatch, django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from zoom_xblock import tasks

    cache.clear()
    queued = []
    monkeypatch.setattr(tasks.apply_webhooks, "apply_async", lambda **kw: queued.append(kw))
    for number in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            data = envelope(event="meeting.participant_joined", participant={"user_id": number})
            assert signed_post(ENDPOINTS[0], encode(data)).status_code == 200
    assert len(queued) == 1  # one task for the burst, not one per event
    assert zoom_events.apply_received() == 0  # no session with that id: each one ignored
    assert not WebhookEvent.objects.filter(status="received").exists()
    with django_capture_on_commit_callbacks(execute=True):
        signed_post(ENDPOINTS[0], encode(envelope(event="meeting.ended")))
    assert len(queued) == 2  # the task started: the next event queues the next one
