"""The one place where the plugin builds its Zoom client from the Django settings.

The token lives in Django's cache (Redis in production, shared by every LMS process and
worker) and the rate limiter in Redis when there is one, so every worker on every host shares
one set of buckets per Zoom account.
"""
import functools

from django.core.cache import cache

from zoom_xblock.conf import ZoomConfig, get_config
from zoom_xblock.locks import redis_client
from zoom_xblock.zoom import InProcessRateLimiter, RedisRateLimiter, ZoomClient


class NotConfigured(Exception):
    """Zoom credentials are missing; the message names the settings, never their values."""


@functools.cache
def _in_process_limiter(plan: str, rate_scale: float) -> InProcessRateLimiter:
    return InProcessRateLimiter(plan=plan, rate_scale=rate_scale)


def rate_limiter(config: ZoomConfig):
    """Redis buckets shared by all workers when Redis is configured, otherwise in-process."""
    client = redis_client()
    if client is not None:
        return RedisRateLimiter(client, plan=config.plan, rate_scale=config.rate_scale)
    return _in_process_limiter(config.plan, config.rate_scale)


def get_client(*, timeout: float | None = None, max_attempts: int | None = None) -> ZoomClient:
    """A Zoom client for the configured account (``timeout`` shortens the read timeout, e.g.
    for the just-in-time registration at Join)."""
    config = get_config()
    if not config.is_configured:
        missing = ", ".join(config.missing_credentials)
        raise NotConfigured(f"Zoom is not configured: missing {missing}")
    read_timeout = timeout or config.http_timeout_seconds
    return ZoomClient(
        config.account_id,
        config.client_id,
        config.client_secret,
        oauth_url=config.oauth_url,
        api_base_url=config.api_base_url or None,
        token_cache=cache,
        rate_limiter=rate_limiter(config),
        plan=config.plan,
        rate_scale=config.rate_scale,
        timeout=(min(3.05, read_timeout), read_timeout),
        max_attempts=max_attempts or 4,
    )
