"""Each error class from realistic Zoom bodies and headers."""

import datetime as dt

import pytest
import responses

from zoom_xblock.zoom import (
    HOST_ALTERNATIVE_REFUSED,
    HOST_NO_WEBINAR_LICENCE,
    HOST_NOT_FOUND,
    HOST_NOT_IN_ACCOUNT,
    HOST_NOT_LICENSED,
    QUOTA_ACCOUNT,
    QUOTA_HOST,
    QUOTA_REGISTRANT,
    FieldError,
    ZoomAuthError,
    ZoomBatchUnavailable,
    ZoomCapacityFull,
    ZoomError,
    ZoomHostError,
    ZoomMeetingOver,
    ZoomNotFound,
    ZoomQuotaExceeded,
    ZoomRateLimited,
    ZoomScopeError,
    ZoomUnavailable,
    ZoomValidationError,
)
from zoom_xblock.zoom.errors import parse_missing_scopes, parse_retry_after

from .conftest import API

MEETING_URL = f"{API}/meetings/85746065"
UTC = dt.UTC


def fail_with(mocked, client, status, body, headers=None, max_attempts=1):
    mocked.add(responses.GET, MEETING_URL, status=status, json=body, headers=headers or {})
    client.max_attempts = max_attempts
    with pytest.raises(ZoomError) as caught:
        client.get("meeting", 85746065)
    return caught.value


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (404, {"code": 3001, "message": "Meeting does not exist: 85746065."}, ZoomNotFound),
        (400, {"code": 3001, "message": "Meeting is not found or has expired."}, ZoomNotFound),
        (
            400,
            {"code": 3038, "message": "Meeting is over, you can not register now."},
            ZoomMeetingOver,
        ),
        (
            400,
            {"code": 3043, "message": "Meeting has reached maximum attendee capacity."},
            ZoomCapacityFull,
        ),
        (
            400,
            {"code": 303, "message": "Only available for scheduled meetings"},
            ZoomBatchUnavailable,
        ),
        (401, {"code": 124, "message": "Invalid access token."}, ZoomAuthError),
        (500, {"code": 500, "message": "Internal error"}, ZoomUnavailable),
        (403, {"code": 200, "message": "No permission."}, ZoomError),
    ],
)
def test_zoom_codes_map_to_error_classes(client, mocked, status, body, expected):
    error = fail_with(mocked, client, status, body)
    assert type(error) is expected
    assert (error.status, error.code, error.operation) == (status, body["code"], "get_meeting")


@pytest.mark.parametrize(
    ("status", "body", "reason"),
    [
        (404, {"code": 1001, "message": "User does not exist: host@example.com."}, HOST_NOT_FOUND),
        (
            400,
            {"code": 1010, "message": "User does not belong to this account: x@example.com."},
            HOST_NOT_IN_ACCOUNT,
        ),
        (
            400,
            {
                "code": 200,
                "message": "Webinar plan is missing. You must subscribe to the "
                "webinar plan and enable webinar for this user in order to perform this action.",
            },
            HOST_NO_WEBINAR_LICENCE,
        ),
        (
            400,
            {"code": 200, "message": "Only available for Paid users: host@example.com."},
            HOST_NOT_LICENSED,
        ),
    ],
)
def test_host_errors_carry_a_reason(client, mocked, status, body, reason):
    error = fail_with(mocked, client, status, body)
    assert isinstance(error, ZoomHostError)
    assert error.reason == reason


def test_refused_alternative_hosts_are_a_host_error_naming_them(client, mocked):
    error = fail_with(mocked, client, 400, {
        "code": 1114, "message": "Unable to assign alternative host: out@example.org, "
        "free@example.com. Alternative hosts must be licensed users in the same account."})
    assert isinstance(error, ZoomHostError)
    assert error.reason == HOST_ALTERNATIVE_REFUSED  # not the organizer's "not licensed"
    assert error.addresses == ["out@example.org", "free@example.com"]


def test_validation_error_carries_field_errors(client, mocked):
    error = fail_with(
        mocked,
        client,
        400,
        {
            "code": 300,
            "message": "Validation Failed.",
            "errors": [
                {"field": "registrants[0].email", "message": "Invalid email."},
                {"field": "topic", "message": "Topic is too long."},
            ],
        },
    )
    assert isinstance(error, ZoomValidationError)
    assert error.field_errors == (
        FieldError("registrants[0].email", "Invalid email."),
        FieldError("topic", "Topic is too long."),
    )


@pytest.mark.parametrize("status", [400, 401])
def test_scope_error_lists_missing_scopes(client, mocked, status):
    message = (
        "Invalid access token, does not contain scopes:"
        "[meeting:write:registrant:admin, meeting:write:registrant:master]."
    )
    error = fail_with(mocked, client, status, {"code": 4711, "message": message})
    assert isinstance(error, ZoomScopeError)
    assert error.missing_scopes == [
        "meeting:write:registrant:admin",
        "meeting:write:registrant:master",
    ]


def test_scope_error_from_code_4700_without_a_list(client, mocked):
    error = fail_with(mocked, client, 400, {"code": 4700, "message": "Invalid access token."})
    assert isinstance(error, ZoomScopeError) and error.missing_scopes == []


def test_per_second_limit_with_retry_after_in_seconds(client, mocked, clock):
    error = fail_with(
        mocked,
        client,
        429,
        {
            "code": 429,
            "message": "You have reached the maximum per-second rate limit for this API. "
            "Try again later.",
        },
        headers={"X-RateLimit-Category": "Light", "X-RateLimit-Type": "QPS", "Retry-After": "2"},
    )
    assert isinstance(error, ZoomRateLimited)
    assert error.retry_after == 2


def test_per_second_limit_with_retry_after_as_http_date(client, mocked, clock):
    clock.now = dt.datetime(2024, 5, 30, 12, 0, 0, tzinfo=UTC).timestamp()
    error = fail_with(
        mocked,
        client,
        429,
        {"code": 429, "message": "Too many requests"},
        headers={"Retry-After": "Thu, 30 May 2024 12:00:03 GMT"},
    )
    assert isinstance(error, ZoomRateLimited)
    assert error.retry_after == 3


def test_daily_host_limit_from_headers(client, mocked, clock):
    clock.now = dt.datetime(2020, 5, 30, 15, 0, tzinfo=UTC).timestamp()
    error = fail_with(
        mocked,
        client,
        429,
        {
            "code": 429,
            "message": "You have exceeded the daily rate limit (100) of Meeting Create/Update API "
            "requests permitted for this particular user. You may resume these requests "
            "at GMT 00:00:00.",
        },
        headers={
            "X-RateLimit-Type": "Daily-limit",
            "X-RateLimit-Category": "Medium",
            "Retry-After": "2020-05-31T00:00:00Z",
        },
    )
    assert isinstance(error, ZoomQuotaExceeded)
    assert error.quota == QUOTA_HOST
    assert error.resets_at == dt.datetime(2020, 5, 31, tzinfo=UTC)
    assert error.resets_at.tzinfo is not None


def test_daily_limit_recognised_from_the_message_without_headers(client, mocked, clock):
    clock.now = dt.datetime(2024, 1, 10, 23, 59, 30, tzinfo=UTC).timestamp()
    error = fail_with(
        mocked,
        client,
        429,
        {
            "code": 429,
            "message": "You have exceeded the daily rate limit (100) of Webinar Create/Update API "
            "requests permitted for this particular user.",
        },
    )
    assert isinstance(error, ZoomQuotaExceeded)
    assert error.quota == QUOTA_HOST
    assert error.resets_at == dt.datetime(2024, 1, 11, tzinfo=UTC)


def test_daily_registrant_limit(client, mocked):
    error = fail_with(
        mocked,
        client,
        429,
        {
            "code": 429,
            "message": "You have exceeded the daily rate limit (3) of Add Meeting Registrant API "
            "requests for this registrant.",
        },
        headers={"X-RateLimit-Type": "Daily-limit"},
    )
    assert isinstance(error, ZoomQuotaExceeded) and error.quota == QUOTA_REGISTRANT


def test_daily_account_limit(client, mocked):
    error = fail_with(
        mocked,
        client,
        429,
        {
            "code": 429,
            "message": "You have reached the daily limit for this API.",
        },
        headers={"X-RateLimit-Type": "Daily-limit", "X-RateLimit-Category": "Heavy"},
    )
    assert isinstance(error, ZoomQuotaExceeded) and error.quota == QUOTA_ACCOUNT


def test_non_json_error_body(client, mocked):
    mocked.add(responses.GET, MEETING_URL, status=502, body="<html>Bad gateway</html>")
    client.max_attempts = 1
    with pytest.raises(ZoomUnavailable) as caught:
        client.get("meeting", 85746065)
    assert caught.value.code is None


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("5", 5.0),
        ("0", 0.0),
        ("2020-05-31T00:00:10Z", 10.0),
        ("Sun, 31 May 2020 00:00:20 GMT", 20.0),
        ("", None),
        ("soon", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, seconds):
    now = dt.datetime(2020, 5, 31, tzinfo=UTC).timestamp()
    assert parse_retry_after(value, now) == seconds


def test_parse_missing_scopes_tolerates_formats():
    assert parse_missing_scopes("does not contain scopes:[a:b:admin]") == ["a:b:admin"]
    assert parse_missing_scopes("does not contain scopes: [a b]") == ["a", "b"]
    assert parse_missing_scopes("Invalid access token.") == []
