"""The contract tier: the real client against Prism serving Zoom's own OpenAPI spec.

Prism answers every request with the spec's example and reports anything the request does
wrong in the ``sl-violations`` header. The OAuth endpoint is not in the spec: a tiny local
server answers it.
"""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
import requests

from zoom_xblock.zoom import InMemoryTokenCache, InProcessRateLimiter, ZoomClient

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "requirements" / "node" / "node_modules" / ".bin" / "prism"
SPEC = ROOT / "tests" / "contract" / "zoom-openapi.json"
STARTUP_SECONDS = 90

ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET = "contract-account", "contract-client", "contract-secret"
GRANTED_SCOPES = "meeting:read:meeting:admin meeting:write:meeting:admin"


def _service_missing(reason: str):
    if os.environ.get("ZOOM_XBLOCK_REQUIRE_SERVICES") == "1":
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(autouse=True)
def _zoom_settings():
    """Overrides the root conftest's Django-settings fixture: these tests are Django-free."""
    yield


@pytest.fixture(scope="session")
def prism_url(tmp_path_factory):
    """Start Prism on a free port for the session, wait until it answers, stop it after."""
    if not PRISM.exists():
        _service_missing(
            f"Prism is not installed ({PRISM}); run `npm install --prefix requirements/node`"
        )
    port = _free_port()
    log_path = tmp_path_factory.mktemp("prism") / "prism.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [str(PRISM), "mock", "-h", "127.0.0.1", "-p", str(port), str(SPEC)],
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _listening(port):
            if process.poll() is not None or time.monotonic() > deadline:
                output = log_path.read_text(errors="replace")[-2000:]
                _service_missing(f"Prism did not start (exit {process.poll()}): {output}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # Prism's own process group only
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


class _TokenHandler(BaseHTTPRequestHandler):
    """Answers Zoom's Server-to-Server OAuth request the way Zoom does."""

    def do_POST(self):  # noqa: N802 - the http.server API
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode())
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        valid = (
            self.headers.get("Authorization") == expected
            and self.headers.get("Content-Type") == "application/x-www-form-urlencoded"
            and form == {"grant_type": ["account_credentials"], "account_id": [ACCOUNT_ID]}
        )
        self.server.requests_seen.append(form)
        if valid:
            status, body = (
                200,
                {
                    "access_token": "contract-token",
                    "token_type": "bearer",
                    "expires_in": 3600,
                    "scope": GRANTED_SCOPES,
                    "api_url": "https://api.zoom.us",
                },
            )
        else:
            status, body = 400, {"reason": "Invalid client", "error": "invalid_client"}
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def token_server():
    """A local stand-in for https://zoom.us/oauth/token."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _TokenHandler)
    server.requests_seen = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


class ResponseLog:
    """Every response the client saw, to check Prism's verdict on each request."""

    def __init__(self) -> None:
        self.responses: list[requests.Response] = []

    def __call__(self, response: requests.Response) -> None:
        self.responses.append(response)

    def api_responses(self, prism_url: str) -> list[requests.Response]:
        return [r for r in self.responses if r.url.startswith(prism_url)]

    def errors(self, prism_url: str) -> list[tuple[str, str, list]]:
        """(method, url, violations) for each API request Prism found fault with."""
        found = []
        for response in self.api_responses(prism_url):
            violations = json.loads(response.headers.get("sl-violations") or "[]")
            errors = [v for v in violations if v.get("severity") == "Error"]
            if errors:
                found.append((response.request.method, response.url, errors))
        return found


@pytest.fixture
def contract_client(prism_url, token_server):
    """``make(prefer=None)``: a client aimed at Prism, with its own session and response log."""

    def make(prefer: str | None = None) -> tuple[ZoomClient, ResponseLog]:
        session = requests.Session()
        if prefer:
            session.headers["Prefer"] = prefer  # test-side only: picks Prism's example
        log = ResponseLog()
        client = ZoomClient(
            ACCOUNT_ID,
            CLIENT_ID,
            CLIENT_SECRET,
            oauth_url=f"http://127.0.0.1:{token_server.server_address[1]}/oauth/token",
            api_base_url=prism_url,
            token_cache=InMemoryTokenCache(),
            rate_limiter=InProcessRateLimiter(rate_scale=100),
            session=session,
            max_attempts=1,
            timeout=(3.05, 30),
            on_response=log,
        )
        return client, log

    return make
