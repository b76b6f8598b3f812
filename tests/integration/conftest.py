"""Fixtures of the services tier: MariaDB and Redis reachable, and a real Celery worker."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SERVICES_TIER, port_open, service_missing

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def services():
    """MariaDB and Redis must answer (the services tier runs on them)."""
    if not SERVICES_TIER:
        pytest.skip("services tier only (ZOOM_XBLOCK_TEST_TIER=services)")
    for name, port in (("MariaDB", 3306), ("Redis", 6379)):
        if not port_open("127.0.0.1", port):
            service_missing(f"{name} is not listening on 127.0.0.1:{port}")


@pytest.fixture(scope="session")
def celery_worker(services, django_db_setup, django_db_blocker):
    """A real Celery worker process on the Redis broker, using the test database."""
    from django.conf import settings

    from tests.project.celery import app

    app.control.purge()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.project.settings",
        "ZOOM_XBLOCK_TEST_TIER": "services",
        "ZOOM_XBLOCK_DB_NAME": settings.DATABASES["default"]["NAME"],
        "PYTHONPATH": str(ROOT),
    }
    log_path = ROOT / "var" / "celery-worker.log"
    log_path.parent.mkdir(exist_ok=True)
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "tests.project", "worker", "-l", "INFO",
             "-c", "2", "--without-gossip", "--without-mingle", "-n", f"zoomtest-{os.getpid()}@%h"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the Celery worker exited early; see {log_path}", pytrace=False)
        if app.control.ping(timeout=0.5):
            break
    else:
        process.kill()
        pytest.fail(f"the Celery worker did not answer within 60 s; see {log_path}")
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Poll until ``predicate()`` is truthy; returns its value or fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")
