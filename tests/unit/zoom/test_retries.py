"""Retries: backoff with jitter for 5xx/timeouts/429, Retry-After, never a daily quota."""

import pytest
import requests
import responses

from zoom_xblock.zoom import (
    Category,
    ZoomQuotaExceeded,
    ZoomRateLimited,
    ZoomUnavailable,
)

from .conftest import API, api_calls

MEETING_URL = f"{API}/meetings/42"
MEETING = {"id": 42, "topic": "Office hours"}
PER_SECOND = {
    "code": 429,
    "message": "You have reached the maximum per-second rate limit for this API. Try again later.",
}


def test_backoff_on_5xx_then_success(client, mocked, clock):
    mocked.add(responses.GET, MEETING_URL, status=500, json={"code": 500, "message": "oops"})
    mocked.add(responses.GET, MEETING_URL, status=502, body="")
    mocked.add(responses.GET, MEETING_URL, json=MEETING)
    assert client.get("meeting", 42) == MEETING
    assert len(api_calls(mocked)) == 3
    first, second = clock.sleeps
    assert 0.25 <= first <= 0.5  # attempt 1: half of 0.5 s plus jitter
    assert 0.5 <= second <= 1.0  # attempt 2: doubled


def test_attempts_are_bounded(make_client, token_endpoint, mocked, clock):
    mocked.add(responses.GET, MEETING_URL, status=503, body="")
    client = make_client(max_attempts=3)
    with pytest.raises(ZoomUnavailable):
        client.get("meeting", 42)
    assert len(api_calls(mocked)) == 3
    assert len(clock.sleeps) == 2


def test_backoff_is_capped(make_client, token_endpoint, mocked, clock):
    mocked.add(responses.GET, MEETING_URL, status=503, body="")
    client = make_client(max_attempts=12, backoff_cap=4.0)
    with pytest.raises(ZoomUnavailable):
        client.get("meeting", 42)
    assert max(clock.sleeps) <= 4.0


@pytest.mark.parametrize(
    "failure",
    [
        requests.ConnectTimeout("connect"),
        requests.ReadTimeout("read"),
        requests.ConnectionError("reset"),
    ],
)
def test_timeouts_and_connection_errors_are_retried(client, mocked, failure):
    mocked.add(responses.GET, MEETING_URL, body=failure)
    mocked.add(responses.GET, MEETING_URL, json=MEETING)
    assert client.get("meeting", 42) == MEETING


def test_every_request_has_the_configured_timeout(make_client, token_endpoint, mocked):
    mocked.add(responses.GET, MEETING_URL, json=MEETING)
    make_client(timeout=(1.5, 7)).get("meeting", 42)
    assert all(call.request.req_kwargs["timeout"] == (1.5, 7) for call in mocked.calls)


def test_per_second_429_honours_retry_after_seconds(client, mocked, clock):
    mocked.add(
        responses.GET,
        MEETING_URL,
        status=429,
        json=PER_SECOND,
        headers={"Retry-After": "3", "X-RateLimit-Type": "QPS"},
    )
    mocked.add(responses.GET, MEETING_URL, json=MEETING)
    assert client.get("meeting", 42) == MEETING
    assert clock.sleeps == [3.0]


def test_per_second_429_honours_retry_after_as_a_date(client, mocked, clock):
    clock.now = 1_717_070_400.0  # 2024-05-30T12:00:00Z
    mocked.add(
        responses.GET,
        MEETING_URL,
        status=429,
        json=PER_SECOND,
        headers={"Retry-After": "2024-05-30T12:00:02Z"},
    )
    mocked.add(responses.GET, MEETING_URL, json=MEETING)
    assert client.get("meeting", 42) == MEETING
    assert clock.sleeps == [2.0]


def test_per_second_429_without_retry_after_backs_off(client, mocked, clock):
    mocked.add(responses.GET, MEETING_URL, status=429, json=PER_SECOND)
    mocked.add(responses.GET, MEETING_URL, json=MEETING)
    assert client.get("meeting", 42) == MEETING
    assert len(clock.sleeps) == 1 and 0 < clock.sleeps[0] <= 0.5


def test_retry_after_longer_than_the_maximum_wait_is_raised(
    make_client, token_endpoint, mocked, clock
):
    mocked.add(
        responses.GET, MEETING_URL, status=429, json=PER_SECOND, headers={"Retry-After": "120"}
    )
    with pytest.raises(ZoomRateLimited) as caught:
        make_client(max_retry_wait=60).get("meeting", 42)
    assert caught.value.retry_after == 120
    assert clock.sleeps == []


def test_daily_quota_is_never_retried(client, mocked, clock):
    mocked.add(
        responses.PATCH,
        MEETING_URL,
        status=429,
        json={
            "code": 429,
            "message": "You have exceeded the daily rate limit (100) of Meeting "
            "Create/Update API requests permitted for this particular user.",
        },
        headers={"X-RateLimit-Type": "Daily-limit", "Retry-After": "2024-05-31T00:00:00Z"},
    )
    with pytest.raises(ZoomQuotaExceeded):
        client.update("meeting", 42, {"topic": "New"})
    assert len(api_calls(mocked)) == 1
    assert clock.sleeps == []


def test_create_is_not_retried_after_a_read_timeout(client, mocked):
    url = f"{API}/users/host@example.com/meetings"
    mocked.add(responses.POST, url, body=requests.ReadTimeout("read"))
    with pytest.raises(ZoomUnavailable) as caught:
        client.create("meeting", "host@example.com", {"topic": "T"})
    assert caught.value.request_sent is True
    assert len(api_calls(mocked)) == 1


def test_create_is_retried_when_the_request_never_left(client, mocked):
    url = f"{API}/users/host@example.com/meetings"
    mocked.add(responses.POST, url, body=requests.ConnectTimeout("connect"))
    mocked.add(responses.POST, url, status=429, json=PER_SECOND)
    mocked.add(responses.POST, url, status=201, json={"id": 1})
    assert client.create("meeting", "host@example.com", {"topic": "T"}) == {"id": 1}
    assert len(api_calls(mocked)) == 3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_create_is_not_retried_after_any_5xx(client, mocked, status):
    """Zoom may have made the meeting and still answered 5xx (a 503 too): never send it twice."""
    url = f"{API}/users/host@example.com/meetings"
    mocked.add(responses.POST, url, status=status, body="<html>Bad Gateway</html>")
    with pytest.raises(ZoomUnavailable) as caught:
        client.create("meeting", "host@example.com", {"topic": "T"})
    assert len(api_calls(mocked)) == 1
    assert caught.value.request_sent


def test_each_attempt_passes_the_rate_limiter(client, mocked):
    mocked.add(responses.GET, MEETING_URL, status=500, json={"code": 500, "message": "oops"})
    mocked.add(responses.GET, MEETING_URL, json=MEETING)
    client.get("meeting", 42)
    assert client.rate_limiter.acquired == [(client.account_key, Category.LIGHT, "pro")] * 2
