"""Server-to-Server OAuth tokens: fetched once per account, shared by every process.

The token lives in a cache shared by all workers (in production Django's cache; any object
with Django-compatible ``get(key)``, ``set(key, value, timeout)`` and ``add(key, value,
timeout)`` works). It is renewed a few minutes before it expires, and only by one process at a
time: whoever wins ``add(lock_key)`` fetches, the others keep using the still-valid token or
wait for the new one to appear.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

from .errors import (
    ZoomAuthError,
    ZoomError,
    ZoomUnavailable,
    error_body,
    unavailable_from_exception,
)
from .redaction import redact

logger = logging.getLogger("zoom_xblock.zoom")

DEFAULT_OAUTH_URL = "https://zoom.us/oauth/token"
DEFAULT_RENEW_BEFORE = 300.0
DEFAULT_LOCK_SECONDS = 15
_LOCK_POLL_SECONDS = 0.05


class InMemoryTokenCache:
    """A thread-safe, process-local cache with Django's ``get``/``set``/``add``/``delete``."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[Any, float | None]] = {}

    def _live(self, key: str) -> tuple[bool, Any]:
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        value, expires_at = entry
        if expires_at is not None and expires_at <= self._clock():
            del self._entries[key]
            return False, None
        return True, value

    def get(self, key: str, default: Any = None) -> Any:
        """The value under ``key``, or ``default`` when missing or expired."""
        with self._lock:
            found, value = self._live(key)
            return value if found else default

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        """Store ``value`` for ``timeout`` seconds (None: forever)."""
        with self._lock:
            expires_at = None if timeout is None else self._clock() + timeout
            self._entries[key] = (value, expires_at)

    def add(self, key: str, value: Any, timeout: float | None = None) -> bool:
        """Store ``value`` only if ``key`` is absent; True when stored."""
        with self._lock:
            found, _ = self._live(key)
            if found:
                return False
            expires_at = None if timeout is None else self._clock() + timeout
            self._entries[key] = (value, expires_at)
            return True

    def delete(self, key: str) -> None:
        """Forget ``key``."""
        with self._lock:
            self._entries.pop(key, None)


@dataclass(frozen=True)
class AccessToken:
    """A Zoom access token with what came with it; the token value never shows in ``repr``."""

    value: str = field(repr=False)
    expires_at: float
    scopes: frozenset[str] = frozenset()
    api_url: str | None = None

    def to_cache(self) -> dict[str, Any]:
        """A plain dict, safe for any cache backend's serialiser."""
        return {
            "value": self.value,
            "expires_at": self.expires_at,
            "scopes": sorted(self.scopes),
            "api_url": self.api_url,
        }

    @classmethod
    def from_cache(cls, data: Any) -> AccessToken | None:
        """Rebuild a token from :meth:`to_cache` output; None for anything else."""
        if not isinstance(data, dict) or not data.get("value"):
            return None
        return cls(
            value=data["value"],
            expires_at=float(data.get("expires_at", 0)),
            scopes=frozenset(data.get("scopes") or ()),
            api_url=data.get("api_url"),
        )


class TokenProvider:
    """Hands out a valid access token for one Zoom account, fetching it as rarely as possible."""

    def __init__(
        self,
        account_id: str,
        client_id: str,
        client_secret: str,
        *,
        oauth_url: str = DEFAULT_OAUTH_URL,
        cache: Any = None,
        session: requests.Session | None = None,
        timeout: tuple[float, float] = (3.05, 10),
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        renew_before: float = DEFAULT_RENEW_BEFORE,
        lock_seconds: int = DEFAULT_LOCK_SECONDS,
        on_response: Callable[[requests.Response], None] | None = None,
    ) -> None:
        self.account_id = account_id
        self.client_id = client_id
        self._client_secret = client_secret
        self.oauth_url = oauth_url
        self.cache = cache if cache is not None else InMemoryTokenCache(clock)
        self.session = session or requests.Session()
        self.timeout = timeout
        self.clock = clock
        self.sleep = sleep
        self.renew_before = renew_before
        self.lock_seconds = lock_seconds
        self.on_response = on_response
        digest = hashlib.sha256(f"{account_id}:{client_id}".encode()).hexdigest()[:32]
        self.cache_key = f"zoom_xblock:token:{digest}"
        self.lock_key = f"{self.cache_key}:lock"
        self.fetch_count = 0
        self._local: AccessToken | None = None
        self._local_lock = threading.Lock()

    def _fresh(self, token: AccessToken | None) -> bool:
        return token is not None and token.expires_at - self.renew_before > self.clock()

    def _usable(self, token: AccessToken | None) -> bool:
        return token is not None and token.expires_at - 5 > self.clock()

    def _read_cache(self) -> AccessToken | None:
        return AccessToken.from_cache(self.cache.get(self.cache_key))

    def get(self, rejected: str | None = None) -> AccessToken:
        """A valid token; ``rejected`` names a token value Zoom refused, never handed out again."""
        local = self._local
        if self._fresh(local) and local.value != rejected:
            return local
        with self._local_lock:
            token = self._read_cache()
            if self._fresh(token) and token.value != rejected:
                self._local = token
                return token
            token = self._renew(token, rejected)
            self._local = token
            return token

    def _renew(self, current: AccessToken | None, rejected: str | None) -> AccessToken:
        deadline = self.clock() + self.lock_seconds
        while not self.cache.add(self.lock_key, "1", self.lock_seconds):
            # Another process is fetching: keep using a still-valid token, else wait for theirs.
            if self._usable(current) and current.value != rejected:
                return current
            if self.clock() >= deadline:
                break
            self.sleep(_LOCK_POLL_SECONDS)
            current = self._read_cache()
            if self._fresh(current) and current.value != rejected:
                return current
        try:
            latest = self._read_cache()
            if self._fresh(latest) and latest.value != rejected:
                return latest
            token = self._fetch()
            timeout = max(1, int(token.expires_at - self.clock()))
            self.cache.set(self.cache_key, token.to_cache(), timeout)
            return token
        finally:
            delete = getattr(self.cache, "delete", None)
            if delete is not None:
                delete(self.lock_key)

    def _fetch(self) -> AccessToken:
        credentials = f"{self.client_id}:{self._client_secret}".encode()
        headers = {"Authorization": "Basic " + base64.b64encode(credentials).decode("ascii")}
        form = {"grant_type": "account_credentials", "account_id": self.account_id}
        started = self.clock()
        try:
            response = self.session.post(
                self.oauth_url, data=form, headers=headers, timeout=self.timeout
            )
        except requests.RequestException as exc:
            logger.warning(
                "zoom call operation=fetch_token method=POST failed: %s", type(exc).__name__
            )
            raise unavailable_from_exception(exc, "fetch_token") from None
        self.fetch_count += 1
        if self.on_response is not None:
            self.on_response(response)
        logger.info(
            "zoom call operation=fetch_token method=POST status=%s duration_ms=%d",
            response.status_code,
            (self.clock() - started) * 1000,
        )
        if not response.ok:
            raise self._token_error(response)
        body = error_body(response)
        value = body.get("access_token")
        if not value:
            raise ZoomAuthError(
                "token response without access_token",
                operation="fetch_token",
                status=response.status_code,
            )
        return AccessToken(
            value=value,
            expires_at=self.clock() + float(body.get("expires_in") or 3600),
            scopes=frozenset(str(body.get("scope") or "").split()),
            api_url=body.get("api_url") or None,
        )

    def _token_error(self, response: requests.Response) -> ZoomError:
        body = error_body(response)
        message = redact(
            body.get("reason") or body.get("error") or response.reason or "",
            secrets=(self._client_secret,),
        )
        common = {
            "status": response.status_code,
            "code": body.get("error"),
            "operation": "fetch_token",
        }
        if response.status_code >= 500 or response.status_code == 429:
            return ZoomUnavailable(message, **common)
        return ZoomAuthError(message, **common)
