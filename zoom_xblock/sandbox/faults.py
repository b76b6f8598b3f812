"""Fault injection for API calls: 5xx before or after doing the work, latency, held answers.

Zoom, like any service behind a gateway, can commit a write and still answer 500, 502 (an
HTML page from the gateway), 503 or 504, or not answer before the client gives up: the
``applied_*`` settings do exactly that for writes (POST, PATCH, PUT, DELETE).
"""
from __future__ import annotations

import dataclasses
import random
import threading
from typing import Any

SERVER_ERRORS = (500, 502, 503, 504)
HOLD = 1  # ``applied_status`` 1: hold the answer past the client's timeout
GATEWAY_PAGE = ("<html><head><title>{status} {reason}</title></head><body><center><h1>{status} "
                "{reason}</h1></center><hr><center>nginx</center></body></html>")
REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable",
           504: "Gateway Time-out"}


@dataclasses.dataclass
class FaultSettings:
    """What ``POST /_sandbox/faults`` can set (ratios are 0..1)."""

    error_ratio: float = 0.0
    latency_ms: float = 0.0
    timeout_ratio: float = 0.0
    timeout_seconds: float = 30.0
    fail_next: float = 0  # the next N API calls answer 503, whatever the ratio
    applied_error_ratio: float = 0.0  # writes done, then answered with an error
    applied_fail_next: float = 0  # the next N writes are done, then answered with an error
    applied_status: float = 0  # 500/502/503/504, 1 = held past the timeout, 0 = any of them
    bare_daily_limits: float = 0  # 1: daily-limit 429s carry only the message, no headers


class Faults:
    """Thread-safe fault settings and the dice that apply them."""

    def __init__(self, timeout_seconds: float, seed: int | None = None) -> None:
        self._default_timeout = timeout_seconds
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self.settings = FaultSettings(timeout_seconds=timeout_seconds)

    def update(self, values: dict[str, Any]) -> FaultSettings:
        """Change some settings; unknown names raise ValueError."""
        known = {field.name for field in dataclasses.fields(FaultSettings)}
        unknown = set(values) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        with self._lock:
            for name, value in values.items():
                number = float(value)
                if name.endswith("_ratio") and not 0 <= number <= 1:
                    raise ValueError(f"{name} must be between 0 and 1")
                if name == "applied_status" and number not in (0, HOLD, *SERVER_ERRORS):
                    raise ValueError("applied_status must be 0, 1, 500, 502, 503 or 504")
                if number < 0:
                    raise ValueError(f"{name} must not be negative")
                setattr(self.settings, name, number)
            return dataclasses.replace(self.settings)

    def clear(self) -> None:
        with self._lock:
            self.settings = FaultSettings(timeout_seconds=self._default_timeout)

    def latency_seconds(self) -> float:
        return self.settings.latency_ms / 1000.0

    def server_error(self) -> int | None:
        """A 5xx status to answer instead of the real one, or None."""
        with self._lock:
            if self.settings.fail_next >= 1:
                self.settings.fail_next -= 1
                return 503
            if self.settings.error_ratio and self._random.random() < self.settings.error_ratio:
                return self._random.choice(SERVER_ERRORS)
        return None

    def applied_failure(self) -> int | None:
        """For a write that was done: a 5xx (or :data:`HOLD`) to answer instead, or None."""
        with self._lock:
            settings = self.settings
            if settings.applied_fail_next >= 1:
                settings.applied_fail_next -= 1
            elif not (settings.applied_error_ratio
                      and self._random.random() < settings.applied_error_ratio):
                return None
            if settings.applied_status:
                return int(settings.applied_status)
            return self._random.choice((*SERVER_ERRORS, HOLD))

    def hold_seconds(self) -> float:
        """How long to hold the answer back (after doing the work), 0 for no timeout."""
        with self._lock:
            if self.settings.timeout_ratio and (
                    self._random.random() < self.settings.timeout_ratio):
                return self.settings.timeout_seconds
        return 0.0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self.settings)
