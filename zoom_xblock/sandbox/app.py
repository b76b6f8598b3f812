"""The sandbox as one werkzeug WSGI application: OAuth, ``/v2`` API, pages, control API.

An API request goes through: count it, check the token and its scopes, apply injected
faults, apply the per-second limit of its category (and the daily Heavy budget), then run
the handler under the state lock.
"""
from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import control, pages
from .api import OPERATIONS, Operation
from .clock import SandboxClock
from .config import SandboxConfig
from .faults import GATEWAY_PAGE, HOLD, REASONS, Faults
from .limits import (
    HEAVY,
    HEAVY_DAILY,
    RATES,
    RESOURCE_INTENSIVE,
    DailyQuota,
    SlidingWindowLimiter,
    daily_limit_error,
    per_second_error,
)
from .records import WEBINARS
from .refusals import INVALID_TOKEN, MISSING_SCOPE, SandboxRefusal
from .state import SandboxState
from .stats import SandboxStats
from .webhook_sender import WebhookSender

log = logging.getLogger(__name__)

PAGE_ROUTES = (
    ("GET", "/", lambda sandbox, request: pages.page(
        "Zoom sandbox", "Zoom sandbox",
        '<p>The API is under <code>/v2</code>; the control API under '
        '<a href="/_sandbox/">/_sandbox/</a>.</p>')),
    ("GET", "/<any(j, w):letter>/<int:meeting_id>", pages.join_page),
    ("POST", "/<any(j, w):letter>/<int:meeting_id>/join", pages.guest_join),
    ("POST", "/<any(j, w):letter>/<int:meeting_id>/leave", pages.leave),
    ("GET", "/<any(meeting, webinar):noun>/register/<token>", pages.registration_page),
    ("POST", "/<any(meeting, webinar):noun>/register/<token>", pages.registration_page),
    ("GET", "/s/<int:meeting_id>", pages.host_page),
    ("POST", "/s/<int:meeting_id>/end", pages.host_end),
    ("GET", "/rec/<any(share, play):view>/<recording_id>", pages.recording_page),
    ("GET", "/rec/download/<file_id>", pages.recording_download),
)


def json_response(status: int, body: Any = None,
                  headers: dict[str, str] | None = None) -> Response:
    data = "" if body is None or status == 204 else json.dumps(body)
    return Response(data, status=status, headers=headers,
                    mimetype="application/json" if data else None)


def _routing_map() -> Map:
    rules: list[Rule] = [Rule("/oauth/token", methods=["POST"], endpoint=("oauth", None))]
    rules += [Rule(f"/v2{op.rule}", methods=[op.method], endpoint=("api", op))
              for op in OPERATIONS]
    rules += [Rule(f"/_sandbox{rule}", methods=[method], endpoint=("control", handler))
              for method, rule, handler in control.ROUTES]
    rules += [Rule(rule, methods=[method], endpoint=("page", handler))
              for method, rule, handler in PAGE_ROUTES]
    return Map(rules, merge_slashes=False, strict_slashes=False)


class SandboxApp:
    """A local Zoom: state, limits, faults, webhooks and statistics behind one WSGI app."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        self.config = config or SandboxConfig()
        self.clock = SandboxClock()
        self.webhooks = WebhookSender(
            self.config.webhook_base, self.config.webhook_secret,
            retries=self.config.webhook_retries, retry_delay=self.config.webhook_retry_delay,
            timeout=self.config.webhook_timeout)
        self.state = SandboxState(self.config, self.clock, self.webhooks)
        if self.config.state_file and self.state.load(self.config.state_file):
            log.info("Zoom sandbox: account read from %s", self.config.state_file)
        self.stats = SandboxStats(self.config.plan, self.config.time_scale)
        self.faults = Faults(self.config.timeout_seconds, self.config.random_seed)
        self.limiter = SlidingWindowLimiter()
        self.daily = DailyQuota()
        self.url_map = _routing_map()

    def set_base_url(self, base_url: str) -> None:
        """Where the sandbox is reachable (used in links and the token's ``api_url``)."""
        self.state.base_url = base_url.rstrip("/")

    def reset(self) -> None:
        """Seed users only, real time, no faults, limits or deliveries, zeroed stats."""
        self.clock.reset()
        self.state.reset()
        self.faults.clear()
        self.webhooks.drop_next(0)
        self.webhooks.clear()
        self.stats.reset()
        self.limiter.reset()
        self.daily.reset()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        response = self.dispatch(request)
        if self.config.state_file and request.method not in ("GET", "HEAD", "OPTIONS"):
            self.state.save(self.config.state_file)  # every change survives a restart
        return response(environ, start_response)

    def dispatch(self, request: Request) -> Response:
        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            (area, target), args = adapter.match()
        except (NotFound, MethodNotAllowed) as error:
            if request.path.startswith(("/v2", "/_sandbox", "/oauth")):
                return json_response(error.code or 404,
                                     {"code": error.code, "message": error.name})
            return pages.page(error.name, error.name, "", status=error.code or 404)
        except HTTPException as error:  # e.g. a redirect werkzeug chose
            return error.get_response(request.environ)
        if area == "api":
            return self.call_api(request, target, args)
        if area == "oauth":
            return self.issue_token(request)
        if area == "control":
            return self.call_control(request, target, args)
        args.pop("letter", None)
        args.pop("view", None)
        return target(self, request, **args)

    # -- OAuth -----------------------------------------------------------------------------

    def issue_token(self, request: Request) -> Response:
        """``POST /oauth/token`` with Basic client credentials (account_credentials grant)."""
        self.stats.record_call("POST /oauth/token", None)
        auth = request.authorization
        if auth is None or auth.type != "basic":
            return self._oauth_error(400, "Invalid client_id or client_secret", "invalid_client")
        if not (hmac.compare_digest(auth.username or "", self.config.client_id)
                and hmac.compare_digest(auth.password or "", self.config.client_secret)):
            return self._oauth_error(401, "Invalid client_id or client_secret", "invalid_client")
        grant_type = request.form.get("grant_type") or request.args.get("grant_type")
        if grant_type != "account_credentials":
            return self._oauth_error(400, "Unsupported grant type", "unsupported_grant_type")
        account_id = request.form.get("account_id") or request.args.get("account_id")
        if account_id != self.config.account_id:
            return self._oauth_error(400, "Invalid account_id", "invalid_request")
        self.stats.record_status(200)
        return json_response(200, {
            "access_token": self.state.issue_token(), "token_type": "bearer",
            "expires_in": self.config.token_lifetime, "scope": " ".join(self.config.scopes),
            "api_url": self.state.base_url,
        })

    def _oauth_error(self, status: int, reason: str, error: str) -> Response:
        self.stats.record_status(status)
        return json_response(status, {"reason": reason, "error": error})

    # -- the Zoom API ------------------------------------------------------------------------

    def call_api(self, request: Request, op: Operation, args: dict[str, Any]) -> Response:
        kind = args.get("kind") or (WEBINARS if args.get("past") == "past_webinars" else None)
        category = op.category_for(kind)
        self.stats.record_call(op.label_for(kind), category)
        try:
            self._authorize(request, op, kind)
            if self.faults.latency_seconds():
                time.sleep(self.faults.latency_seconds())
            error_status = self.faults.server_error()
            if error_status:
                self.stats.record_fault(f"error:{error_status}")
                if error_status in (502, 504):
                    return self._finish(Response(
                        GATEWAY_PAGE.format(status=error_status, reason=REASONS[error_status]),
                        status=error_status, mimetype="text/html"))
                raise SandboxRefusal(error_status, error_status, "Internal Error (sandbox fault).")
            self._apply_rate_limits(category)
            with self.state.lock:
                status, body = op.handler(self, request, **args)
            response = json_response(status, body)
            if op.method != "GET":
                response = self._applied_fault(response)
        except SandboxRefusal as error:
            response = json_response(error.status, error.body(), self._error_headers(error))
        except Exception:  # a sandbox bug: answer like Zoom's 5xx, keep serving
            log.exception("Sandbox error in %s", op.label_for(kind))
            response = json_response(500, {"code": 500, "message": "Internal Error."})
        hold = self.faults.hold_seconds() or getattr(response, "held_seconds", 0.0)
        if hold:
            self.stats.record_fault("timeout")
            time.sleep(hold)
        return self._finish(response)

    def _finish(self, response: Response) -> Response:
        self.stats.record_status(response.status_code)
        return response

    def _applied_fault(self, response: Response) -> Response:
        """The write is done; answer it as a failing gateway would, if a fault says so."""
        if response.status_code >= 400:
            return response
        failure = self.faults.applied_failure()
        if failure is None:
            return response
        self.stats.record_fault(f"applied:{failure}")
        if failure == HOLD:
            response.held_seconds = self.faults.settings.timeout_seconds
            return response
        if failure in (502, 504):  # the gateway's own page, not Zoom's JSON
            return Response(GATEWAY_PAGE.format(status=failure, reason=REASONS[failure]),
                            status=failure, mimetype="text/html")
        return json_response(failure, {"code": failure, "message": "Internal Error."})

    def _error_headers(self, error: SandboxRefusal) -> dict[str, str]:
        if error.headers.get("X-RateLimit-Type") == "Daily-limit" and (
                self.faults.settings.bare_daily_limits):
            return {}  # as Zoom's forum shows them: the message says it all
        return error.headers

    def _authorize(self, request: Request, op: Operation, kind: str | None) -> None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not self.state.token_is_valid(token.strip()):
            raise SandboxRefusal(401, INVALID_TOKEN, "Invalid access token.")
        needed = op.scopes_for(kind)
        if not set(needed) & set(self.config.scopes):
            raise SandboxRefusal(400, MISSING_SCOPE, "Invalid access token, does not contain "
                                 f"scopes:[{needed[0]}].")

    def _apply_rate_limits(self, category: str) -> None:
        limit, window = RATES[self.config.plan][category]
        wait = self.limiter.acquire((self.config.account_id, category), limit,
                                    window / self.config.time_scale)
        if wait:
            self.stats.record_throttle(f"QPS:{category}")
            raise per_second_error(category, limit, wait)
        if category in (HEAVY, RESOURCE_INTENSIVE):
            daily_limit = HEAVY_DAILY[self.config.plan]
            day = self.clock.today()
            if self.daily.consume([("heavy", self.config.account_id)], day, daily_limit):
                self.stats.record_throttle("Daily-limit:account-heavy")
                raise daily_limit_error(
                    category, daily_limit, "You have reached the maximum daily rate limit "
                    f"({daily_limit}) for Heavy and Resource-intensive APIs. You may resume "
                    "these requests at GMT 00:00:00.", day)

    # -- control API -------------------------------------------------------------------------

    def call_control(self, request: Request, handler: Any, args: dict[str, Any]) -> Response:
        try:
            if handler in control.UNLOCKED:
                status, body = handler(self, request, **args)
            else:
                with self.state.lock:
                    status, body = handler(self, request, **args)
        except SandboxRefusal as error:
            return json_response(error.status, error.body(), error.headers)
        except (ValueError, TypeError, KeyError) as error:
            return json_response(400, {"error": str(error)})
        return json_response(status, body)
