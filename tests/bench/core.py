"""What benchmark modules share: the ``Result`` row, the registry, the machine, a sandbox.

A benchmark module exposes ``run() -> list[Result]`` and is registered by name in
:data:`BENCHMARKS`. A row with ``ok=None`` has no pass/fail (a baseline, or a skip: then
``status`` says why, e.g. "skipped (no Redis)").
"""

from __future__ import annotations

import dataclasses
import importlib
import math
import multiprocessing
import os
import platform
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# name -> module with ``run() -> list[Result]``; ``python -m tests.bench NAME`` picks some.
BENCHMARKS: dict[str, str] = {
    "client": "tests.bench.client",
    "sync": "tests.bench.sync",
    "learner": "tests.bench.learner",
    "staff": "tests.bench.staff",
    "webhooks": "tests.bench.webhooks",
    "accounts": "tests.bench.accounts",
}

REDIS_URL = os.environ.get("ZOOM_XBLOCK_BENCH_REDIS", "redis://127.0.0.1:6379/0")


@dataclasses.dataclass
class Result:
    """One row of the table."""

    name: str
    figure: str
    target: str = ""
    ok: bool | None = None
    conditions: str = ""
    status: str = ""  # overrides the pass/FAIL column, e.g. "skipped (no Redis)"

    @property
    def verdict(self) -> str:
        if self.status:
            return self.status
        if self.ok is None:
            return "-"
        return "pass" if self.ok else "FAIL"

    @property
    def failed(self) -> bool:
        return self.ok is False and not self.status


def skipped(name: str, target: str, reason: str, conditions: str = "") -> Result:
    return Result(name, "-", target, None, conditions, status=f"skipped ({reason})")


def load(name: str) -> Callable[[], list[Result]]:
    """The ``run`` function of the benchmark registered as ``name``."""
    return importlib.import_module(BENCHMARKS[name]).run


def machine() -> str:
    """One line: CPU model, cores, Python."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.lower().startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return (f"machine: {model}, {os.cpu_count()} cores; Python {platform.python_version()} "
            f"({platform.python_implementation()}); {platform.system()} {platform.release()}")


# --- numbers ------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    """The ``fraction`` quantile (0..1) of ``values``, interpolating between neighbours."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms"


# --- Redis ---------------------------------------------------------------------------------------


def redis_reachable(url: str = REDIS_URL) -> str | None:
    """None when Redis answers a PING at ``url``, else why not."""
    try:
        import redis
    except ImportError:
        return "redis-py not installed"
    try:
        redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def unique_prefix(label: str) -> str:
    return f"zoom_xblock:bench:{label}:{uuid.uuid4().hex[:12]}"


def delete_prefix(prefix: str, url: str = REDIS_URL) -> None:
    import redis

    client = redis.Redis.from_url(url)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


class RedisCache:
    """The part of Django's cache API the token provider needs (get/set/add/delete), on Redis.

    Values are JSON; ``timeout`` is in seconds. Django's cache is not available here.
    """

    def __init__(self, url: str, prefix: str) -> None:
        import redis

        self.redis = redis.Redis.from_url(url)
        self.prefix = prefix + ":cache:"

    def get(self, key: str, default: Any = None) -> Any:
        import json

        value = self.redis.get(self.prefix + key)
        return default if value is None else json.loads(value)

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        import json

        self.redis.set(self.prefix + key, json.dumps(value),
                       px=None if timeout is None else max(1, int(timeout * 1000)))

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool:
        import json

        return bool(self.redis.set(self.prefix + key, json.dumps(value), nx=True,
                                   px=None if timeout is None else max(1, int(timeout * 1000))))

    def delete(self, key: str) -> None:
        self.redis.delete(self.prefix + key)


# --- a sandbox in its own process --------------------------------------------------------------


def _serve_sandbox(config: dict[str, Any], url_pipe, stop) -> None:
    from zoom_xblock.sandbox import start_sandbox

    with start_sandbox(port=0, quiet=True, **config) as handle:
        url_pipe.send(handle.url)
        stop.wait()


@contextmanager
def sandbox_process(**config: Any) -> Iterator[str]:
    """A threaded sandbox serving from a child process (spawn); yields its URL.

    Its own process keeps the server's work off the measuring process's GIL, and its
    threaded server answers several client processes at once.
    """
    config.setdefault("webhook_base", "")
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    process = context.Process(target=_serve_sandbox, args=(config, send, stop),
                              name="zoom-sandbox", daemon=True)
    process.start()
    try:
        if not receive.poll(30):
            raise RuntimeError("the sandbox process did not start within 30 s")
        yield receive.recv()
    finally:
        stop.set()
        process.join(timeout=10)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
