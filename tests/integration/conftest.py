"""Fixtures of the services tier: MariaDB and Redis reachable, and real Celery workers."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SERVICES_TIER, port_open, service_missing
from tests.utils import SANDBOX_CREDENTIALS

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def services():
    """MariaDB and Redis must answer (the services tier runs on them)."""
    if not SERVICES_TIER:
        pytest.skip("services tier only (ZOOM_XBLOCK_TEST_TIER=services)")
    from urllib.parse import urlparse

    redis = urlparse(os.environ.get("ZOOM_XBLOCK_REDIS_URL", "redis://127.0.0.1:6379/"))
    for name, port in (("MariaDB", 3306), ("Redis", redis.port or 6379)):
        if not port_open("127.0.0.1", port):
            service_missing(f"{name} is not listening on 127.0.0.1:{port}")


class Worker:
    """A Celery worker process on the Redis broker, using the test database and the sandbox.

    ``service`` is the platform process it plays: ``lms`` consumes ``edx.lms.core.default``,
    ``cms`` consumes ``edx.cms.core.default`` (Tutor's lms-worker and cms-worker)."""

    count = 0

    def __init__(self, sandbox_url: str, db_name: str, concurrency: int = 2,
                 extra_env: dict | None = None, service: str = "lms"):
        Worker.count += 1
        self.service = service
        self.log_path = ROOT / "var" / f"celery-worker-{os.getpid()}-{Worker.count}.log"
        self.log_path.parent.mkdir(exist_ok=True)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.project.settings",
            "ZOOM_XBLOCK_TEST_TIER": "services",
            "ZOOM_XBLOCK_DB_NAME": db_name,
            "PYTHONPATH": str(ROOT),
            "ZOOM_ACCOUNT_ID": SANDBOX_CREDENTIALS["ACCOUNT_ID"],
            "ZOOM_CLIENT_ID": SANDBOX_CREDENTIALS["CLIENT_ID"],
            "ZOOM_CLIENT_SECRET": SANDBOX_CREDENTIALS["CLIENT_SECRET"],
            "ZOOM_OAUTH_URL": f"{sandbox_url}/oauth/token",
            "ZOOM_RATE_SCALE": "50",
            "ZOOM_SYNC_DEBOUNCE_SECONDS": "0",
            "ZOOM_LOCK_TIMEOUT_SECONDS": "5",
            "ZOOM_XBLOCK_VISIBILITY_TIMEOUT": "8",
            "ZOOM_XBLOCK_SERVICE": service,
            **(extra_env or {}),
        }
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "tests.project", "worker", "-l", "INFO",
                 "-c", str(concurrency), "--without-gossip", "--without-mingle",
                 "-n", f"zoomtest-{os.getpid()}-{Worker.count}@%h",
                 # a worker with its own settings consumes only its own queue
                 *(["-Q", env["ZOOM_CELERY_QUEUE"]] if env.get("ZOOM_CELERY_QUEUE") else [])],
                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._wait_ready()

    def _wait_ready(self):
        from tests.project.celery import app

        name = f"zoomtest-{os.getpid()}-{Worker.count}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"the Celery worker exited early; see {self.log_path}",
                            pytrace=False)
            replies = app.control.ping(timeout=0.5) or []
            if any(name in list(reply)[0] for reply in replies):
                return
        self.kill()
        pytest.fail(f"the Celery worker did not answer within 60 s; see {self.log_path}")

    def kill(self):
        """SIGKILL the worker and its pool processes (a crash, not a shutdown)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self):
        """A warm shutdown."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture(scope="session")
def worker_factory(services, django_db_setup, _sandbox_server):
    """Start workers on demand; all are stopped at the end of the session."""
    from django.conf import settings

    from tests.project.celery import app

    app.control.purge()
    started = []

    def start(concurrency: int = 2, sandbox_url: str = "", extra_env: dict | None = None,
              service: str = "lms") -> Worker:
        worker = Worker(sandbox_url or _sandbox_server.url, settings.DATABASES["default"]["NAME"],
                        concurrency, extra_env, service)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture(scope="session")
def celery_worker(worker_factory):
    """One long-lived worker for the tests that need just one."""
    return worker_factory()


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Poll until ``predicate()`` is truthy; returns its value or fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")
