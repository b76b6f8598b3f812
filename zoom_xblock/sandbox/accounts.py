"""Several Zoom accounts behind one sandbox URL, as Zoom serves them.

Each account is a whole :class:`~.app.SandboxApp` of its own: its credentials, users, tokens,
rate limits and daily quotas, webhook secret and deliveries, statistics. Requests are routed as
Zoom would tell the accounts apart: the token request by its ``account_id`` form field, an API
call by its bearer token (a token is only valid in the account that issued it), a join or host
page by the meeting it names. The control API takes ``?account=<account id>`` (default: the
first account); ``POST /_sandbox/reset`` without it resets every account.
"""
from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from .app import SandboxApp
from .config import SandboxConfig
from .server import QuietRequestHandler

_NUMBER = re.compile(r"/(\d{6,})")


class MultiAccountSandbox:
    """A WSGI application serving several sandbox accounts; the first is the primary one,
    which answers whatever names no account (with Zoom's errors)."""

    def __init__(self, configs: Iterable[SandboxConfig]) -> None:
        self.apps: dict[str, SandboxApp] = {}
        for config in configs:
            if config.account_id in self.apps:
                raise ValueError(f"two sandbox accounts with the id {config.account_id!r}")
            self.apps[config.account_id] = SandboxApp(config)
        if not self.apps:
            raise ValueError("at least one account")
        self.primary = next(iter(self.apps.values()))

    def account(self, account_id: str) -> SandboxApp:
        """The sandbox of one account."""
        return self.apps[account_id]

    def set_base_url(self, base_url: str) -> None:
        """Every account is reachable at the same URL, like Zoom."""
        for app in self.apps.values():
            app.set_base_url(base_url)

    def route(self, request: Request) -> SandboxApp:
        """The account a request is for."""
        path = request.path
        if path.startswith("/oauth"):
            account_id = request.form.get("account_id") or request.args.get("account_id")
            return self.apps.get(account_id or "", self.primary)
        if path.startswith("/v2"):
            _scheme, _, token = request.headers.get("Authorization", "").partition(" ")
            return next((app for app in self.apps.values()
                         if app.state.token_is_valid(token.strip())), self.primary)
        if path.startswith("/_sandbox"):
            return self.apps.get(request.args.get("account", ""), self.primary)
        number = _NUMBER.search(path)
        if number:
            meeting_id = int(number.group(1))
            return next((app for app in self.apps.values()
                         if meeting_id in app.state.meetings), self.primary)
        return self.primary

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        if request.path.rstrip("/") == "/_sandbox/reset" and "account" not in request.args:
            for app in list(self.apps.values())[1:]:
                app.reset()
        return self.route(request).dispatch(request)(environ, start_response)


class MultiAccountHandle:
    """A multi-account sandbox serving from a background thread."""

    def __init__(self, sandbox: MultiAccountSandbox, server) -> None:
        self.sandbox = sandbox
        self.server = server
        self.url = sandbox.primary.state.base_url
        self._thread = threading.Thread(target=server.serve_forever,
                                        name="zoom-sandbox-accounts", daemon=True)
        self._thread.start()

    def account(self, account_id: str) -> SandboxApp:
        """The sandbox of one account (its state, stats, limits, webhooks)."""
        return self.sandbox.account(account_id)

    def stop(self) -> None:
        """Stop serving and let every account's webhook threads finish."""
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
        for app in self.sandbox.apps.values():
            app.webhooks.stop()

    def __enter__(self) -> MultiAccountHandle:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


def start_accounts_sandbox(accounts: Iterable[dict[str, Any]], *, port: int = 0,
                           host: str = "127.0.0.1", quiet: bool = True,
                           **shared: Any) -> MultiAccountHandle:
    """Serve several accounts on one port; each dict holds that account's ``SandboxConfig``
    fields (``account_id``, ``client_id``, ``client_secret``, ``webhook_secret``, ``plan``,
    ``seed_users``...), over the ``shared`` ones (``time_scale``, ``webhook_base``...)."""
    configs = [SandboxConfig(host=host, port=port, **{**shared, **account})
               for account in accounts]
    sandbox = MultiAccountSandbox(configs)
    server = make_server(host, port, sandbox, threaded=True,
                         request_handler=QuietRequestHandler if quiet else None)
    sandbox.set_base_url(f"http://{host}:{server.server_port}")
    return MultiAccountHandle(sandbox, server)
