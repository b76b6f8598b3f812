"""Zoom's per-account rate limits, and limiters that space calls to stay under them.

Zoom counts requests per account and per category (Light/Medium/Heavy/Resource-intensive),
across every app and every worker using the account. The limiters here use GCRA with no
burst allowance: each call reserves the next slot, ``interval`` seconds after the previous one,
where ``interval = period / (limit * rate_scale * (1 - safety_margin))``. Calls are therefore
evenly spaced, so any sliding window of one period sees at most ``limit`` calls (the margin
absorbs network jitter) while the throughput stays at ``1 - safety_margin`` of the plan rate.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from enum import StrEnum
from typing import Protocol


class Category(StrEnum):
    """Zoom's rate-limit label of an API operation."""

    LIGHT = "light"
    MEDIUM = "medium"
    HEAVY = "heavy"
    RESOURCE_INTENSIVE = "resource_intensive"


PLAN_PRO = "pro"
PLAN_BUSINESS = "business"

# (requests, period in seconds) per category; "business" covers Business and higher plans.
PLAN_RATES: dict[str, dict[Category, tuple[int, float]]] = {
    PLAN_PRO: {
        Category.LIGHT: (30, 1.0),
        Category.MEDIUM: (20, 1.0),
        Category.HEAVY: (10, 1.0),
        Category.RESOURCE_INTENSIVE: (10, 60.0),
    },
    PLAN_BUSINESS: {
        Category.LIGHT: (80, 1.0),
        Category.MEDIUM: (60, 1.0),
        Category.HEAVY: (40, 1.0),
        Category.RESOURCE_INTENSIVE: (20, 60.0),
    },
}

DEFAULT_SAFETY_MARGIN = 0.03


class RateLimiter(Protocol):
    """What :class:`~zoom_xblock.zoom.client.ZoomClient` needs from a limiter."""

    def acquire(self, account_key: str, category: Category, plan: str | None = None) -> float:
        """Block until a call of ``category`` may go for ``account_key``; return the wait."""


def account_key_for(account_id: str) -> str:
    """A short, stable limiter key for a Zoom account (limits are per account, not per app)."""
    return hashlib.sha256(account_id.encode("utf-8")).hexdigest()[:16]


class _SpacingRateLimiter:
    """Shared configuration: the plan, the time scale and the safety margin."""

    def __init__(
        self,
        plan: str = PLAN_PRO,
        rate_scale: float = 1.0,
        safety_margin: float = DEFAULT_SAFETY_MARGIN,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if plan not in PLAN_RATES:
            raise ValueError(f"unknown Zoom plan {plan!r}; expected one of {sorted(PLAN_RATES)}")
        if rate_scale <= 0 or not 0 <= safety_margin < 1:
            raise ValueError("rate_scale must be > 0 and safety_margin in [0, 1)")
        self.plan = plan
        self.rate_scale = rate_scale
        self.safety_margin = safety_margin
        self.sleep = sleep

    def interval(self, category: Category, plan: str | None = None) -> float:
        """Seconds between two calls of ``category`` under ``plan`` (default: the limiter's)."""
        limit, period = PLAN_RATES[plan or self.plan][Category(category)]
        return period / (limit * self.rate_scale * (1 - self.safety_margin))


class InProcessRateLimiter(_SpacingRateLimiter):
    """A thread-safe limiter for one process (tests, the workbench, a single worker)."""

    def __init__(
        self,
        plan: str = PLAN_PRO,
        rate_scale: float = 1.0,
        safety_margin: float = DEFAULT_SAFETY_MARGIN,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(plan, rate_scale, safety_margin, sleep)
        self.clock = clock
        self._lock = threading.Lock()
        self._next_slot: dict[tuple[str, Category], float] = {}

    def acquire(self, account_key: str, category: Category, plan: str | None = None) -> float:
        """Reserve the next free slot, sleep until it comes, and return the seconds slept."""
        category = Category(category)
        interval = self.interval(category, plan)
        with self._lock:
            now = self.clock()
            slot = max(self._next_slot.get((account_key, category), now), now)
            self._next_slot[(account_key, category)] = slot + interval
        wait = slot - now
        if wait > 0:
            self.sleep(wait)
        return wait


# GCRA without burst, on Redis' own clock so that every host agrees on the time.
# KEYS[1]: the slot key; ARGV[1]: interval in microseconds. Returns the wait in microseconds.
_RESERVE_SLOT_LUA = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local interval = tonumber(ARGV[1])
local slot = tonumber(redis.call('GET', KEYS[1]) or '0')
if slot < now then slot = now end
local next_slot = slot + interval
local ttl_ms = math.ceil((next_slot - now) / 1000) + 1000
redis.call('SET', KEYS[1], string.format('%.0f', next_slot), 'PX', ttl_ms)
return string.format('%.0f', slot - now)
"""


class RedisRateLimiter(_SpacingRateLimiter):
    """A limiter shared by every worker on every host through one Redis."""

    def __init__(
        self,
        redis_client,
        plan: str = PLAN_PRO,
        rate_scale: float = 1.0,
        safety_margin: float = DEFAULT_SAFETY_MARGIN,
        sleep: Callable[[float], None] = time.sleep,
        key_prefix: str = "zoom_xblock:ratelimit",
    ) -> None:
        super().__init__(plan, rate_scale, safety_margin, sleep)
        self.redis = redis_client
        self.key_prefix = key_prefix
        self._reserve_slot = redis_client.register_script(_RESERVE_SLOT_LUA)

    def acquire(self, account_key: str, category: Category, plan: str | None = None) -> float:
        """Reserve the next free slot in Redis, sleep until it comes, return the seconds slept."""
        category = Category(category)
        interval_us = max(1, round(self.interval(category, plan) * 1_000_000))
        key = f"{self.key_prefix}:{account_key}:{category.value}"
        wait = int(self._reserve_slot(keys=[key], args=[interval_us])) / 1_000_000
        if wait > 0:
            self.sleep(wait)
        return wait
