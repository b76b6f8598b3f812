"""The sandbox's clock: real time plus an offset that control calls can move forward.

Token expiry, page-token expiry, daily quotas and meeting times all read this clock, so a
test can jump to tomorrow without waiting. Per-second rate limits use real monotonic time.
"""
from __future__ import annotations

import datetime as dt
import threading
import time

UTC = dt.UTC


class SandboxClock:
    """Wall-clock time shifted by an adjustable offset (seconds)."""

    def __init__(self) -> None:
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        """Sandbox time as a POSIX timestamp."""
        return time.time() + self._offset

    def utcnow(self) -> dt.datetime:
        """Sandbox time as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.now(), UTC)

    def today(self) -> dt.date:
        """The sandbox's current UTC day (daily quotas reset when it changes)."""
        return self.utcnow().date()

    def advance(self, seconds: float) -> None:
        """Move the clock forward (or back, with a negative value)."""
        with self._lock:
            self._offset += seconds

    def reset(self) -> None:
        """Back to real time."""
        with self._lock:
            self._offset = 0.0

    @property
    def offset(self) -> float:
        return self._offset


def iso(moment: dt.datetime | float) -> str:
    """Zoom's timestamp format: ``2024-05-01T10:00:00Z``."""
    if not isinstance(moment, dt.datetime):
        moment = dt.datetime.fromtimestamp(moment, UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def next_midnight(day: dt.date) -> dt.datetime:
    """00:00 UTC of the day after ``day``."""
    return dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0, 0), UTC)


def parse_iso(text: str) -> dt.datetime:
    """Parse an ISO 8601 timestamp; a naive one is taken as UTC. Raises ValueError."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
