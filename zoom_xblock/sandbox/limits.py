"""Zoom's rate limits: per-second limits by category and plan, and daily quotas.

Per-second limits are a sliding window per (account, category) over real monotonic time;
``time_scale`` shrinks every window by that factor, so a limit of 10 per second becomes 10
per 1/time_scale seconds. Daily quotas are counted per sandbox-clock UTC day.
"""
from __future__ import annotations

import collections
import datetime as dt
import math
import threading
import time
from collections.abc import Callable, Hashable, Iterable

from .clock import iso, next_midnight
from .refusals import SandboxRefusal

LIGHT = "Light"
MEDIUM = "Medium"
HEAVY = "Heavy"
RESOURCE_INTENSIVE = "Resource-intensive"
CATEGORIES = (LIGHT, MEDIUM, HEAVY, RESOURCE_INTENSIVE)

# (requests, window in seconds) per plan and category (zoom-api.md section 2).
RATES: dict[str, dict[str, tuple[int, float]]] = {
    "pro": {LIGHT: (30, 1.0), MEDIUM: (20, 1.0), HEAVY: (10, 1.0),
            RESOURCE_INTENSIVE: (10, 60.0)},
    "business": {LIGHT: (80, 1.0), MEDIUM: (60, 1.0), HEAVY: (40, 1.0),
                 RESOURCE_INTENSIVE: (20, 60.0)},
}
# Heavy and Resource-intensive requests share one daily budget per account.
HEAVY_DAILY: dict[str, int] = {"pro": 30_000, "business": 60_000}

PER_SECOND_MESSAGE = ("You have reached the maximum per-second rate limit for this API. "
                      "Try again later.")


class SlidingWindowLimiter:
    """Allows at most ``limit`` requests per ``window`` seconds for each key."""

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self._monotonic = monotonic
        self._accepted: dict[Hashable, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def acquire(self, key: Hashable, limit: int, window: float) -> float:
        """Record a request and return 0.0, or return the seconds until one would fit."""
        with self._lock:  # the clock is read under the lock, so the log stays in arrival order
            now = self._monotonic()
            times = self._accepted.setdefault(key, collections.deque())
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) >= limit:
                return max(times[0] + window - now, 0.001)
            times.append(now)
            return 0.0

    def reset(self) -> None:
        with self._lock:
            self._accepted.clear()


class PeakRateMeter:
    """The largest number of requests seen in any sliding window, per key."""

    def __init__(self, window: float, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.window = window
        self._monotonic = monotonic
        self._recent: dict[Hashable, collections.deque[float]] = {}
        self._peaks: dict[Hashable, int] = {}
        self._lock = threading.Lock()

    def observe(self, key: Hashable) -> None:
        now = self._monotonic()
        with self._lock:
            times = self._recent.setdefault(key, collections.deque())
            times.append(now)
            while times[0] <= now - self.window:
                times.popleft()
            self._peaks[key] = max(self._peaks.get(key, 0), len(times))

    def peaks(self) -> dict[Hashable, int]:
        with self._lock:
            return dict(self._peaks)

    def reset(self) -> None:
        with self._lock:
            self._recent.clear()
            self._peaks.clear()


class DailyQuota:
    """Counts requests per key and UTC day; all-or-nothing for several keys at once."""

    def __init__(self) -> None:
        self._counts: dict[tuple[Hashable, dt.date], int] = {}
        self._lock = threading.Lock()

    def consume(self, keys: Iterable[Hashable], day: dt.date, limit: int) -> Hashable | None:
        """Count one request for every key, or none if a key is at ``limit``.

        Returns None on success, else the first key that is out of quota.
        """
        keys = list(keys)
        with self._lock:
            self._forget_before(day)
            for key in keys:
                if self._counts.get((key, day), 0) >= limit:
                    return key
            for key in keys:
                self._counts[(key, day)] = self._counts.get((key, day), 0) + 1
            return None

    def used(self, key: Hashable, day: dt.date) -> int:
        with self._lock:
            return self._counts.get((key, day), 0)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()

    def _forget_before(self, day: dt.date) -> None:
        stale = [entry for entry in self._counts if entry[1] < day]
        for entry in stale:
            del self._counts[entry]


def per_second_error(category: str, limit: int, wait_seconds: float) -> SandboxRefusal:
    """Zoom's per-second 429 (``X-RateLimit-Type: QPS``)."""
    return SandboxRefusal(429, 429, PER_SECOND_MESSAGE, headers={
        "X-RateLimit-Category": category,
        "X-RateLimit-Type": "QPS",
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        # Whole seconds, as HTTP wants; the exact (scaled) wait is in the sandbox header.
        "Retry-After": str(max(math.ceil(wait_seconds), 1)),
        "X-Sandbox-Retry-After-Ms": str(max(int(wait_seconds * 1000), 1)),
    })


def daily_limit_error(category: str, limit: int, message: str, day: dt.date) -> SandboxRefusal:
    """Zoom's daily 429: ``Retry-After`` is the next 00:00 UTC as an ISO date."""
    return SandboxRefusal(429, 429, message, headers={
        "X-RateLimit-Category": category,
        "X-RateLimit-Type": "Daily-limit",
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": "0",
        "Retry-After": iso(next_midnight(day)),
    })
