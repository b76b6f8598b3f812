"""Fixtures of the sandbox's tests (no Django).

Two kinds of tests share this folder: the sandbox's own behaviour over HTTP (``sandbox``,
``zoom``: an authorised requests session, ``receiver``: its webhooks), and the real ZoomClient
against it (``client_sandbox``, ``client``, ``control``; test_client_sandbox.py).
"""
from __future__ import annotations

import http.server
import random
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from zoom_xblock.sandbox import SandboxHandle, start_sandbox
from zoom_xblock.zoom import InMemoryTokenCache, ZoomClient

ACCOUNT_ID = "sandbox-account"
CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
CLIENT = (CLIENT_ID, CLIENT_SECRET)
ACCOUNT = ACCOUNT_ID
SECRET = "test-webhook-secret"
# The client tests' sandbox shrinks every per-second window by this factor (10 Heavy calls per
# millisecond), and their clients space calls with the same ``rate_scale``: no client test can
# hit a per-second 429, so the call counts they check are exact. The rate tests use a sandbox
# at Zoom's real scale instead (see test_client_sandbox.py).
CLIENT_TIME_SCALE = 1000


class WebhookReceiver:
    """A tiny HTTP server that records every POST (raw body and headers)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.statuses: list[int] = []  # answers to give, in order; then 200
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    headers = {key.lower(): value for key, value in self.headers.items()}
                    receiver.requests.append({"path": self.path, "body": body,
                                              "headers": headers,
                                              "status": status})
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}/zoom/webhook/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, name: str | None = None) -> list[dict[str, Any]]:
        import json

        with self._lock:
            found = [{**item, "json": json.loads(item["body"])} for item in self.requests]
        return [item for item in found if name is None or item["json"]["event"] == name]

    def wait_for(self, name: str, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.events(name)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"{name}: expected {count}, got {self.events(name)}")

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.statuses.clear()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def _shared_sandbox(receiver: WebhookReceiver) -> Iterator[SandboxHandle]:
    # A large time scale keeps per-second limits out of the way of functional tests.
    handle = start_sandbox(time_scale=10_000, webhook_base=receiver.base, webhook_secret=SECRET,
                           webhook_retry_delay=0.02, random_seed=7)
    yield handle
    handle.stop()


@pytest.fixture
def sandbox(_shared_sandbox: SandboxHandle, receiver: WebhookReceiver) -> SandboxHandle:
    """The shared sandbox, reset (seed users, no faults, zero stats) for this test."""
    _shared_sandbox.app.webhooks.wait_idle(5)
    _shared_sandbox.app.reset()
    receiver.clear()
    return _shared_sandbox


def get_token(url: str, auth: tuple[str, str] = CLIENT, account: str = ACCOUNT
              ) -> requests.Response:
    return requests.post(f"{url}/oauth/token", auth=auth,
                         data={"grant_type": "account_credentials", "account_id": account},
                         timeout=5)


class Zoom(requests.Session):
    """A session that prefixes the sandbox URL and sends a bearer token."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        token = get_token(url).json()["access_token"]
        self.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", 10)
        if url.startswith("/"):
            url = f"{self.url}{'' if url.startswith('/_sandbox') else '/v2'}{url}"
        return super().request(method, url, *args, **kwargs)


@pytest.fixture
def zoom(sandbox: SandboxHandle) -> Iterator[Zoom]:
    with Zoom(sandbox.url) as session:
        yield session


def create_meeting(zoom: Zoom, host: str = "host@example.com", kind: str = "meetings",
                   **fields: Any) -> dict[str, Any]:
    """Create a scheduled meeting (or webinar) with automatic registration by default."""
    body = {"topic": "Intro to Zoom", "type": 5 if kind == "webinars" else 2,
            "start_time": "2030-01-01T10:00:00Z", "duration": 60, "timezone": "UTC",
            "settings": {"approval_type": 0}}
    body.update(fields)
    response = zoom.post(f"/users/{host}/{kind}", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def bulk_register(sandbox: SandboxHandle, meeting_id: int, count: int) -> None:
    """Add ``count`` approved registrants straight into the state (no webhooks)."""
    record = sandbox.state.get_meeting(None, meeting_id)
    sandbox.config.api_webhooks = False
    try:
        for person in people(count):
            sandbox.state.add_registrant(record, person, approve=True)
    finally:
        sandbox.config.api_webhooks = True


ADA_PERSON = {"email": "ada@example.com", "first_name": "Ada", "last_name": "Lovelace"}


def people(count: int, prefix: str = "learner") -> list[dict[str, str]]:
    return [{"email": f"{prefix}{n}@example.com", "first_name": "Learner",
             "last_name": str(n)} for n in range(count)]


# --- the real ZoomClient against a sandbox -----------------------------------------------------

@pytest.fixture(scope="session")
def _client_sandbox() -> Iterator[SandboxHandle]:
    handle = start_sandbox(port=0, quiet=True, webhook_base="", time_scale=CLIENT_TIME_SCALE,
                           random_seed=11)
    yield handle
    handle.stop()


@pytest.fixture
def client_sandbox(_client_sandbox: SandboxHandle) -> SandboxHandle:
    """The client tests' sandbox, reset: seed users, no faults, real clock, zeroed stats."""
    requests.post(f"{_client_sandbox.url}/_sandbox/reset", timeout=5).raise_for_status()
    return _client_sandbox


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
def control(client_sandbox: SandboxHandle) -> Control:
    return Control(client_sandbox.url)


def new_client(url: str, *, secret: str = CLIENT_SECRET, **options: Any) -> ZoomClient:
    """A ZoomClient for the sandbox at ``url``: API base from the token's ``api_url``."""
    settings: dict[str, Any] = {
        "oauth_url": f"{url}/oauth/token",
        "token_cache": InMemoryTokenCache(),
        "rate_scale": CLIENT_TIME_SCALE,
        "rng": random.Random(3),
    }
    settings.update(options)
    return ZoomClient(ACCOUNT_ID, CLIENT_ID, secret, **settings)


@pytest.fixture
def client(client_sandbox: SandboxHandle) -> ZoomClient:
    return new_client(client_sandbox.url)


def registration_meeting(client: ZoomClient, kind: str = "meeting",
                         host: str = "host@example.com", **fields: Any) -> dict[str, Any]:
    """A scheduled meeting (or webinar) with automatic registration approval."""
    payload = {"topic": "Client behaviour", "start_time": "2030-01-01T10:00:00Z",
               "duration": 60, "timezone": "UTC", "settings": {"approval_type": 0}}
    payload.update(fields)
    return client.create(kind, host, payload)
