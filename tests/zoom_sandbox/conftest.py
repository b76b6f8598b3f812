"""Fixtures for driving the real ZoomClient against an in-process sandbox (no Django).

Run with ``-p no:django``. One sandbox serves the module's functional tests (reset before
each test); rate and fault tests start their own, paced or seeded, sandboxes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from zoom_xblock.sandbox import SandboxHandle, start_sandbox
from zoom_xblock.zoom import InMemoryTokenCache, ZoomClient

ACCOUNT_ID = "sandbox-account"
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
# The functional tests' sandbox shrinks every per-second window by this factor (10 Heavy
# calls per millisecond), and their clients space calls with the same ``rate_scale``: no
# functional test can hit a per-second 429, so the call counts they check are exact. The
# rate tests use a sandbox at Zoom's real scale instead (see test_client_sandbox.py).
TIME_SCALE = 1000


@pytest.fixture(autouse=True)
def _zoom_settings():
    """Overrides the root conftest's Django-settings fixture: these tests are Django-free."""
    yield


@pytest.fixture(scope="session")
def _shared_sandbox() -> Iterator[SandboxHandle]:
    handle = start_sandbox(port=0, quiet=True, webhook_base="", time_scale=TIME_SCALE,
                           random_seed=11)
    yield handle
    handle.stop()


class Control:
    """The sandbox's control API (``/_sandbox/...``) as a user of the sandbox sees it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        answer = self.http.post(f"{self.url}/_sandbox{path}", json=body or {}, timeout=10)
        assert answer.ok, answer.text
        return answer.json()

    def get(self, path: str) -> dict[str, Any]:
        answer = self.http.get(f"{self.url}/_sandbox{path}", timeout=10)
        assert answer.ok, answer.text
        return answer.json()

    def stats(self) -> dict[str, Any]:
        return self.get("/stats")

    def calls(self, label: str) -> int:
        return self.stats()["calls"].get(label, 0)


@pytest.fixture
def sandbox(_shared_sandbox: SandboxHandle) -> SandboxHandle:
    """The shared sandbox, reset: seed users, no faults, real clock, zeroed stats."""
    requests.post(f"{_shared_sandbox.url}/_sandbox/reset", timeout=5).raise_for_status()
    return _shared_sandbox


@pytest.fixture
def control(sandbox: SandboxHandle) -> Control:
    return Control(sandbox.url)


def new_client(url: str, *, secret: str = CLIENT_SECRET, **options: Any) -> ZoomClient:
    """A ZoomClient for the sandbox at ``url``: API base from the token's ``api_url``."""
    settings: dict[str, Any] = {
        "oauth_url": f"{url}/oauth/token",
        "token_cache": InMemoryTokenCache(),
        "rate_scale": TIME_SCALE,
        "rng": random.Random(3),
    }
    settings.update(options)
    return ZoomClient(ACCOUNT_ID, CLIENT_ID, secret, **settings)


@pytest.fixture
def client(sandbox: SandboxHandle) -> ZoomClient:
    return new_client(sandbox.url)


def registration_meeting(client: ZoomClient, kind: str = "meeting",
                         host: str = "host@example.com", **fields: Any) -> dict[str, Any]:
    """A scheduled meeting (or webinar) with automatic registration approval."""
    payload = {"topic": "Client behaviour", "start_time": "2030-01-01T10:00:00Z",
               "duration": 60, "timezone": "UTC", "settings": {"approval_type": 0}}
    payload.update(fields)
    return client.create(kind, host, payload)


def people(count: int, prefix: str = "learner") -> list[dict[str, str]]:
    return [{"email": f"{prefix}{n}@example.com", "first_name": "Learner",
             "last_name": str(n)} for n in range(count)]
