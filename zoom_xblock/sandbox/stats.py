"""Call counts per operation, peak rate per category, 429s and faults, for benchmarks."""
from __future__ import annotations

import collections
import threading
from typing import Any

from .limits import RATES, PeakRateMeter


class SandboxStats:
    """Thread-safe counters exposed by ``GET /_sandbox/stats``."""

    def __init__(self, plan: str, time_scale: float) -> None:
        self.plan = plan
        self.time_scale = time_scale
        self._lock = threading.Lock()
        self._calls: collections.Counter[str] = collections.Counter()
        self._throttled: collections.Counter[str] = collections.Counter()
        self._faults: collections.Counter[str] = collections.Counter()
        self._statuses: collections.Counter[str] = collections.Counter()
        # One scaled second of real time.
        self._meter = PeakRateMeter(window=1.0 / time_scale)

    def record_call(self, operation: str, category: str | None) -> None:
        """Count an incoming request (before any limit or fault is applied)."""
        with self._lock:
            self._calls[operation] += 1
        if category:
            self._meter.observe(category)

    def record_status(self, status: int) -> None:
        with self._lock:
            self._statuses[str(status)] += 1

    def record_throttle(self, kind: str) -> None:
        """Count a 429, e.g. ``QPS:Heavy`` or ``Daily-limit:meeting-host``."""
        with self._lock:
            self._throttled[kind] += 1

    def record_fault(self, kind: str) -> None:
        with self._lock:
            self._faults[kind] += 1

    def snapshot(self) -> dict[str, Any]:
        """Everything counted since the last reset."""
        peaks = self._meter.peaks()
        with self._lock:
            return {
                "plan": self.plan,
                "time_scale": self.time_scale,
                "calls": dict(self._calls),
                "total_calls": sum(self._calls.values()),
                "statuses": dict(self._statuses),
                "peak_rate": {
                    category: {"peak_per_second": peaks.get(category, 0),
                               "limit": limit, "window_seconds": window}
                    for category, (limit, window) in RATES[self.plan].items()
                },
                "throttled": dict(self._throttled),
                "total_throttled": sum(self._throttled.values()),
                "faults": dict(self._faults),
            }

    def reset(self) -> None:
        with self._lock:
            self._calls.clear()
            self._throttled.clear()
            self._faults.clear()
            self._statuses.clear()
        self._meter.reset()
