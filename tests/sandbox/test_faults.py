"""Injected faults: random 5xx, latency, answers held past the client's timeout."""
import time

import pytest
import requests

from .conftest import create_meeting


def test_error_ratio_gives_5xx_without_side_effects(zoom):
    zoom.post("/_sandbox/faults", json={"error_ratio": 1})
    answer = zoom.post("/users/host@example.com/meetings", json={"topic": "never"})
    assert answer.status_code in (500, 502, 503, 504)
    zoom.delete("/_sandbox/faults")
    assert zoom.get("/_sandbox/state").json()["meetings"] == []
    assert zoom.get("/users/host@example.com").status_code == 200
    assert sum(zoom.get("/_sandbox/stats").json()["faults"].values()) == 1


def test_error_ratio_is_a_ratio(zoom):
    zoom.post("/_sandbox/faults", json={"error_ratio": 0.5})
    statuses = [zoom.get("/users/host@example.com").status_code for _ in range(60)]
    assert 5 < sum(status >= 500 for status in statuses) < 55


def test_fail_next_fails_exactly_that_many_calls(zoom):
    zoom.post("/_sandbox/faults", json={"fail_next": 2})
    statuses = [zoom.get("/users/host@example.com").status_code for _ in range(4)]
    assert statuses == [503, 503, 200, 200]


def test_latency_is_added(zoom):
    zoom.post("/_sandbox/faults", json={"latency_ms": 150})
    started = time.monotonic()
    assert zoom.get("/users/host@example.com").status_code == 200
    assert time.monotonic() - started >= 0.15


def test_timeout_does_the_work_but_answers_too_late(zoom):
    zoom.post("/_sandbox/faults", json={"timeout_ratio": 1, "timeout_seconds": 0.5})
    with pytest.raises(requests.exceptions.ReadTimeout):
        zoom.post("/users/host@example.com/meetings", json={"topic": "slow"}, timeout=0.2)
    zoom.delete("/_sandbox/faults")
    assert [m["topic"] for m in zoom.get("/_sandbox/state").json()["meetings"]] == ["slow"]
    assert create_meeting(zoom)["topic"] == "Intro to Zoom"


def test_bad_fault_settings_are_refused(zoom):
    assert zoom.post("/_sandbox/faults", json={"error_ratio": 2}).status_code == 400
    assert zoom.post("/_sandbox/faults", json={"explode": 1}).status_code == 400
