"""The one place where the plugin builds its Zoom client from the Django settings.

The token lives in Django's cache (Redis in production, shared by every LMS process and
worker) and the rate limiter in Redis when there is one, so every worker on every host shares
one set of buckets per Zoom account. A site may hold several accounts: see
:mod:`zoom_xblock.accounts`.
"""
import functools

from django.core.cache import cache

from zoom_xblock import accounts
from zoom_xblock.conf import get_config
from zoom_xblock.locks import redis_client
from zoom_xblock.zoom import InProcessRateLimiter, RedisRateLimiter, ZoomClient


class NotConfigured(Exception):
    """Zoom credentials are missing; the message names the settings, never their values."""


@functools.cache
def _in_process_limiter(plan: str, rate_scale: float) -> InProcessRateLimiter:
    return InProcessRateLimiter(plan=plan, rate_scale=rate_scale)


def rate_limiter(config):
    """Redis buckets shared by all workers when Redis is configured, otherwise in-process.

    ``config`` is a :class:`~zoom_xblock.accounts.ZoomAccount` (or the site's configuration):
    its plan and rate scale set the rates; the buckets themselves are keyed by account id."""
    client = redis_client()
    if client is not None:
        return RedisRateLimiter(client, plan=config.plan, rate_scale=config.rate_scale)
    return _in_process_limiter(config.plan, config.rate_scale)


def get_client(account: str | None = None, *, timeout: float | None = None,
               max_attempts: int | None = None) -> ZoomClient:
    """A Zoom client for the account named ``account`` (default: the site's default account;
    ``timeout`` shortens the read timeout, e.g. for the just-in-time registration at Join)."""
    config = get_config()
    try:
        zoom_account = accounts.get_account(account, config)
    except accounts.UnknownAccount as error:
        raise NotConfigured(f"Zoom is not configured: {error}") from None
    if not zoom_account.is_configured:
        missing = ", ".join(zoom_account.missing_credentials)
        raise NotConfigured(f"Zoom is not configured: missing {missing}")
    read_timeout = timeout or config.http_timeout_seconds
    return ZoomClient(
        zoom_account.account_id,
        zoom_account.client_id,
        zoom_account.client_secret,
        oauth_url=zoom_account.oauth_url,
        api_base_url=zoom_account.api_base_url or None,
        token_cache=cache,
        rate_limiter=rate_limiter(zoom_account),
        plan=zoom_account.plan,
        rate_scale=zoom_account.rate_scale,
        timeout=(min(3.05, read_timeout), read_timeout),
        max_attempts=max_attempts or 4,
    )
