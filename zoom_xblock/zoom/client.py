"""ZoomClient: every call the plugin makes to Zoom, with auth, rate limits, retries and logging.

Meetings and webinars share one set of methods: pass ``kind="meeting"`` or ``kind="webinar"``.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests

from .errors import (
    QUOTA_REGISTRANT,
    FieldError,
    ZoomBatchUnavailable,
    ZoomCapacityFull,
    ZoomError,
    ZoomQuotaExceeded,
    ZoomValidationError,
    concerns_meeting,
    error_body,
    error_from_response,
    is_ambiguous,
    unavailable_from_exception,
)
from .limits import batches
from .ratelimit import (
    PLAN_PRO,
    Category,
    InProcessRateLimiter,
    RateLimiter,
    account_key_for,
)
from .registrants import email_problem
from .tokens import DEFAULT_OAUTH_URL, TokenProvider

logger = logging.getLogger("zoom_xblock.zoom")

MEETING = "meeting"
WEBINAR = "webinar"
_KINDS = {MEETING: ("meetings", 2), WEBINAR: ("webinars", 5)}
# Rate-limit labels of Zoom's spec (tests/contract/zoom-openapi.json): creating a meeting is
# Medium, creating a webinar and updating either are Light.
_CREATE_CATEGORY = {MEETING: Category.MEDIUM, WEBINAR: Category.LIGHT}
MAX_RESENDS = 3  # a batch that Zoom refuses for named entries is sent again without them
DEFAULT_API_BASE_URL = "https://api.zoom.us/v2"
PAGE_SIZE = 300
REGISTRANT_ACTIONS = ("approve", "cancel", "deny")
LICENCE_BASIC = "basic"
LICENCE_LICENSED = "licensed"

# Section 6 of docs zoom-api.md: the granular scopes the integration needs.
REQUIRED_SCOPES: tuple[str, ...] = (
    "billing:read:plan_usage:admin",
    "meeting:read:past_meeting:admin",
    "meeting:read:meeting:admin",
    "meeting:read:list_meetings:admin",
    "meeting:read:registrant:admin",
    "meeting:read:list_registrants:admin",
    "meeting:read:participant:admin",
    "meeting:write:registrant:admin",
    "meeting:update:status:admin",
    "meeting:update:registrant_status:admin",
    "meeting:update:meeting:admin",
    "meeting:delete:meeting:admin",
    "meeting:write:meeting:admin",
    "meeting:write:invite_links:admin",
    "meeting:delete:registrant:admin",
    "meeting:write:batch_registrants:admin",
    "report:read:list_meeting_participants:admin",
    "report:read:list_webinar_participants:admin",
    "user:read:settings:admin",
    "user:read:user:admin",
    "user:read:email:admin",
    "user:read:list_assistants:admin",
    "user:update:settings:admin",
    "user:write:user:admin",
    "user:delete:assistant:admin",
    "user:write:assistant:admin",
    "user:update:user:admin",
    "webinar:read:list_webinars:admin",
    "webinar:read:list_panelists:admin",
    "webinar:read:webinar:admin",
    "webinar:read:list_past_participants:admin",
    "webinar:read:participant:admin",
    "webinar:read:registrant:admin",
    "webinar:read:list_registrants:admin",
    "webinar:write:batch_registrants:admin",
    "webinar:delete:registrant:admin",
    "webinar:update:status:admin",
    "webinar:update:webinar:admin",
    "webinar:write:invite_links:admin",
    "webinar:delete:webinar:admin",
    "webinar:write:panelist:admin",
    "webinar:write:webinar:admin",
    "webinar:delete:panelist:admin",
    "webinar:update:registrant_status:admin",
    "webinar:write:registrant:admin",
)


def missing_scopes(granted: Iterable[str], required: Iterable[str] = REQUIRED_SCOPES) -> list[str]:
    """The ``required`` scopes absent from ``granted`` (a ``:master`` grant covers ``:admin``)."""
    granted = set(granted)
    missing = []
    for scope in required:
        master = scope[: -len(":admin")] + ":master" if scope.endswith(":admin") else None
        if scope not in granted and master not in granted:
            missing.append(scope)
    return missing


@dataclass(frozen=True)
class ZoomUser:
    """A Zoom user as a host.

    ``licence`` is "basic" or "licensed"; ``has_webinar`` is None when Zoom did not say.
    """

    id: str
    email: str
    licence: str
    has_webinar: bool | None
    raw: Mapping[str, Any] = field(repr=False, compare=False)

    @property
    def is_licensed(self) -> bool:
        """True for a licensed (paid) user, who can hold registration meetings."""
        return self.licence == LICENCE_LICENSED


@dataclass(frozen=True)
class RegistrantResult:
    """The outcome of adding one registrant: a registrant id and link, or the error for them.

    ``requests`` is how many requests naming this person Zoom may have counted against its
    3-a-day limit (answers that Zoom refused before looking at the people, 429s and
    meeting-wide refusals, do not count); ``unsure`` is True when Zoom may have registered the
    person although it answered with an error (5xx, timeout): check Zoom before sending again.
    """

    email: str
    registrant_id: str | None = None
    join_url: str | None = field(default=None, repr=False)
    error: ZoomError | None = None
    requests: int = 1
    unsure: bool = False

    @property
    def ok(self) -> bool:
        """True when Zoom registered this person."""
        return self.error is None


class ZoomClient:
    """A Zoom API client for one account using Server-to-Server OAuth.

    ``token_cache`` must be shared by every process (Django-cache-compatible ``get``/``set``/
    ``add``); ``rate_limiter`` should be shared by every worker (see :mod:`.ratelimit`); when
    omitted, a process-local limiter for ``plan`` and ``rate_scale`` is used. ``sleep`` and
    ``clock`` are injectable so tests run instantly. ``on_response`` is called with every
    ``requests.Response`` (API and token endpoint), e.g. to inspect headers in tests.
    """

    def __init__(
        self,
        account_id: str,
        client_id: str,
        client_secret: str,
        *,
        oauth_url: str = DEFAULT_OAUTH_URL,
        api_base_url: str | None = None,
        token_cache: Any = None,
        rate_limiter: RateLimiter | None = None,
        plan: str = PLAN_PRO,
        rate_scale: float = 1.0,
        timeout: tuple[float, float] = (3.05, 10),
        max_attempts: int = 4,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        on_response: Callable[[requests.Response], None] | None = None,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        max_retry_wait: float = 60.0,
        rng: random.Random | None = None,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.account_id = account_id
        self.api_base_url = api_base_url.rstrip("/") if api_base_url else None
        self.plan = plan
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.session = session or requests.Session()
        self.sleep = sleep
        self.clock = clock
        self.on_response = on_response
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_wait = max_retry_wait
        self.rng = rng or random.Random()
        self.account_key = account_key_for(account_id)
        self.rate_limiter = rate_limiter or InProcessRateLimiter(
            plan=plan, rate_scale=rate_scale, sleep=sleep, clock=clock
        )
        self.tokens = TokenProvider(
            account_id,
            client_id,
            client_secret,
            oauth_url=oauth_url,
            cache=token_cache,
            session=self.session,
            timeout=timeout,
            clock=clock,
            sleep=sleep,
            on_response=on_response,
        )

    # --- users -------------------------------------------------------------------------------

    def get_user(self, user: str, *, check_webinar: bool = False) -> ZoomUser:
        """The user ``user`` (email or id) of this account.

        Raises :class:`ZoomHostError` (reason ``user_not_found`` / ``not_in_account``) when
        the user is not in the account. ``has_webinar`` is read from the user payload when it
        shows it; with ``check_webinar=True`` the user's settings are read to find out.
        """
        body = self._json("get_user", Category.LIGHT, "GET", f"/users/{_segment(user, '@')}")
        has_webinar = _webinar_feature(body)
        if check_webinar and has_webinar is None:
            settings = self._json(
                "get_user_settings",
                Category.MEDIUM,
                "GET",
                f"/users/{_segment(body.get('id') or user, '@')}/settings",
            )
            has_webinar = _webinar_feature(settings)
        licence = LICENCE_LICENSED if body.get("type") == 2 else LICENCE_BASIC
        return ZoomUser(
            id=str(body.get("id", "")),
            email=str(body.get("email", user)),
            licence=licence,
            has_webinar=has_webinar,
            raw=body,
        )

    def webinar_plan(self, account_id: str = "me") -> bool | None:
        """Whether the account has a Zoom Webinar plan: ``GET /accounts/{id}/plans/usage``
        (scope ``billing:read:plan_usage:admin``) lists it under ``plan_webinar``; None when
        the answer does not say."""
        body = self._json("plan_usage", Category.HEAVY, "GET",
                          f"/accounts/{_segment(account_id)}/plans/usage")
        plans = body.get("plan_webinar")
        if isinstance(plans, list):
            return any(isinstance(p, Mapping) and int(p.get("hosts") or 0) > 0 for p in plans)
        if "plan_base" in body:
            return False  # a plan usage answer without any webinar plan
        return None

    # --- meetings and webinars ---------------------------------------------------------------

    def create(self, kind: str, host: str, payload: Mapping[str, Any]) -> dict:
        """Create a meeting (default type 2) or webinar (default type 5) under ``host``.

        Not retried once the request may have reached Zoom (read timeout, any 5xx): a retry
        could create a second meeting. The caller looks for it (:meth:`list_scheduled`) instead.
        """
        plural, default_type = _kind(kind)
        body = {"type": default_type, **payload}
        return self._json(
            f"create_{kind}",
            _CREATE_CATEGORY[kind],
            "POST",
            f"/users/{_segment(host, '@')}/{plural}",
            json=body,
            idempotent=False,
        )

    def list_scheduled(self, kind: str, host: str) -> Iterator[dict]:
        """The host's unexpired scheduled meetings (or webinars), through all pages.

        Zoom cuts each ``agenda`` to 250 characters here; :meth:`get` has the whole one.
        """
        plural, _ = _kind(kind)
        return self._paginate(
            f"list_{plural}",
            Category.MEDIUM,
            f"/users/{_segment(host, '@')}/{plural}",
            {"type": "scheduled"},
            plural,
        )

    def get(self, kind: str, zoom_id: int | str) -> dict:
        """The meeting or webinar (includes a fresh ``start_url``: never log it)."""
        plural, _ = _kind(kind)
        return self._json(f"get_{kind}", Category.LIGHT, "GET", f"/{plural}/{_segment(zoom_id)}")

    def update(self, kind: str, zoom_id: int | str, payload: Mapping[str, Any]) -> None:
        """PATCH the meeting or webinar (counts toward the host's 100 per day)."""
        plural, _ = _kind(kind)
        self._request(
            f"update_{kind}",
            Category.LIGHT,
            "PATCH",
            f"/{plural}/{_segment(zoom_id)}",
            json=dict(payload),
        )

    def delete(self, kind: str, zoom_id: int | str, *, notify: bool = True) -> None:
        """Delete the meeting or webinar; ``notify`` sends Zoom's cancellation e-mails."""
        plural, _ = _kind(kind)
        reminder = "cancel_meeting_reminder" if kind == MEETING else "cancel_webinar_reminder"
        self._request(
            f"delete_{kind}",
            Category.LIGHT,
            "DELETE",
            f"/{plural}/{_segment(zoom_id)}",
            params={reminder: "true" if notify else "false"},
        )

    # --- registrants -------------------------------------------------------------------------

    def add_registrant(self, kind: str, zoom_id: int | str, registrant: Mapping[str, Any]) -> dict:
        """Register one person (``email``, ``first_name`` required); returns Zoom's answer."""
        plural, _ = _kind(kind)
        return self._json(
            "add_registrant",
            Category.LIGHT,
            "POST",
            f"/{plural}/{_segment(zoom_id)}/registrants",
            json=dict(registrant),
            idempotent=False,  # each request spends one of the person's 3 a day
        )

    def add_registrants(
        self,
        kind: str,
        zoom_id: int | str,
        registrants: Iterable[Mapping[str, Any]],
        auto_approve: bool = True,
        send_email: bool = False,
    ) -> list[RegistrantResult]:
        """Register many people, 30 per batch call; one result per input, in input order.

        Addresses Zoom would refuse are failed before sending. A chunk that Zoom refuses naming
        its bad entries is sent again once without them; one refused as a batch without naming
        anyone (code 303, a 4xx about batches, a validation error, a per-registrant quota) is
        retried one person at a time. An answer Zoom may have applied (5xx, timeout) is never
        sent again: those people come back ``unsure`` and nothing more is sent. An error that
        concerns the whole meeting or account is recorded on every input not yet done rather
        than raised, so the results of earlier chunks are never lost.
        """
        plural, _ = _kind(kind)
        people = [dict(person) for person in registrants]
        results: list[RegistrantResult | None] = [None] * len(people)
        for indexes in batches(range(len(people))):
            chunk = list(indexes)
            stop = self._add_chunk(kind, plural, zoom_id, people, chunk, results,
                                   auto_approve, send_email)
            if stop is not None:
                break
        return [
            result or RegistrantResult(email=str(person.get("email", "")), error=stop,
                                       requests=0)
            for person, result in zip(people, results, strict=True)
        ]

    def _add_chunk(self, kind, plural, zoom_id, people, chunk, results, auto_approve,
                   send_email) -> ZoomError | None:
        """Fill ``results`` for the ``chunk`` indexes; return the error that stops the rest."""
        pending = []
        for index in chunk:
            email = str(people[index].get("email", ""))
            problem = email_problem(email)
            if problem:
                error = ZoomValidationError(
                    f"Zoom does not accept this e-mail address ({problem}).",
                    field_errors=(FieldError("email", problem),), operation="add_registrants")
                results[index] = RegistrantResult(email=email, error=error, requests=0)
            else:
                pending.append(index)
        for _round in range(MAX_RESENDS):
            if not pending:
                return None
            try:
                answers = self._add_batch(kind, plural, zoom_id, [people[i] for i in pending],
                                          auto_approve, send_email)
            except ZoomError as error:
                if is_ambiguous(error):
                    for index in pending:
                        results[index] = RegistrantResult(
                            email=str(people[index].get("email", "")), error=error, unsure=True)
                    return error
                if concerns_meeting(error) or not _batch_refused(error):
                    return error
                named = _named_entries(error, len(pending))
                if not named:
                    return self._add_singles(kind, zoom_id, people, pending, results,
                                             auto_approve, batch_counted=_counted(error))
                for position, reason in named.items():
                    index = pending[position]
                    results[index] = RegistrantResult(
                        email=str(people[index].get("email", "")),
                        error=ZoomValidationError(reason, status=error.status, code=error.code,
                                                  operation="add_registrants"))
                pending = [i for position, i in enumerate(pending) if position not in named]
                continue
            for index, answer in zip(pending, answers, strict=True):
                results[index] = answer
            return None
        return self._add_singles(kind, zoom_id, people, pending, results, auto_approve,
                                 batch_counted=True)

    def _add_singles(self, kind, zoom_id, people, pending, results, auto_approve,
                     batch_counted: bool) -> ZoomError | None:
        for index in pending:
            outcome = self._add_single(kind, zoom_id, people[index], auto_approve)
            results[index] = dataclasses.replace(
                outcome, requests=int(batch_counted) + int(_counted(outcome.error)),
                unsure=outcome.error is not None and is_ambiguous(outcome.error))
            if outcome.error is not None and not _concerns_one_person(outcome.error):
                return outcome.error
        return None

    def _add_batch(self, kind, plural, zoom_id, chunk, auto_approve, send_email):
        body: dict[str, Any] = {
            "auto_approve": auto_approve,
            "registrants": [
                {key: person[key] for key in ("email", "first_name", "last_name") if key in person}
                for person in chunk
            ],
        }
        if kind == MEETING:  # Zoom's webinar batch body has no such field.
            body["registrants_confirmation_email"] = send_email
        answer = self._json(
            "add_registrants_batch",
            Category.HEAVY,
            "POST",
            f"/{plural}/{_segment(zoom_id)}/batch_registrants",
            json=body,
            idempotent=False,  # each request spends one of each person's 3 a day
        )
        added = {
            str(entry.get("email", "")).lower(): entry
            for entry in answer.get("registrants") or []
            if isinstance(entry, Mapping)
        }
        results = []
        for person in chunk:
            email = str(person.get("email", ""))
            entry = added.get(email.lower())
            if entry is None:
                missing = ZoomError("not in Zoom's batch answer", operation="add_registrants")
                results.append(RegistrantResult(email=email, error=missing))
            else:
                results.append(
                    RegistrantResult(
                        email=email,
                        registrant_id=entry.get("registrant_id"),
                        join_url=entry.get("join_url"),
                    )
                )
        return results

    def _add_single(self, kind, zoom_id, person, auto_approve) -> RegistrantResult:
        email = str(person.get("email", ""))
        if kind == MEETING and auto_approve:
            person = {**person, "auto_approve": True}
        try:
            answer = self.add_registrant(kind, zoom_id, person)
        except ZoomError as error:
            return RegistrantResult(email=email, error=error)
        return RegistrantResult(
            email=email,
            registrant_id=answer.get("registrant_id"),
            join_url=answer.get("join_url"),
        )

    def set_registrant_status(
        self,
        kind: str,
        zoom_id: int | str,
        action: str,
        registrants: Iterable[Mapping[str, Any]],
    ) -> None:
        """Approve, cancel or deny registrants (each ``{"id", "email"}``), 30 per call."""
        if action not in REGISTRANT_ACTIONS:
            raise ValueError(f"action must be one of {REGISTRANT_ACTIONS}, not {action!r}")
        plural, _ = _kind(kind)
        people = [
            {key: person[key] for key in ("id", "email") if person.get(key)}
            for person in registrants
        ]
        for batch in batches(people):
            self._request(
                "set_registrant_status",
                Category.MEDIUM,
                "PUT",
                f"/{plural}/{_segment(zoom_id)}/registrants/status",
                json={"action": action, "registrants": batch},
                idempotent=False,  # each request spends one of each person's 3 a day
            )

    def iter_registrants(
        self, kind: str, zoom_id: int | str, status: str = "approved"
    ) -> Iterator[dict]:
        """Every registrant with ``status`` (approved, pending, denied), through all pages."""
        plural, _ = _kind(kind)
        return self._paginate(
            "list_registrants",
            Category.MEDIUM,
            f"/{plural}/{_segment(zoom_id)}/registrants",
            {"status": status},
            "registrants",
        )

    # --- panelists ---------------------------------------------------------------------------

    def add_panelists(
        self, webinar_id: int | str, panelists: Iterable[Mapping[str, Any]]
    ) -> list[dict]:
        """Add panelists (``{"name", "email"}``) to a webinar, 30 per call."""
        people = [dict(person) for person in panelists]
        answers = []
        for batch in batches(people):
            answers.append(
                self._json(
                    "add_panelists",
                    Category.MEDIUM,
                    "POST",
                    f"/webinars/{_segment(webinar_id)}/panelists",
                    json={"panelists": batch},
                )
            )
        return answers

    def remove_panelist(self, webinar_id: int | str, panelist_id: str) -> None:
        """Remove one panelist from a webinar."""
        self._request(
            "remove_panelist",
            Category.LIGHT,
            "DELETE",
            f"/webinars/{_segment(webinar_id)}/panelists/{_segment(panelist_id)}",
        )

    def list_panelists(self, webinar_id: int | str) -> list[dict]:
        """The webinar's panelists (Zoom returns them all in one page)."""
        body = self._json(
            "list_panelists",
            Category.MEDIUM,
            "GET",
            f"/webinars/{_segment(webinar_id)}/panelists",
        )
        return list(body.get("panelists") or [])

    # --- reports -----------------------------------------------------------------------------

    def iter_participants(self, kind: str, zoom_id_or_uuid: int | str) -> Iterator[dict]:
        """Participants of a past meeting or webinar (report API), with their registrant_id."""
        plural, _ = _kind(kind)
        return self._paginate(
            "list_participants",
            Category.HEAVY,
            f"/report/{plural}/{encode_meeting_uuid(zoom_id_or_uuid)}/participants",
            {"include_fields": "registrant_id"},
            "participants",
        )

    # --- scopes ------------------------------------------------------------------------------

    def granted_scopes(self) -> frozenset[str]:
        """The scopes of the current token (fetching one if needed)."""
        return self.tokens.get().scopes

    def missing_scopes(self, required: Iterable[str] = REQUIRED_SCOPES) -> list[str]:
        """Which of ``required`` this app lacks, to tell the operator."""
        return missing_scopes(self.granted_scopes(), required)

    # --- plumbing ----------------------------------------------------------------------------

    def base_url(self) -> str:
        """Explicit ``api_base_url``, else the token's ``api_url`` + "/v2", else Zoom's default."""
        if self.api_base_url:
            return self.api_base_url
        return _base_from_token(self.tokens.get().api_url)

    def _json(self, operation, category, method, path, **kwargs) -> dict:
        response = self._request(operation, category, method, path, **kwargs)
        if not response.content:
            return {}
        body = error_body(response)
        return dict(body)

    def _paginate(self, operation, category, path, params, items_key) -> Iterator[dict]:
        query = {**params, "page_size": PAGE_SIZE}
        seen_tokens: set[str] = set()
        while True:
            body = self._json(operation, category, "GET", path, params=query)
            yield from body.get(items_key) or []
            next_token = body.get("next_page_token")
            # A token seen before would loop forever (mocks echo one): stop there.
            if not next_token or next_token in seen_tokens:
                return
            seen_tokens.add(next_token)
            query = {**query, "next_page_token": next_token}

    def _wait_for_slot(self, category: Category) -> None:
        """Admission by the limiter, confirmed as the call leaves: the window counts the call
        from that moment, and a call that stalled past its place is admitted again."""
        sent = getattr(self.rate_limiter, "sent", None)
        while True:
            self.rate_limiter.acquire(self.account_key, category, self.plan)
            if sent is None or sent() is not False:
                return

    def _request(
        self,
        operation: str,
        category: Category,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool = True,
    ) -> requests.Response:
        """Send one API call: token, rate limit, retries, one token renewal on code 124."""
        rejected_token: str | None = None
        attempt = 0
        while True:
            attempt += 1
            try:
                token = self.tokens.get(rejected=rejected_token)
            except ZoomError as error:
                self._pause_or_raise(error, attempt, operation)
                continue
            base = self.api_base_url or _base_from_token(token.api_url)
            started = self.clock()
            try:
                # Prepared before the limiter's slot, so that the call leaves right after it.
                prepared = self.session.prepare_request(requests.Request(
                    method, base + path, params=params, json=json,
                    headers={"Authorization": f"Bearer {token.value}",
                             "Accept": "application/json"}))
                sending = self.session.merge_environment_settings(
                    prepared.url, {}, None, None, None)
                self._wait_for_slot(category)
                started = self.clock()
                response = self.session.send(prepared, timeout=self.timeout, **sending)
            except requests.RequestException as exc:
                error = unavailable_from_exception(exc, operation)
                self._log(operation, method, None, None, attempt, started, type(exc).__name__)
                if not idempotent and error.request_sent:
                    raise error from None
                self._pause_or_raise(error, attempt, operation)
                continue
            if self.on_response is not None:
                self.on_response(response)
            code = None if response.ok else error_body(response).get("code")
            self._log(operation, method, response.status_code, code, attempt, started)
            if response.ok:
                return response
            if response.status_code == 401 and code == 124 and rejected_token is None:
                rejected_token = token.value  # one forced renewal, one retry, never a loop
                attempt -= 1
                continue
            error = error_from_response(response, operation, self.clock())
            if not idempotent and response.status_code >= 500:
                raise error  # Zoom may have applied it (a 503 too): the caller checks first
            self._pause_or_raise(error, attempt, operation)

    def _pause_or_raise(self, error: ZoomError, attempt: int, operation: str) -> None:
        if not error.retryable or attempt >= self.max_attempts:
            raise error
        delay = getattr(error, "retry_after", None)
        if delay is None:
            ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
            delay = ceiling / 2 + self.rng.uniform(0, ceiling / 2)
        if delay > self.max_retry_wait:
            raise error
        logger.info(
            "zoom retry operation=%s attempt=%d delay_s=%.3f reason=%s",
            operation,
            attempt,
            delay,
            type(error).__name__,
        )
        self.sleep(delay)

    def _log(self, operation, method, status, code, attempt, started, failure=None) -> None:
        level = logging.INFO if status is not None and status < 400 else logging.WARNING
        logger.log(
            level,
            "zoom call operation=%s method=%s status=%s code=%s attempt=%d duration_ms=%d%s",
            operation,
            method,
            status,
            code,
            attempt,
            (self.clock() - started) * 1000,
            f" failure={failure}" if failure else "",
        )


def encode_meeting_uuid(zoom_id_or_uuid: int | str) -> str:
    """A meeting id or UUID as a path segment; Zoom wants ``/``-prone UUIDs encoded twice."""
    value = str(zoom_id_or_uuid)
    once = quote(value, safe="")
    if value.startswith("/") or "//" in value:
        return quote(once, safe="")
    return once


def _kind(kind: str) -> tuple[str, int]:
    try:
        return _KINDS[kind]
    except KeyError:
        raise ValueError(f"kind must be 'meeting' or 'webinar', not {kind!r}") from None


def _segment(value: int | str, safe: str = "") -> str:
    return quote(str(value), safe=safe)


def _base_from_token(api_url: str | None) -> str:
    if not api_url:
        return DEFAULT_API_BASE_URL
    api_url = api_url.rstrip("/")
    return api_url if api_url.endswith("/v2") else api_url + "/v2"


def _webinar_feature(data: Mapping[str, Any]) -> bool | None:
    """Zoom shows the webinar licence as ``feature.webinar`` (user settings); be tolerant."""
    for holder in (data.get("feature"), (data.get("settings") or {}).get("feature"), data):
        if isinstance(holder, Mapping) and isinstance(holder.get("webinar"), bool):
            return holder["webinar"]
    return None


def _batch_refused(error: ZoomError) -> bool:
    """Errors after which the chunk is worth trying one person at a time."""
    if isinstance(error, (ZoomBatchUnavailable, ZoomValidationError)):
        return True
    if isinstance(error, ZoomQuotaExceeded):
        return error.quota == QUOTA_REGISTRANT
    status = error.status or 0
    return 400 <= status < 500 and status != 429 and "batch" in error.message.lower()


def _concerns_one_person(error: ZoomError) -> bool:
    if isinstance(error, ZoomQuotaExceeded):
        return error.quota == QUOTA_REGISTRANT
    return isinstance(error, (ZoomValidationError, ZoomCapacityFull)) and not isinstance(
        error, ZoomBatchUnavailable
    )


def _counted(error: ZoomError | None) -> bool:
    """Whether Zoom counts the request against the people it names (3 a day each): yes unless
    it was refused before Zoom looked at them (429, batch not allowed, meeting-wide)."""
    if error is None:
        return True
    return not (error.status == 429 or concerns_meeting(error)
                or isinstance(error, ZoomBatchUnavailable))


_ENTRY_FIELD = re.compile(r"registrants\W*(\d+)\W*(\w*)")


def _named_entries(error: ZoomError, count: int) -> dict[int, str]:
    """The batch positions Zoom's field errors name (``registrants[3].email``), with why."""
    named: dict[int, str] = {}
    for entry in getattr(error, "field_errors", ()):
        match = _ENTRY_FIELD.search(entry.field or "")
        if match and int(match.group(1)) < count:
            reason = f"{match.group(2) or 'registrant'}: {entry.message}".strip()
            named.setdefault(int(match.group(1)), reason)
    return named
