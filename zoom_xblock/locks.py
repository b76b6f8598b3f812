"""Per-session locks so that two workers never sync the same session at once.

With Redis configured (``ZOOM_XBLOCK["REDIS_URL"]``, or the Celery broker when it is Redis: the
platform names it ``BROKER_URL``, lms/envs/common.py, not ``CELERY_BROKER_URL``)
the lock is redis-py's own ``Lock``: token-checked release, and a short expiry that the holder
extends as it makes progress, so a killed worker cannot keep a session locked for long.
Without Redis (the quick default tier) an in-process lock is used.
"""
import contextlib
import functools
import threading

from django.conf import settings

from zoom_xblock.conf import get_config

_local_locks: dict[str, threading.Lock] = {}
_local_guard = threading.Lock()


@functools.cache
def _redis_client(url: str):
    import redis  # pylint: disable=import-outside-toplevel

    return redis.Redis.from_url(url)


def redis_url() -> str:
    """The Redis the plugin shares between workers ('' when there is none)."""
    url = get_config().redis_url
    if not url:
        broker = (getattr(settings, "BROKER_URL", "") or getattr(settings, "CELERY_BROKER_URL", "")
                  or "")
        url = broker if broker.startswith(("redis://", "rediss://")) else ""
    return url


def tasks_run_in_other_processes() -> bool:
    """True when Celery tasks run in workers (not eagerly in the web process): then locks
    held in one process mean nothing to the others."""
    return not any(getattr(settings, name, False) for name in (
        "CELERY_ALWAYS_EAGER", "CELERY_TASK_ALWAYS_EAGER"))


def redis_client():
    """A Redis client for shared state, or None in the Redis-less default tier."""
    url = redis_url()
    return _redis_client(url) if url else None


class Held:
    """A held lock; ``keep_alive()`` pushes its expiry back while long work goes on."""

    def __init__(self, acquired: bool, lock=None):
        self.acquired = acquired
        self._lock = lock

    def __bool__(self):
        return self.acquired

    def keep_alive(self) -> None:
        """Reset the lock's expiry (a no-op for in-process locks)."""
        if self.acquired and self._lock is not None:
            with contextlib.suppress(Exception):
                self._lock.reacquire()


@contextlib.contextmanager
def exclusive(name: str, timeout: int | None = None, wait: float = 0):
    """Hold the lock ``name`` while the block runs; yields a falsy :class:`Held` if another
    holder has it. ``timeout`` is how long a silent holder keeps it (default: the setting
    ``LOCK_TIMEOUT_SECONDS``)."""
    client = redis_client()
    if client is not None:
        expiry = timeout or get_config().lock_timeout_seconds
        lock = client.lock(f"zoom_xblock:lock:{name}", timeout=expiry, blocking_timeout=wait)
        acquired = lock.acquire(blocking=wait > 0)
        try:
            yield Held(acquired, lock)
        finally:
            if acquired:
                with contextlib.suppress(Exception):
                    lock.release()
        return
    with _local_guard:
        local = _local_locks.setdefault(name, threading.Lock())
    acquired = local.acquire(timeout=wait) if wait > 0 else local.acquire(blocking=False)
    try:
        yield Held(acquired)
    finally:
        if acquired:
            local.release()
