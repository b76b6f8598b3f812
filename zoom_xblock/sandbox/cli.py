"""Command-line options shared by ``python -m zoom_xblock.sandbox`` and ``manage.py
zoom_sandbox``. Unset options fall back to the environment, then to the defaults."""
from __future__ import annotations

import argparse
import logging
from typing import Any

from .config import PLANS, SandboxConfig
from .server import serve


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the sandbox's options to ``parser`` (an argparse or Django parser)."""
    add = parser.add_argument
    add("--host", help="interface to listen on (default 127.0.0.1)")
    add("--port", type=int, help="port (default 8010)")
    add("--base-url", help="public base URL (default http://HOST:PORT)")
    add("--account-id", help="accepted account id (env ZOOM_ACCOUNT_ID)")
    add("--client-id", help="accepted client id (env ZOOM_CLIENT_ID)")
    add("--client-secret", help="accepted client secret (env ZOOM_CLIENT_SECRET)")
    add("--plan", choices=PLANS, help="rate-limit plan (default pro)")
    add("--time-scale", type=float,
        help="multiply every per-second rate by this factor (default 1)")
    add("--token-lifetime", type=int, help="access token lifetime in seconds (default 3600)")
    add("--scopes", help="granted scopes, space or comma separated (default: all needed)")
    add("--webhook-base", help="webhook URL prefix; events go to {base}meeting and "
        "{base}webinar (default http://127.0.0.1:8000/zoom/webhook/; '' for none)")
    add("--webhook-secret", help="webhook secret token (env ZOOM_WEBHOOK_SECRET_TOKEN)")
    add("--webhook-retries", type=int, help="retries of a failed webhook (default 3)")
    add("--webhook-retry-delay", type=float,
        help="seconds before the first retry, doubled after each (default 0.5)")
    add("--no-api-webhooks", dest="api_webhooks", action="store_const", const=False,
        help="do not send webhooks for changes made through the API")
    add("--seed-file", help="JSON file of users ({'users': [...]}) replacing the seed users")
    add("--state-file", help="keep the account (meetings, registrants...) in this file across "
        "restarts (env ZOOM_SANDBOX_STATE_FILE; default: in memory only)")
    add("--max-registrants", type=int, help="registrants per meeting (default 4999)")
    add("--random-seed", type=int, help="seed for ids and fault dice")
    add("--quiet", action="store_true", help="do not log every request")


def config_from_options(options: dict[str, Any]) -> SandboxConfig:
    """A config from parsed options (None means "not given")."""
    fields = set(SandboxConfig.__dataclass_fields__)
    return SandboxConfig.from_env(**{key: value for key, value in options.items()
                                     if key in fields})


def run(options: dict[str, Any]) -> None:
    """Configure logging and serve until interrupted."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    serve(config_from_options(options), quiet=bool(options.get("quiet")))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m zoom_xblock.sandbox",
                                     description="A local Zoom API sandbox.")
    add_arguments(parser)
    run(vars(parser.parse_args(argv)))
