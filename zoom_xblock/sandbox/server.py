"""Running the sandbox: in a background thread (tests) or in the foreground (a process)."""
from __future__ import annotations

import logging
import threading
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .app import SandboxApp
from .config import SandboxConfig
from .state import SandboxState

log = logging.getLogger(__name__)


class QuietRequestHandler(WSGIRequestHandler):
    """Serves like werkzeug's handler without logging every request."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class SandboxHandle:
    """A sandbox serving from a background thread; ``stop()`` (or ``with``) ends it."""

    def __init__(self, app: SandboxApp, server: BaseWSGIServer) -> None:
        self.app = app
        self.server = server
        self.url = app.state.base_url
        self._thread = threading.Thread(target=server.serve_forever, name="zoom-sandbox",
                                        daemon=True)
        self._thread.start()

    @property
    def state(self) -> SandboxState:
        return self.app.state

    @property
    def config(self) -> SandboxConfig:
        return self.app.config

    def stop(self) -> None:
        """Stop serving, close the socket and let the webhook threads finish."""
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
        self.app.webhooks.stop()

    def __enter__(self) -> SandboxHandle:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()


def _bind(config: SandboxConfig, quiet: bool = False) -> tuple[SandboxApp, BaseWSGIServer]:
    app = SandboxApp(config)
    server = make_server(config.host, config.port, app, threaded=True,
                         request_handler=QuietRequestHandler if quiet else None)
    app.set_base_url(config.base_url or f"http://{config.host}:{server.server_port}")
    return app, server


def start_sandbox(port: int = 0, *, quiet: bool = True, **config: Any) -> SandboxHandle:
    """Start a threaded sandbox in this process (``port=0``: any free port).

    Keyword arguments are ``SandboxConfig`` fields; the environment is not read, so
    tests get the same sandbox wherever they run. ``quiet`` skips the request log.
    """
    app, server = _bind(SandboxConfig(port=port, **config), quiet=quiet)
    return SandboxHandle(app, server)


def serve(config: SandboxConfig, quiet: bool = False) -> None:
    """Serve in the foreground until interrupted (``python -m zoom_xblock.sandbox``)."""
    app, server = _bind(config, quiet=quiet)
    log.info("Zoom sandbox on %s (plan %s, time scale %s, webhooks to %s)",
             app.state.base_url, config.plan, config.time_scale,
             config.webhook_base or "nowhere")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        app.webhooks.stop()
