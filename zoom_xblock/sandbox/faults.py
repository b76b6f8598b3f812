"""Fault injection for API calls: random 5xx, added latency and answers held past a timeout."""
from __future__ import annotations

import dataclasses
import random
import threading
from typing import Any

SERVER_ERRORS = (500, 502, 503)


@dataclasses.dataclass
class FaultSettings:
    """What ``POST /_sandbox/faults`` can set (ratios are 0..1)."""

    error_ratio: float = 0.0
    latency_ms: float = 0.0
    timeout_ratio: float = 0.0
    timeout_seconds: float = 30.0
    fail_next: float = 0  # the next N API calls answer 503, whatever the ratio


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

    def hold_seconds(self) -> float:
        """How long to hold the answer back (after doing the work), 0 for no timeout."""
        with self._lock:
            if self.settings.timeout_ratio and (
                    self._random.random() < self.settings.timeout_ratio):
                return self.settings.timeout_seconds
        return 0.0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self.settings)
