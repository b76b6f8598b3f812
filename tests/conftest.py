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
    yield
