"""Per-second limits by category (scaled), the host and registrant daily quotas."""
import time

import pytest

from zoom_xblock.sandbox import start_sandbox

from .conftest import ADA_PERSON, Zoom, create_meeting, people


@pytest.fixture
def scaled():
    # time_scale 2: Pro's Heavy limit of 10 per second becomes 10 per half second.
    handle = start_sandbox(time_scale=2, webhook_base="")
    yield handle
    handle.stop()


def test_heavy_rate_gives_429_with_headers(scaled):
    zoom = Zoom(scaled.url)
    meeting = create_meeting(zoom)
    url = f"/meetings/{meeting['id']}/batch_registrants"
    answers = [zoom.post(url, json={"registrants": [person]}) for person in people(16)]
    statuses = [answer.status_code for answer in answers]
    assert statuses[:10] == [201] * 10
    throttled = [answer for answer in answers if answer.status_code == 429]
    assert throttled
    first = throttled[0]
    assert first.json() == {"code": 429, "message": "You have reached the maximum per-second "
                            "rate limit for this API. Try again later."}
    assert first.headers["X-RateLimit-Category"] == "Heavy"
    assert first.headers["X-RateLimit-Type"] == "QPS"
    assert int(first.headers["Retry-After"]) >= 1
    assert 0 < int(first.headers["X-Sandbox-Retry-After-Ms"]) <= 500
    time.sleep(0.55)
    assert zoom.post(url, json={"registrants": people(1, "later")}).status_code == 201
    stats = zoom.get("/_sandbox/stats").json()
    assert stats["throttled"]["QPS:Heavy"] == len(throttled)
    assert stats["peak_rate"]["Heavy"]["peak_per_second"] >= 11
    assert stats["calls"]["POST /meetings/{id}/batch_registrants"] == 17


def test_categories_are_separate(scaled):
    zoom = Zoom(scaled.url)
    meeting = create_meeting(zoom)
    for person in people(12):
        zoom.post(f"/meetings/{meeting['id']}/batch_registrants", json={"registrants": [person]})
    assert zoom.get("/users/host@example.com").status_code == 200  # Light is not Heavy


def test_host_daily_quota_of_100_resets_at_midnight(zoom):
    for _ in range(100):
        create_meeting(zoom)
    refused = zoom.post("/users/host@example.com/meetings", json={"topic": "one too many"})
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Type"] == "Daily-limit"
    assert "daily rate limit (100) of Meeting Create/Update" in refused.json()["message"]
    today = zoom.get("/_sandbox/clock").json()["now"][:10]
    assert refused.headers["Retry-After"].endswith("T00:00:00Z")
    assert refused.headers["Retry-After"][:10] > today
    some_meeting = zoom.get("/_sandbox/state").json()["meetings"][0]["id"]
    assert zoom.patch(f"/meetings/{some_meeting}", json={"topic": "x"}).status_code == 429
    create_meeting(zoom, kind="webinars")  # webinars have their own 100
    create_meeting(zoom, host="host2@example.com")  # and so does every host
    zoom.post("/_sandbox/clock/advance", json={"days": 1})
    zoom = Zoom(zoom.url)  # the old token expired during the night
    create_meeting(zoom)
    stats = zoom.get("/_sandbox/stats").json()
    assert stats["throttled"]["Daily-limit:meeting-host"] == 2


def test_registrant_quota_of_3_a_day(zoom):
    meeting = create_meeting(zoom)
    url = f"/meetings/{meeting['id']}/registrants"
    for _ in range(3):
        assert zoom.post(url, json=ADA_PERSON).status_code == 201
    refused = zoom.post(url, json=ADA_PERSON)
    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Type"] == "Daily-limit"
    status = zoom.put(f"{url}/status", json={"action": "cancel",
                                             "registrants": [{"email": ADA_PERSON["email"]}]})
    assert status.status_code == 429
    batch = zoom.post(f"/meetings/{meeting['id']}/batch_registrants",
                      json={"registrants": [ADA_PERSON]})
    assert batch.status_code == 429
    other = {**ADA_PERSON, "email": "grace@example.com"}
    assert zoom.post(url, json=other).status_code == 201
    zoom.post("/_sandbox/clock/advance", json={"hours": 24})
    zoom = Zoom(zoom.url)
    assert zoom.post(url, json=ADA_PERSON).status_code == 201
