"""The sandbox's configuration: defaults, environment variables and seed users."""
from __future__ import annotations

import dataclasses
import json
import os
from pathlib import Path
from typing import Any

from zoom_xblock.zoom.client import REQUIRED_SCOPES

# Every granular scope the integration needs (zoom-api.md section 6).
DEFAULT_SCOPES: tuple[str, ...] = tuple(REQUIRED_SCOPES)

DEFAULT_SEED_USERS: tuple[dict[str, Any], ...] = (
    {"email": "host@example.com", "first_name": "Hedy", "last_name": "Lamarr",
     "type": 2, "webinar": True},
    {"email": "host2@example.com", "first_name": "Claude", "last_name": "Shannon",
     "type": 2, "webinar": True},
    {"email": "nowebinar@example.com", "first_name": "Katherine", "last_name": "Johnson",
     "type": 2, "webinar": False},
    {"email": "basic@example.com", "first_name": "Basil", "last_name": "Basic",
     "type": 1, "webinar": False},
)

PLANS = ("pro", "business")

# Environment variables read by SandboxConfig.from_env (option name -> variable).
ENVIRONMENT = {
    "host": "ZOOM_SANDBOX_HOST",
    "port": "ZOOM_SANDBOX_PORT",
    "base_url": "ZOOM_SANDBOX_BASE_URL",
    "account_id": "ZOOM_ACCOUNT_ID",
    "client_id": "ZOOM_CLIENT_ID",
    "client_secret": "ZOOM_CLIENT_SECRET",
    "plan": "ZOOM_SANDBOX_PLAN",
    "time_scale": "ZOOM_SANDBOX_TIME_SCALE",
    "token_lifetime": "ZOOM_SANDBOX_TOKEN_LIFETIME",
    "scopes": "ZOOM_SANDBOX_SCOPES",
    "webhook_base": "ZOOM_SANDBOX_WEBHOOK_BASE",
    "webhook_secret": "ZOOM_WEBHOOK_SECRET_TOKEN",
    "seed_file": "ZOOM_SANDBOX_SEED_FILE",
    "state_file": "ZOOM_SANDBOX_STATE_FILE",
    "webinar_plan": "ZOOM_SANDBOX_WEBINAR_PLAN",
}


@dataclasses.dataclass
class SandboxConfig:
    """Everything that can be set on the command line, in the environment or in code."""

    host: str = "127.0.0.1"
    port: int = 8010
    base_url: str = ""  # empty: http://{host}:{port} once the socket is bound
    account_id: str = "sandbox-account"
    client_id: str = "sandbox-client"
    client_secret: str = "sandbox-secret"
    plan: str = "pro"
    webinar_plan: bool = True  # the account's Zoom Webinar plan (off: no webinars at all)
    time_scale: float = 1.0
    token_lifetime: int = 3600
    scopes: tuple[str, ...] = DEFAULT_SCOPES
    webhook_base: str = "http://127.0.0.1:8000/zoom/webhook/"  # empty: no webhooks
    webhook_secret: str = "sandbox-webhook-secret"
    webhook_retries: int = 3
    webhook_retry_delay: float = 0.5  # real seconds, doubled on every retry
    webhook_timeout: float = 3.0
    api_webhooks: bool = True  # like Zoom, also send webhooks for changes made through the API
    seed_users: tuple[dict[str, Any], ...] = DEFAULT_SEED_USERS
    seed_file: str = ""
    state_file: str = ""  # empty: the account lives in memory only
    max_registrants: int = 4999
    host_daily_quota: int = 100
    registrant_daily_quota: int = 3
    timeout_seconds: float = 30.0  # how long a "timeout" fault holds the answer back
    random_seed: int | None = None

    def __post_init__(self) -> None:
        if self.plan not in PLANS:
            raise ValueError(f"plan must be one of {PLANS}, not {self.plan!r}")
        if self.time_scale <= 0:
            raise ValueError("time_scale must be positive")
        if isinstance(self.scopes, str):
            self.scopes = tuple(self.scopes.replace(",", " ").split())
        if self.seed_file:
            self.seed_users = tuple(load_seed_file(self.seed_file))

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> SandboxConfig:
        """Build a config: explicit ``overrides`` (not None) beat the environment, which
        beats the defaults."""
        environ = os.environ if environ is None else environ
        fields = {field.name: field for field in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for name, variable in ENVIRONMENT.items():
            raw = environ.get(variable)
            if raw not in (None, ""):
                values[name] = _coerce(fields[name].type, raw)
        values.update({key: value for key, value in overrides.items() if value is not None})
        return cls(**values)

    def public_dict(self) -> dict[str, Any]:
        """The configuration without its secrets (for the control API)."""
        data = dataclasses.asdict(self)
        for secret in ("client_secret", "webhook_secret"):
            data[secret] = "***"
        data["scopes"] = list(self.scopes)
        data["seed_users"] = list(self.seed_users)
        return data


def _coerce(type_name: Any, raw: str) -> Any:
    text = str(type_name)
    if text.startswith("int"):
        return int(raw)
    if text.startswith("float"):
        return float(raw)
    if text.startswith("bool"):
        return raw.lower() in ("1", "true", "yes", "on")
    return raw


def load_seed_file(path: str) -> list[dict[str, Any]]:
    """Users from a JSON seed file: either a list of users or ``{"users": [...]}``."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    users = data.get("users", []) if isinstance(data, dict) else data
    if not isinstance(users, list) or not all(isinstance(user, dict) for user in users):
        raise ValueError(f"{path}: expected a list of users or {{'users': [...]}}")
    return users
