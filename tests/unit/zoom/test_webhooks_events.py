"""Webhook envelope parsing: ids normalised to str, a stable dedupe key."""

import json

import pytest

from zoom_xblock.zoom import event_dedupe_key, normalise_id, parse_event


def envelope(object_id, event_ts=1_700_000_000_123, **extra):
    return {
        "event": "meeting.participant_joined",
        "event_ts": event_ts,
        "payload": {
            "account_id": "acc",
            "object": {
                "id": object_id,
                "uuid": "abc==",
                **extra,
                "participant": {"user_id": "16778240", "registrant_id": "r1"},
            },
        },
    }


@pytest.mark.parametrize("raw", [85746065, "85746065", 85746065.0])
def test_object_id_is_always_a_string(raw):
    event = parse_event(json.dumps(envelope(raw)).encode())
    assert event.object_id == "85746065"
    assert event.event == "meeting.participant_joined"
    assert event.account_id == "acc"
    assert event.object["participant"]["registrant_id"] == "r1"


def test_dedupe_key_is_stable_across_retries_and_key_order():
    body = envelope(1)
    reordered = json.loads(json.dumps(body, sort_keys=True))
    assert parse_event(json.dumps(body)).dedupe_key == parse_event(reordered).dedupe_key
    assert parse_event(body).dedupe_key != parse_event(envelope(1, event_ts=1)).dedupe_key
    assert event_dedupe_key(body) == parse_event(body).dedupe_key


def test_repr_hides_the_payload():
    event = parse_event(envelope(1, share_url="https://zoom.us/rec/share/SECRET"))
    assert "SECRET" not in repr(event)


@pytest.mark.parametrize("body", [b"[]", b"{}", b'{"payload": {}}'])
def test_not_an_envelope(body):
    with pytest.raises(ValueError):
        parse_event(body)


def test_normalise_id():
    assert normalise_id(None) is None and normalise_id("") is None
    assert normalise_id(12) == "12" and normalise_id("ab") == "ab"
