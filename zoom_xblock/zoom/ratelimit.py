"""Zoom's per-account rate limits, and limiters that keep every one-second window under them.

Zoom counts requests per account and per category (Light/Medium/Heavy/Resource-intensive),
across every app and every worker using the account, over any window of one period. The
limiters here are sliding-window logs: a call is admitted only when fewer than ``limit`` calls
were admitted in the last ``window = period / rate_scale * (1 + safety_margin)`` seconds, and
the check happens *when the call is about to go*, after any wait. A worker that stalls (a busy
CPU, a late wake-up) therefore re-checks when it wakes instead of sending on a slot reserved
before the stall, so late callers never pile onto on-time ones; the margin absorbs the
network's jitter between admission and Zoom's clock. Throughput stays at ``1 / (1 + margin)``
of the plan rate (97% by default).
"""

from __future__ import annotations

import collections
import hashlib
import itertools
import math
import os
import threading
import time
import uuid
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

    def sent(self) -> bool:
        """Optional: the admitted call is leaving now (the window counts it from now). False
        when it no longer fits (it stalled past its place): acquire again before sending."""


def account_key_for(account_id: str) -> str:
    """A short, stable limiter key for a Zoom account (limits are per account, not per app)."""
    return hashlib.sha256(account_id.encode("utf-8")).hexdigest()[:16]


class _WindowRateLimiter:
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

    def window(self, category: Category, plan: str | None = None) -> tuple[int, float]:
        """``(limit, seconds)``: at most ``limit`` calls of ``category`` in any such window."""
        limit, period = PLAN_RATES[plan or self.plan][Category(category)]
        return limit, period / self.rate_scale * (1 + self.safety_margin)

    def interval(self, category: Category, plan: str | None = None) -> float:
        """The average seconds between two calls of ``category`` at full speed."""
        limit, window = self.window(category, plan)
        return window / limit


class InProcessRateLimiter(_WindowRateLimiter):
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
        self._admitted: dict[tuple[str, Category], collections.deque[float]] = {}
        self._last = threading.local()

    def _try(self, key: tuple[str, Category], limit: int, window: float) -> float:
        with self._lock:
            now = self.clock()
            times = self._admitted.setdefault(key, collections.deque())
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) < limit:
                times.append(now)
                self._last.entry = (key, now, limit, window)
                return 0.0
            return max(times[0] + window - now, 1e-6)

    def sent(self) -> bool:
        """Move this thread's last admission to now: a stall after admission (a busy CPU)
        delays the next calls instead of bunching them. False when, after the stall, the
        window is full without it: the caller acquires again."""
        entry = getattr(self._last, "entry", None)
        if entry is None:
            return True
        key, admitted, limit, window = entry
        self._last.entry = None
        with self._lock:
            now = self.clock()
            times = self._admitted.setdefault(key, collections.deque())
            try:
                times.remove(admitted)
            except ValueError:
                pass  # already out of the window
            while times and times[0] <= now - window:
                times.popleft()
            if len(times) >= limit:
                return False
            times.append(now)  # now is the latest moment: the log stays sorted
            return True

    def acquire(self, account_key: str, category: Category, plan: str | None = None) -> float:
        """Wait until the call fits in the window, admit it, and return the seconds waited."""
        category = Category(category)
        limit, window = self.window(category, plan)
        waited = 0.0
        while True:
            wait = self._try((account_key, category), limit, window)
            if not wait:
                return waited
            self.sleep(wait)
            waited += wait


# KEYS[1]: the log; ARGV: the member admitted, TTL (ms), window (microseconds), limit. The
# call leaves now: counted from now if the window still has room without it (1), else 0.
_SENT_LUA = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[3]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then
  return 0
end
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""

# A sliding-window log on Redis' own clock, so that every host agrees on the time.
# KEYS[1]: the log (a sorted set); ARGV: window (microseconds), limit, a unique member.
# Returns 0 when admitted, else the microseconds until the oldest entry leaves the window.
_ADMIT_LUA = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000000 + tonumber(clock[2])
local window = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], math.ceil(window / 1000) + 1000)
  return '0'
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local wait = tonumber(oldest[2]) + window - now
if wait < 1 then wait = 1 end
return string.format('%.0f', wait)
"""


class RedisRateLimiter(_WindowRateLimiter):
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
        self._admit = redis_client.register_script(_ADMIT_LUA)
        self._sent = redis_client.register_script(_SENT_LUA)
        self._tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self._count = itertools.count()
        self._last = threading.local()

    def acquire(self, account_key: str, category: Category, plan: str | None = None) -> float:
        """Wait until the call fits in the shared window, admit it, return the seconds waited."""
        category = Category(category)
        limit, window = self.window(category, plan)
        window_us = max(1, round(window * 1_000_000))
        key = f"{self.key_prefix}:{account_key}:{category.value}"
        waited = 0.0
        while True:
            member = f"{self._tag}-{next(self._count)}"
            wait = int(self._admit(keys=[key], args=[window_us, limit, member])) / 1_000_000
            if not wait:
                self._last.entry = (key, member, math.ceil(window_us / 1000) + 1000,
                                    window_us, limit)
                return waited
            self.sleep(wait)
            waited += wait

    def sent(self) -> bool:
        """Re-stamp this thread's last admission with Redis' time now (see
        :meth:`InProcessRateLimiter.sent`); one more round trip per call."""
        entry = getattr(self._last, "entry", None)
        if entry is None:
            return True
        self._last.entry = None
        key, member, ttl_ms, window_us, limit = entry
        return bool(int(self._sent(keys=[key], args=[member, ttl_ms, window_us, limit])))
