"""Outgoing webhooks: signed like Zoom's, sent from background threads with retries.

Every delivery is recorded (URL, event, status, attempts) so tests can assert on it, and
``drop_next(n)`` makes the next ``n`` events vanish, to test how the plugin recovers.
"""
from __future__ import annotations

import dataclasses
import hashlib
import heapq
import hmac
import json
import queue
import secrets
import threading
import time
import urllib.error
import urllib.request
from typing import Any

from zoom_xblock.zoom.webhooks import signature_headers

WEBINAR_TYPES = (5, 6, 9)
_STOP = object()


@dataclasses.dataclass
class Delivery:
    """One webhook event and what became of it."""

    id: int
    event: str
    url: str
    payload: dict[str, Any]
    status: int | None = None  # the last HTTP status received, None if none
    attempts: int = 0
    ok: bool = False
    dropped: bool = False
    error: str = ""
    done: bool = False

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def target_url(webhook_base: str, payload: dict[str, Any]) -> str:
    """``{base}meeting`` for meeting events, ``{base}webinar`` for webinar events."""
    family = payload["event"].split(".", 1)[0]
    if family == "recording":
        meeting_type = payload["payload"]["object"].get("type")
        family = "webinar" if meeting_type in WEBINAR_TYPES else "meeting"
    return f"{webhook_base}{family}"


class WebhookSender:
    """Queues events and posts them, signed, from a few daemon threads."""

    def __init__(self, webhook_base: str, secret: str, *, retries: int = 3,
                 retry_delay: float = 0.5, timeout: float = 3.0, workers: int = 4) -> None:
        self.webhook_base = webhook_base
        self.secret = secret
        self.retries = retries
        self.retry_delay = retry_delay
        self.timeout = timeout
        self._queue: queue.Queue[Any] = queue.Queue()
        self._deliveries: list[Delivery] = []
        self._drop_remaining = 0
        self._pending = 0
        self._lock = threading.Condition()
        self._workers = [threading.Thread(target=self._work, name=f"sandbox-webhooks-{n}",
                                          daemon=True) for n in range(workers)]
        self._retries: list[tuple[float, int, Delivery]] = []
        self._retry_lock = threading.Condition()
        self._stopping = False
        self._workers.append(threading.Thread(target=self._run_retries,
                                              name="sandbox-webhook-retries", daemon=True))
        self._started = False
        # A direct opener: proxies configured in the environment must not see our webhooks.
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    @property
    def enabled(self) -> bool:
        return bool(self.webhook_base)

    def send(self, payload: dict[str, Any]) -> Delivery | None:
        """Queue one event; returns its delivery record (None when webhooks are off)."""
        if not self.enabled:
            return None
        with self._lock:
            delivery = Delivery(id=len(self._deliveries) + 1, event=payload["event"],
                                url=target_url(self.webhook_base, payload), payload=payload)
            self._deliveries.append(delivery)
            if self._drop_remaining > 0:
                self._drop_remaining -= 1
                delivery.dropped = delivery.done = True
                return delivery
            self._pending += 1
            if not self._started:
                self._started = True
                for worker in self._workers:
                    worker.start()
        self._queue.put(delivery)
        return delivery

    def drop_next(self, count: int) -> None:
        """Silently lose the next ``count`` events (they are recorded as dropped)."""
        with self._lock:
            self._drop_remaining = max(int(count), 0)

    @property
    def drop_remaining(self) -> int:
        return self._drop_remaining

    def deliveries(self, event: str | None = None) -> list[dict[str, Any]]:
        """Recorded deliveries, oldest first, optionally only one event type."""
        with self._lock:
            return [item.to_dict() for item in self._deliveries
                    if event is None or item.event == event]

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Block until every queued event is delivered or given up; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._pending:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._lock.wait(remaining)
        return True

    def clear(self) -> None:
        """Forget recorded deliveries, events not sent yet and any pending drop count."""
        with self._lock:
            forgotten = []
            while True:
                try:
                    forgotten.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            for item in forgotten:
                if item is _STOP:
                    self._queue.put(_STOP)
            with self._retry_lock:
                forgotten += [entry[2] for entry in self._retries]
                self._retries.clear()
            for item in forgotten:
                if item is not _STOP and not item.done:
                    item.done = True
                    self._pending -= 1
            self._lock.notify_all()
            self._deliveries = [item for item in self._deliveries if not item.done]
            self._drop_remaining = 0

    def stop(self) -> None:
        """Ask the threads to finish (events already queued are still sent first)."""
        if self._started:
            with self._retry_lock:
                self._stopping = True
                self._retry_lock.notify_all()
            for _ in self._workers[:-1]:
                self._queue.put(_STOP)

    def validate_endpoints(self) -> dict[str, dict[str, Any]]:
        """Send ``endpoint.url_validation`` to both targets and check the answers."""
        results = {}
        for family in ("meeting", "webinar"):
            url = f"{self.webhook_base}{family}"
            plain_token = secrets.token_urlsafe(16)
            payload = {"event": "endpoint.url_validation", "event_ts": int(time.time() * 1000),
                       "payload": {"plainToken": plain_token}}
            status, body, error = self._post(url, payload)
            expected = hmac.new(self.secret.encode(), plain_token.encode(),
                                hashlib.sha256).hexdigest()
            try:
                answer = json.loads(body or b"{}")
            except ValueError:
                answer = {}
            valid = (status == 200 and answer.get("plainToken") == plain_token
                     and answer.get("encryptedToken") == expected)
            results[family] = {"url": url, "status": status, "valid": valid, "error": error}
        return results

    def _work(self) -> None:
        while True:
            delivery = self._queue.get()
            if delivery is _STOP:
                return
            if delivery.done:  # forgotten by clear()
                continue
            if self._attempt(delivery):
                with self._lock:
                    if not delivery.done:
                        delivery.done = True
                        self._pending -= 1
                    self._lock.notify_all()
            else:
                self._schedule_retry(delivery)

    def _attempt(self, delivery: Delivery) -> bool:
        """Post once; True when the delivery is finished (accepted, or out of retries)."""
        status, _, error = self._post(delivery.url, delivery.payload)
        delivery.attempts += 1
        delivery.status, delivery.error = status, error
        delivery.ok = status is not None and 200 <= status < 300
        return delivery.ok or delivery.attempts > self.retries

    def _schedule_retry(self, delivery: Delivery) -> None:
        # Waiting happens in the retry thread, so an unreachable plugin never holds a
        # worker: the other events keep flowing.
        due = time.monotonic() + self.retry_delay * 2 ** (delivery.attempts - 1)
        with self._retry_lock:
            heapq.heappush(self._retries, (due, delivery.id, delivery))
            self._retry_lock.notify_all()

    def _run_retries(self) -> None:
        while True:
            with self._retry_lock:
                while not self._stopping:
                    if self._retries:
                        wait = self._retries[0][0] - time.monotonic()
                        if wait <= 0:
                            break
                        self._retry_lock.wait(wait)
                    else:
                        self._retry_lock.wait()
                if self._stopping:
                    return
                _, _, delivery = heapq.heappop(self._retries)
            self._queue.put(delivery)

    def _post(self, url: str, payload: dict[str, Any]) -> tuple[int | None, bytes, str]:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        headers = {**signature_headers(self.secret, body), "User-Agent": "Zoom Marketplace/1.1a"}
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with self._opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read(), ""
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read(), f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            return None, b"", f"{type(exc).__name__}: {exc}"
