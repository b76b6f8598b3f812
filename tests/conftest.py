"""Test tiers, service checks and shared fixtures.

``ZOOM_XBLOCK_TEST_TIER=services`` runs on MariaDB, Redis and a real Celery worker;
``ZOOM_XBLOCK_REQUIRE_SERVICES=1`` turns a missing service (MariaDB, Redis, Prism, Chromium)
into a failure instead of a skip: CI sets both.
"""
import os
import socket

import pytest

REQUIRE_SERVICES = os.environ.get("ZOOM_XBLOCK_REQUIRE_SERVICES") == "1"
SERVICES_TIER = os.environ.get("ZOOM_XBLOCK_TEST_TIER", "default") == "services"


def service_missing(reason: str):
    """Fail (CI, services required) or skip (a quick local run) when a service is absent."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)


def port_open(host: str, port: int) -> bool:
    """True when something listens on host:port."""
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def pytest_collection_modifyitems(config, items):
    """Tests marked ``services`` only run in the services tier (and fail there if absent)."""
    if SERVICES_TIER:
        return
    skip = pytest.mark.skip(reason="services tier only (ZOOM_XBLOCK_TEST_TIER=services)")
    for item in items:
        if "services" in item.keywords:
            item.add_marker(skip)


ZOOM_ENVIRONMENT = ("ZOOM_ACCOUNT_ID", "ZOOM_CLIENT_ID", "ZOOM_CLIENT_SECRET",
                    "ZOOM_WEBHOOK_SECRET_TOKEN", "ZOOM_API_BASE_URL", "ZOOM_OAUTH_URL")


@pytest.fixture(autouse=True)
def _zoom_settings(request, monkeypatch):
    """Each test starts with no Zoom credentials unless it sets them (Django tests only)."""
    for name in ZOOM_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    if request.config.pluginmanager.hasplugin("django"):
        settings = request.getfixturevalue("settings")
        settings.ZOOM_XBLOCK = {"SYNC_DEBOUNCE_SECONDS": 0}
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        if not SERVICES_TIER:  # what one test learnt from Zoom (organizer, quota) is not the next's
            from django.core.cache import cache

            cache.clear()
    yield


@pytest.fixture(scope="session")
def _sandbox_server():
    """One local Zoom for the session (webhooks off unless a test points them somewhere)."""
    from zoom_xblock.sandbox import start_sandbox

    handle = start_sandbox(port=0, quiet=True, webhook_base="", time_scale=50)
    yield handle
    handle.stop()


@pytest.fixture
def zoom_sandbox(_sandbox_server, request):
    """The sandbox, reset, with the plugin's settings pointing at it (Django tests)."""
    import requests

    requests.post(f"{_sandbox_server.url}/_sandbox/reset", timeout=5).raise_for_status()
    if request.config.pluginmanager.hasplugin("django"):
        from django.core.cache import cache

        from tests.utils import SANDBOX_CREDENTIALS

        cache.clear()  # no token from another sandbox run
        settings = request.getfixturevalue("settings")
        settings.ZOOM_XBLOCK = {
            **SANDBOX_CREDENTIALS,
            "OAUTH_URL": f"{_sandbox_server.url}/oauth/token",
            "SYNC_DEBOUNCE_SECONDS": 0,
            "RATE_SCALE": 50,
        }
    return _sandbox_server


@pytest.fixture
def zoom_with_webhooks(live_server, settings):
    """A sandbox whose signed webhooks go to the live server, and the plugin pointed at it."""
    from django.core.cache import cache

    from tests.utils import SANDBOX_CREDENTIALS
    from zoom_xblock.sandbox import start_sandbox
    from zoom_xblock.sandbox.webhook_sender import WebhookSender

    secret = SANDBOX_CREDENTIALS["WEBHOOK_SECRET_TOKEN"]
    base = f"{live_server.url}/zoom/webhook/"
    handle = start_sandbox(port=0, quiet=True, webhook_base=base, webhook_secret=secret,
                           api_webhooks=False, time_scale=50)
    # One delivery at a time: the live server's threads share the in-memory SQLite
    # connection with the test, which must not be used by two threads at once.
    sender = WebhookSender(base, secret, retries=3, retry_delay=0.2, workers=1)
    handle.app.webhooks = handle.app.state.webhooks = sender
    cache.clear()
    settings.ZOOM_XBLOCK = {**SANDBOX_CREDENTIALS, "OAUTH_URL": f"{handle.url}/oauth/token",
                            "SYNC_DEBOUNCE_SECONDS": 0, "RATE_SCALE": 50,
                            "REPORT_DELAY_MINUTES": 15}
    yield handle
    handle.stop()
