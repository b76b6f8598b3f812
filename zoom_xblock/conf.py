"""One typed, lazy view of the ``ZOOM_XBLOCK`` Django setting.

Operators set a dict ``ZOOM_XBLOCK`` (Tutor patch, YAML or settings file); every key can also
come from the environment (``ZOOM_ACCOUNT_ID`` ...), which wins over the defaults but not over
an explicit setting. Nothing is read at import time: plugin settings are applied after the
operator's YAML, so the values are looked up on every call to :func:`get_config`.
"""
import json
import os
from dataclasses import dataclass, fields

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_API_BASE_URL = "https://api.zoom.us/v2"
DEFAULT_OAUTH_URL = "https://zoom.us/oauth/token"
# ACCOUNTS holds the other accounts' client secrets and webhook secret tokens.
SECRET_KEYS = ("CLIENT_SECRET", "WEBHOOK_SECRET_TOKEN", "ACCOUNTS")

# setting key -> (environment variable, default)
DEFAULTS = {
    "ACCOUNT_ID": ("ZOOM_ACCOUNT_ID", ""),
    "CLIENT_ID": ("ZOOM_CLIENT_ID", ""),
    "CLIENT_SECRET": ("ZOOM_CLIENT_SECRET", ""),
    "WEBHOOK_SECRET_TOKEN": ("ZOOM_WEBHOOK_SECRET_TOKEN", ""),
    "API_BASE_URL": ("ZOOM_API_BASE_URL", ""),
    "OAUTH_URL": ("ZOOM_OAUTH_URL", DEFAULT_OAUTH_URL),
    "PLAN": ("ZOOM_PLAN", "pro"),
    "RATE_SCALE": ("ZOOM_RATE_SCALE", 1.0),
    "WEBINARS_ENABLED": ("ZOOM_WEBINARS_ENABLED", True),
    "ZOOM_EMAILS": ("ZOOM_EMAILS", False),
    "ACCESS_VALIDATION": ("ZOOM_ACCESS_VALIDATION", True),
    "PRE_START_SYNC_MINUTES": ("ZOOM_PRE_START_SYNC_MINUTES", 30),
    "SWEEP_INTERVAL_MINUTES": ("ZOOM_SWEEP_INTERVAL_MINUTES", 15),
    "SYNC_DEBOUNCE_SECONDS": ("ZOOM_SYNC_DEBOUNCE_SECONDS", 5),
    "REPORT_DELAY_MINUTES": ("ZOOM_REPORT_DELAY_MINUTES", 15),
    "TEST_RUN_MINUTES_BEFORE_START": ("ZOOM_TEST_RUN_MINUTES_BEFORE_START", 15),
    "WEBHOOK_TOLERANCE_SECONDS": ("ZOOM_WEBHOOK_TOLERANCE_SECONDS", 300),
    "WEBHOOK_MAX_BODY_BYTES": ("ZOOM_WEBHOOK_MAX_BODY_BYTES", 256 * 1024),
    "DRIFT_POLICY": ("ZOOM_DRIFT_POLICY", "restore"),
    "LEARNER_EMAILS": ("ZOOM_LEARNER_EMAILS", "registered,promoted,rescheduled,cancelled,reminder"),
    "LEARNER_REMINDER_MINUTES": ("ZOOM_LEARNER_REMINDER_MINUTES", 60),
    "LICENCE_CACHE_SECONDS": ("ZOOM_LICENCE_CACHE_SECONDS", 6 * 3600),
    "JOIN_TIMEOUT_SECONDS": ("ZOOM_JOIN_TIMEOUT_SECONDS", 4.0),
    "HTTP_TIMEOUT_SECONDS": ("ZOOM_HTTP_TIMEOUT_SECONDS", 10.0),
    "REDIS_URL": ("ZOOM_REDIS_URL", ""),
    # The LMS's default queue (lms/envs/common.py DEFAULT_PRIORITY_QUEUE): a task queued from
    # Studio must still run in the LMS worker (plugins cannot add Celery routes).
    "CELERY_QUEUE": ("ZOOM_CELERY_QUEUE", "edx.lms.core.default"),
    "REMOVAL_GRACE_MINUTES": ("ZOOM_REMOVAL_GRACE_MINUTES", 24 * 60),
    "LOCK_TIMEOUT_SECONDS": ("ZOOM_LOCK_TIMEOUT_SECONDS", 60),
    "WEBHOOK_MAX_ATTEMPTS": ("ZOOM_WEBHOOK_MAX_ATTEMPTS", 3),
    "OUTSIDER_REGISTRANTS": ("ZOOM_OUTSIDER_REGISTRANTS", "deny"),
    # Several Zoom accounts (zoom_xblock/accounts.py): the top-level credentials above are the
    # account named "default"; ACCOUNTS adds others, ORG_ACCOUNTS picks one per organisation.
    "ACCOUNTS": ("ZOOM_ACCOUNTS", {}),
    "ORG_ACCOUNTS": ("ZOOM_ORG_ACCOUNTS", {}),
    "DEFAULT_ACCOUNT": ("ZOOM_DEFAULT_ACCOUNT", "default"),
}


def _coerce(value, default):
    """Turn an environment string into the type of its default (JSON for a mapping)."""
    if isinstance(default, dict) and isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"expected a JSON object, not {value[:40]!r}") from None
        if not isinstance(value, dict):
            raise ValueError("expected a JSON object")
        return value
    if not isinstance(value, str) or isinstance(default, str):
        return value
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


# The credentials Zoom's Server-to-Server OAuth needs: attribute -> setting name.
CREDENTIAL_NAMES = {"account_id": "ACCOUNT_ID", "client_id": "CLIENT_ID",
                    "client_secret": "CLIENT_SECRET"}


def missing_credentials(credentials, prefix: str = "") -> list[str]:
    """The names of the credentials settings ``credentials`` leaves empty (never the values)."""
    return [prefix + name for attr, name in CREDENTIAL_NAMES.items()
            if not getattr(credentials, attr)]


@dataclass(frozen=True)
class ZoomConfig:  # pylint: disable=too-many-instance-attributes
    """The plugin's configuration, as the operator set it."""

    account_id: str
    client_id: str
    client_secret: str
    webhook_secret_token: str
    api_base_url: str
    oauth_url: str
    plan: str
    rate_scale: float
    webinars_enabled: bool
    zoom_emails: bool
    access_validation: bool
    pre_start_sync_minutes: int
    sweep_interval_minutes: int
    sync_debounce_seconds: int
    report_delay_minutes: int
    test_run_minutes_before_start: int
    webhook_tolerance_seconds: int
    webhook_max_body_bytes: int
    drift_policy: str
    learner_emails: str
    learner_reminder_minutes: int
    licence_cache_seconds: int
    join_timeout_seconds: float
    http_timeout_seconds: float
    redis_url: str
    celery_queue: str
    removal_grace_minutes: int
    lock_timeout_seconds: int
    webhook_max_attempts: int
    outsider_registrants: str
    accounts: dict
    org_accounts: dict
    default_account: str

    @property
    def missing_credentials(self) -> list[str]:
        """Names of the settings Zoom needs that are empty (never their values)."""
        if self.accounts and not any(getattr(self, attr) for attr in CREDENTIAL_NAMES):
            return []  # a site with named accounts only (zoom_xblock/accounts.py checks those)
        return missing_credentials(self)

    @property
    def learner_email_kinds(self) -> frozenset[str]:
        """The kinds of learner e-mails the site sends (``LEARNER_EMAILS``: a list, or a
        comma-separated text; empty turns them all off)."""
        value = self.learner_emails
        items = value if isinstance(value, list | tuple | set | frozenset) else str(
            value or "").split(",")
        return frozenset(str(item).strip() for item in items if str(item).strip())

    @property
    def is_configured(self) -> bool:
        """True when the plugin has what it needs to call Zoom."""
        return not self.missing_credentials

    def __repr__(self):
        # Secrets never reach a log line or an error page through repr().
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        for name in SECRET_KEYS:
            if shown[name.lower()]:
                shown[name.lower()] = "***"
        return f"ZoomConfig({shown})"


def setting_value(key: str, configured: dict | None = None):
    """One key of ``ZOOM_XBLOCK`` as the plugin uses it: the explicit setting, else its
    environment variable, else the default (typed like the default).

    ``configured`` is the ``ZOOM_XBLOCK`` dict (``settings.ZOOM_XBLOCK`` when None): the plugin
    settings pass theirs, because Django's settings are still being built then. The Celery beat
    entry, ``zoom_check`` and the banner read the sweep interval here: one source for all.
    """
    if configured is None:
        configured = getattr(settings, "ZOOM_XBLOCK", None) or {}
    env_name, default = DEFAULTS[key]
    if configured.get(key) not in (None, ""):
        value = configured[key]
    else:
        value = os.environ.get(env_name, default)
    try:
        return _coerce(value, default)
    except ValueError as error:
        raise ImproperlyConfigured(f"ZOOM_XBLOCK {key} ({env_name}): {error}") from None


def get_config() -> ZoomConfig:
    """Read ``settings.ZOOM_XBLOCK`` (falling back to the environment, then the defaults)."""
    configured = getattr(settings, "ZOOM_XBLOCK", None) or {}
    return ZoomConfig(**{key.lower(): setting_value(key, configured) for key in DEFAULTS})
