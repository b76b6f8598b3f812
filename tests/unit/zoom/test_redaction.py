"""Logs and exceptions never show tokens, the client secret or anyone's meeting link."""

import base64
import logging

import pytest
import requests
import responses

from zoom_xblock.zoom import ZoomAuthError, ZoomError, redact

from .conftest import ACCESS_TOKEN, API, CLIENT_ID, CLIENT_SECRET, OAUTH_URL

JOIN_URL = "https://us02web.zoom.us/w/85746065?tk=PERSONAL-TICKET-abc&uuid=WN_x"
START_URL = "https://us02web.zoom.us/s/85746065?zak=HOST-ZAK-secret"
PERSONAL_URL = "https://us02web.zoom.us/j/5551234567?pwd=PMI-PASSWORD"
SECRETS = [
    ACCESS_TOKEN,
    CLIENT_SECRET,
    base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode(),
    "PERSONAL-TICKET",
    "HOST-ZAK",
    "PMI-PASSWORD",
    JOIN_URL,
    START_URL,
    PERSONAL_URL,
]


def assert_clean(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked"


def test_no_secret_or_link_in_logs_or_errors(client, mocked, caplog):
    caplog.set_level(logging.DEBUG)  # every logger, urllib3's included
    mocked.add(
        responses.GET,
        f"{API}/users/host@example.com",
        json={
            "id": "u1",
            "email": "host@example.com",
            "type": 2,
            "personal_meeting_url": PERSONAL_URL,
        },
    )
    mocked.add(
        responses.POST,
        f"{API}/users/host@example.com/meetings",
        status=201,
        json={"id": 1, "join_url": JOIN_URL, "start_url": START_URL},
    )
    mocked.add(
        responses.GET,
        f"{API}/meetings/1",
        json={"id": 1, "join_url": JOIN_URL, "start_url": START_URL},
    )
    mocked.add(
        responses.POST,
        f"{API}/meetings/1/batch_registrants",
        status=201,
        json={
            "registrants": [{"email": "a@example.com", "registrant_id": "r", "join_url": JOIN_URL}]
        },
    )
    # Error messages that quote links and tokens must come out redacted.
    mocked.add(
        responses.PATCH,
        f"{API}/meetings/1",
        status=400,
        json={
            "code": 300,
            "message": f"Cannot reuse {START_URL} with Bearer {ACCESS_TOKEN}",
            "errors": [{"field": "settings", "message": f"bad link {PERSONAL_URL}"}],
        },
    )
    mocked.add(
        responses.DELETE,
        f"{API}/meetings/1",
        body=requests.ConnectionError(f"Max retries exceeded with url: {START_URL}"),
    )

    user = client.get_user("host@example.com")
    client.create("meeting", "host@example.com", {"topic": "T"})
    client.get("meeting", 1)
    results = client.add_registrants("meeting", 1, [{"email": "a@example.com", "first_name": "A"}])
    texts = [repr(user), repr(results), repr(client.tokens.get())]
    for action in (
        lambda: client.update("meeting", 1, {"topic": "x"}),
        lambda: client.delete("meeting", 1),
    ):
        with pytest.raises(ZoomError) as caught:
            action()
        error = caught.value
        texts += [str(error), repr(error), error.message, repr(getattr(error, "field_errors", ""))]
    assert caplog.records, "the client logs its calls"
    assert_clean(caplog.text + "\n".join(texts))


def test_token_endpoint_errors_do_not_echo_the_secret(make_client, mocked, caplog):
    caplog.set_level(logging.DEBUG)
    mocked.add(
        responses.POST,
        OAUTH_URL,
        status=401,
        json={"reason": f"Invalid client secret {CLIENT_SECRET}", "error": "invalid_client"},
    )
    with pytest.raises(ZoomAuthError) as caught:
        make_client().granted_scopes()
    assert_clean(caplog.text + str(caught.value) + repr(caught.value))


def test_each_call_logs_operation_method_status_code_attempt_and_duration(client, mocked, caplog):
    caplog.set_level(logging.INFO, logger="zoom_xblock.zoom")
    mocked.add(responses.GET, f"{API}/meetings/9", status=503, body="")
    mocked.add(
        responses.GET,
        f"{API}/meetings/9",
        status=404,
        json={"code": 3001, "message": "Meeting does not exist: 9."},
    )
    with pytest.raises(ZoomError):
        client.get("meeting", 9)
    calls = [r.getMessage() for r in caplog.records if "operation=get_meeting" in r.getMessage()]
    assert "method=GET status=503 code=None attempt=1 duration_ms=" in calls[0]
    assert any("status=404 code=3001 attempt=2" in line for line in calls)


def test_redact_masks_urls_credentials_and_named_secrets():
    text = (
        f"see {JOIN_URL} Authorization: Bearer abc.def Basic dXNlcjpwYXNz "
        f"{ACCESS_TOKEN} and my-own-secret"
    )
    cleaned = redact(text, secrets=["my-own-secret"])
    for secret in (JOIN_URL, "abc.def", "dXNlcjpwYXNz", ACCESS_TOKEN, "my-own-secret"):
        assert secret not in cleaned


@pytest.mark.parametrize("text", [
    "open us02web.zoom.us/j/85746065?pwd=S3CRET-PWD now",  # no scheme
    '{"join_url": "https:\\/\\/zoom.us\\/w\\/1?tk=S3CRET-TK"}',  # JSON-escaped
    "next=https%3A%2F%2Fzoom.us%2Fs%2F1%3Fzak%3DS3CRET-ZAK",  # percent-encoded
    "the ticket tk=S3CRET-TK was refused",  # bare parameters
    "zak=S3CRET-ZAK&x=1",
    "access_token=S3CRET-OPAQUE-TOKEN",  # an opaque (not JWT-shaped) token
    "launch zoommtg://zoom.us/join?confno=1&pwd=S3CRET-PWD",  # the desktop app's scheme
    "ZOOMUS://zoom.us/start?zak=S3CRET-ZAK",
])
def test_redact_masks_links_and_tokens_in_every_form(text):
    cleaned = redact(text)
    assert "S3CRET" not in cleaned, cleaned


def test_redact_keeps_what_is_not_a_secret():
    text = "Meeting does not exist: 85746065. User host@example.com not found (code 1001)."
    assert redact(text) == text


def test_redact_payload_masks_passcodes_and_link_tokens_and_keeps_the_rest():
    from zoom_xblock.zoom.redaction import REDACTED, redact_payload

    payload = {"event": "meeting.updated", "payload": {"object": {
        "id": 1, "topic": "Seminar", "password": "PWD-1", "settings": {"h323_password": "H-2"},
        "join_url": "https://zoom.us/j/1?pwd=PWD-3&uname=x",
        "share_url": "https://zoom.us/rec/share/s?pwd=SHARE&access_token=AT-4",
        "recording_files": [{"download_url": "https://zoom.us/rec/download/f?access_token=AT-5"}],
    }}}
    cleaned = redact_payload(payload)
    text = str(cleaned)
    for secret in ("PWD-1", "H-2", "PWD-3", "AT-4", "AT-5"):
        assert secret not in text
    obj = cleaned["payload"]["object"]
    assert obj["password"] == REDACTED and obj["topic"] == "Seminar" and obj["id"] == 1
    assert obj["join_url"] == "https://zoom.us/j/1?uname=x"
    assert obj["share_url"] == "https://zoom.us/rec/share/s?pwd=SHARE"  # meant for learners
    assert payload["payload"]["object"]["password"] == "PWD-1"  # the input is not changed
