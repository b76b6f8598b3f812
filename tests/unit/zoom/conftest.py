"""Fixtures for the Zoom client unit tests: a fake clock, canned token answers, a client."""

from __future__ import annotations

import random

import pytest
import responses

from zoom_xblock.zoom import InMemoryTokenCache, ZoomClient

OAUTH_URL = "https://zoom.example/oauth/token"
API = "https://api.zoom.example/v2"
ACCOUNT_ID = "acc-123"
CLIENT_ID = "client-abc"
CLIENT_SECRET = "s3cr3t-client-value"
ACCESS_TOKEN = "eyJhbGciOiJIUzUxMiJ9.eyJhdWQiOiJodHRwcyJ9.c2lnbmF0dXJl"
SCOPES = "meeting:read:meeting:admin meeting:write:meeting:admin user:read:user:admin"


class FakeClock:
    """A clock that only moves when something sleeps on it (records every sleep)."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def token_body(access_token: str = ACCESS_TOKEN, expires_in: int = 3600, **extra) -> dict:
    """A Server-to-Server OAuth answer as Zoom sends it."""
    return {
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": expires_in,
        "scope": SCOPES,
        **extra,
    }


class RecordingLimiter:
    """A limiter that never waits and remembers what it was asked."""

    def __init__(self) -> None:
        self.acquired: list[tuple] = []

    def acquire(self, account_key, category, plan=None) -> float:
        self.acquired.append((account_key, category, plan))
        return 0.0


@pytest.fixture(autouse=True)
def _zoom_settings():
    """Overrides the root conftest's Django-settings fixture: zoom/ is Django-free."""
    yield


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def mocked():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def token_endpoint(mocked):
    """Zoom's token endpoint answering one valid token (add more with mocked.add)."""
    return mocked.add(responses.POST, OAUTH_URL, json=token_body())


@pytest.fixture
def make_client(clock):
    def make(**overrides) -> ZoomClient:
        options = {
            "oauth_url": OAUTH_URL,
            "api_base_url": API,
            "token_cache": InMemoryTokenCache(clock),
            "sleep": clock.sleep,
            "clock": clock,
            "rng": random.Random(7),
            "rate_limiter": RecordingLimiter(),
        }
        options.update(overrides)
        return ZoomClient(ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, **options)

    return make


@pytest.fixture
def client(make_client, token_endpoint):
    return make_client()


def api_calls(mocked) -> list:
    """The recorded calls that went to the API (not to the token endpoint)."""
    return [call for call in mocked.calls if call.request.url.startswith(API)]
