"""Is the integration healthy? The operator's check (``manage.py zoom_check``) and the banner.

:func:`run_check` asks Zoom (a token, its scopes, every organizer in use) and the plugin itself
(the webhook secret, a signed URL-validation challenge through the webhook view, stored
events given up on, the last periodic sweep), and stores what it found in Django's cache.
The block's banner for staff and authors (:func:`banner_problems`) only reads that cache and
the settings: rendering a block never calls Zoom. The check runs from the command (cron) and
from the ``check_health`` task.

A problem is stored as a code and its parameters, and worded when shown, so that the banner
speaks the viewer's language whatever language the check ran in.
"""
import json
import logging
import secrets
import time
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from zoom_xblock import messages
from zoom_xblock.conf import get_config
from zoom_xblock.i18n import gettext as _
from zoom_xblock.i18n import gettext_noop as N_
from zoom_xblock.i18n import ngettext
from zoom_xblock.models import ZoomSession

log = logging.getLogger(__name__)

CHECK_KEY = "zoom_xblock:health:check"
SWEEP_KEY = "zoom_xblock:health:last_sweep"
KEEP_SECONDS = 30 * 24 * 3600  # long enough; a missing sweep mark reads as "never ran"
WEBHOOK_ENDPOINTS = ("meeting", "webinar")
# Problems whose state the banner reads live (settings, cache) rather than from the last check.
LIVE_CODES = ("credentials", "webhook_secret", "sweep")


@dataclass(frozen=True)
class Problem:
    """One thing wrong: a ``code`` and the ``params`` its message needs."""

    code: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        """What is wrong, in the current language (after its Zoom account's name, when the
        site has several)."""
        message = _describe(self)[0]
        account = self.params.get("account") if self.code != "unknown_account" else None
        if account:
            return _("Zoom account {account}:").format(account=account) + " " + message
        return message

    @property
    def fix(self) -> str:
        """How to fix it, in the current language."""
        return _describe(self)[1]

    @property
    def line(self) -> str:
        """The message and its fix on one line (the command prints one per problem)."""
        return f"{self.message} {_('Fix:')} {self.fix}" if self.fix else self.message

    def as_dict(self) -> dict:
        """JSON-safe form, for the cache."""
        return asdict(self)


@dataclass
class CheckReport:
    """What :func:`run_check` found: the problems, and what was fine (for the command)."""

    problems: list[Problem] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    checked_at: datetime = field(default_factory=timezone.now)

    @property
    def ok(self) -> bool:
        """True when nothing is wrong."""
        return not self.problems


def _minutes(value: float) -> int:
    return max(0, round(value))


def _scopes(params: dict) -> tuple[str, str]:
    missing = params.get("missing", [])
    return (ngettext("The Zoom app lacks {count} of the {required} scopes the integration "
                     "needs: {scopes}.",
                     "The Zoom app lacks {count} of the {required} scopes the integration "
                     "needs: {scopes}.", len(missing)).format(
                count=len(missing), required=params.get("required", 0),
                scopes=", ".join(missing)),
            _("Add them to the app in Zoom's App Marketplace (Scopes), then activate the "
              "app again (see docs/zoom-app.md)."))


def _organizer(params: dict) -> tuple[str, str]:
    sessions = params.get("sessions", 1)
    return (messages.host_error_message(params.get("reason", ""), params.get("email", ""))
            + " " + ngettext("({count} session uses this organizer.)",
                             "({count} sessions use this organizer.)", sessions).format(
                count=sessions),
            "")


def _sweep(params: dict) -> tuple[str, str]:
    interval = params.get("interval", 15)
    fix = ngettext("Run `./manage.py lms zoom_sweep` every minute (cron or a Kubernetes "
                   "CronJob: Tutor runs no Celery beat); see docs/tutor.md.",
                   "Run `./manage.py lms zoom_sweep` every {interval} minutes (cron or a "
                   "Kubernetes CronJob: Tutor runs no Celery beat); see docs/tutor.md.",
                   interval).format(interval=interval)
    if not params.get("last"):
        return _("The periodic sweep has never run: lost updates are not caught up."), fix
    minutes = params.get("minutes", 0)
    ago = ngettext("{minutes} minute ago", "{minutes} minutes ago", minutes).format(
        minutes=minutes)
    expected = ngettext("every minute", "every {interval} minutes", interval).format(
        interval=interval)
    return (_("The periodic sweep last ran {ago} (expected {expected}): lost updates are "
              "not caught up.").format(ago=ago, expected=expected), fix)


def _values(*names):
    """The message's values: these parameters of the problem, as text."""
    return lambda params: {name: params.get(name, "") for name in names}


# What each problem says and how to fix it: code -> (message, fix, the message's values from
# the problem's parameters), marked here and translated when shown; the problems worded in
# sentences of their own (plurals, a message of another module) are functions.
DESCRIPTIONS = {
    "credentials": (
        N_("Zoom credentials are missing: {names}."),
        N_("Set them in the ZOOM_XBLOCK setting or the ZOOM_* environment variables (see "
           "docs/settings.md)."),
        lambda params: {"names": ", ".join(params.get("missing", []))}),
    "token": (
        N_("Zoom refused the app's credentials: {error}"),
        N_("Check ACCOUNT_ID, CLIENT_ID and CLIENT_SECRET against the Server-to-Server OAuth "
           "app in Zoom's App Marketplace, and that the app is activated."),
        _values("error")),
    "unreachable": (
        N_("Zoom could not be reached: {error}"),
        N_("Check that the server can reach zoom.us and api.zoom.us, then run zoom_check "
           "again."),
        _values("error")),
    "scopes": _scopes,
    "webhook_secret": (
        N_("The webhook secret token is not set: Zoom's events (attendance, changes made in "
           "Zoom, recordings) are refused."),
        N_("Copy the Secret Token of the app's Event Subscriptions into "
           "ZOOM_XBLOCK['WEBHOOK_SECRET_TOKEN'] (or ZOOM_WEBHOOK_SECRET_TOKEN)."),
        None),
    "webhook_endpoint": (
        N_("The webhook endpoint {path} failed a signed URL-validation challenge: {detail}"),
        N_("Check that the plugin's URLs are installed in the LMS (run this command in the "
           "LMS) and that the secret token is the app's."),
        _values("path", "detail")),
    "organizer": _organizer,
    "webhooks_failed": (
        N_("{count} Zoom event(s) could not be applied and are no longer retried (latest: "
           "{event}: {error})."),
        N_("Fix the cause (see the log line \"Zoom webhook ... could not be applied\"), then "
           "set the events' status back to received to apply them again."),
        lambda params: {"count": params.get("count", 0), "event": params.get("event", ""),
                        "error": params.get("error", "")}),
    "unknown_account": (
        N_("The Zoom account {account} is chosen for courses but is not configured."),
        N_("Add it to ZOOM_XBLOCK['ACCOUNTS'] or correct ORG_ACCOUNTS, DEFAULT_ACCOUNT or the "
           "course's account (Django admin, zoom_account command)."),
        _values("account")),
    "local_locks": (
        N_("Locks and the capacity guard are per process: no Redis is configured, and the web "
           "processes and Celery workers run apart, so two of them can sync the same session "
           "or fill the same last seat at once."),
        N_("Set ZOOM_XBLOCK['REDIS_URL'] (or use a redis:// BROKER_URL, as Tutor does) so "
           "that every process shares the same locks."),
        None),
    "completion_tracking": (
        N_("Completion tracking is off (the waffle switch completion.enable_completion_tracking)"
           ": learners who attend get no completion, only their score."),
        N_("Turn it on: `./manage.py lms waffle_switch --create "
           "completion.enable_completion_tracking on` (Tutor's init job does this)."),
        None),
    "sweep": _sweep,
}


def _describe(problem: Problem) -> tuple[str, str]:
    """(message, fix) for a problem, in the current language (:data:`DESCRIPTIONS`)."""
    entry = DESCRIPTIONS.get(problem.code)
    if entry is None:
        return problem.code, ""
    if callable(entry):
        return entry(problem.params)
    message, fix, values = entry
    message = _(message)
    return (message.format(**values(problem.params)) if values else message), _(fix)


# --- The sweep's heartbeat --------------------------------------------------------------------

def record_sweep(now: datetime | None = None) -> None:
    """Remember that the periodic sweep ran (called by :func:`zoom_xblock.sweep.run`)."""
    cache.set(SWEEP_KEY, (now or timezone.now()).isoformat(), KEEP_SECONDS)


def last_sweep() -> datetime | None:
    """When the periodic sweep last ran, if it did (and the cache still remembers)."""
    value = cache.get(SWEEP_KEY)
    try:
        return datetime.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def stale_after(interval_minutes: int) -> timedelta:
    """How long without a sweep is a problem: two missed runs, at least 10 minutes' slack."""
    return timedelta(minutes=max(2 * interval_minutes, interval_minutes + 10))


def sweep_problem(now: datetime | None = None, *, strict: bool = False) -> Problem | None:
    """A problem when the sweep has not run within :func:`stale_after` (a cache read).

    A sweep that never ran is a problem for the operator's check (``strict``); for the banner
    only once a session is older than that (one small query): a new installation is fine."""
    now = now or timezone.now()
    interval = get_config().sweep_interval_minutes
    last = last_sweep()
    if last is not None and now - last <= stale_after(interval):
        return None
    if last is None and not strict and not ZoomSession.objects.filter(
            created__lte=now - stale_after(interval)).exists():
        return None  # a new installation: no session has waited long enough for a sweep yet
    minutes = _minutes((now - last).total_seconds() / 60) if last else None
    return Problem("sweep", {"last": last.isoformat() if last else "", "minutes": minutes,
                             "interval": interval})


# --- Cheap checks (settings only) -------------------------------------------------------------

def _accounts(config):
    from zoom_xblock import accounts  # pylint: disable=import-outside-toplevel

    try:
        return accounts.configured_accounts(config)
    except accounts.UnknownAccount:
        return {}


def settings_problems() -> list[Problem]:
    """What is wrong in the settings alone: no call to anything (each account's credentials
    and webhook secret; an account a course or organisation names that does not exist)."""
    config = get_config()
    site_accounts = _accounts(config)
    several = len(site_accounts) > 1
    problems = []
    if config.missing_credentials:
        problems.append(Problem("credentials", {"missing": config.missing_credentials}))
    for name, account in site_accounts.items():
        tag = {"account": name} if several else {}
        if name != "default" and account.missing_credentials:
            problems.append(Problem("credentials", {"missing": account.missing_credentials,
                                                    **tag}))
        if not account.webhook_secret_token:
            problems.append(Problem("webhook_secret", tag))
    named = set((config.org_accounts or {}).values()) | {config.default_account or "default"}
    for name in sorted(named - set(site_accounts)):
        problems.append(Problem("unknown_account", {"account": name}))
    from zoom_xblock import locks  # pylint: disable=import-outside-toplevel

    if locks.tasks_run_in_other_processes() and not locks.redis_url():
        problems.append(Problem("local_locks"))
    return problems


# --- The full check ---------------------------------------------------------------------------

def run_check(*, client=None, self_check_webhooks: bool = True, store: bool = True
              ) -> CheckReport:
    """Check everything the integration needs; store the result for the banner.

    Each Zoom account of the site is checked on its own (one section per account, its lines
    prefixed with the account's name when there are several): a token and its scopes, each
    organizer of a session in use under that account, its webhook secret through the webhook
    views. ``client`` replaces the default account's Zoom client (tests). Nothing is changed
    anywhere.
    """
    from zoom_xblock.clients import NotConfigured, get_client  # pylint: disable=import-outside-toplevel

    report = CheckReport()
    config = get_config()
    report.problems.extend(settings_problems())
    site_accounts = _accounts(config)
    several = len(site_accounts) > 1
    organizers = organizers_in_use()
    for name, account in site_accounts.items():
        tag = {"account": name} if several else {}
        if account.is_configured:
            try:
                account_client = (client if client is not None and name == "default"
                                  else get_client(account=name))
            except NotConfigured:  # pragma: no cover - is_configured said otherwise
                account_client = None
            if account_client is not None:
                if _check_account(account_client, organizers.get(name, {}), report, tag):
                    _check_webinar_plan(account_client, name, report, tag)
        if account.webhook_secret_token:
            report.passed.append(_tagged(_("The webhook secret token is set."), tag))
            if self_check_webhooks:
                _check_webhook_endpoints(account.webhook_secret_token, report, tag)
    report.problems.extend(webhook_problems())
    _check_completion_tracking(report)
    problem = sweep_problem(strict=True)
    if problem is None:
        report.passed.append(_("The periodic sweep ran at {moment} UTC.").format(
            moment=last_sweep().astimezone(UTC).strftime("%Y-%m-%d %H:%M")))
    else:
        report.problems.append(problem)
    if store:
        store_report(report)
    return report


def webhook_problems() -> list[Problem]:
    """Stored Zoom events the sweep gave up on (failed ``WEBHOOK_MAX_ATTEMPTS`` times)."""
    from zoom_xblock.models import WebhookEvent  # pylint: disable=import-outside-toplevel

    given_up = WebhookEvent.objects.filter(status=WebhookEvent.Status.FAILED,
                                           attempts__gte=get_config().webhook_max_attempts)
    latest = given_up.order_by("-received_at", "-id").values("event", "error").first()
    if latest is None:
        return []
    return [Problem("webhooks_failed", {"count": given_up.count(), "event": latest["event"],
                                        "error": latest["error"][:300]})]


def _tagged(line: str, tag: dict) -> str:
    """A passed line, prefixed with its account's name when the site has several."""
    if not tag:
        return line
    return _("Zoom account {account}:").format(account=tag["account"]) + " " + line


def _check_account(client, organizers: dict, report: CheckReport, tag: dict) -> bool:
    """A token and its scopes, then the organizers of the account's sessions; False when Zoom
    gave no token."""
    from zoom_xblock import zoom  # pylint: disable=import-outside-toplevel

    try:
        granted = client.granted_scopes()
    except zoom.ZoomAuthError as error:
        report.problems.append(Problem("token", {"error": _short(error), **tag}))
        return False
    except zoom.ZoomError as error:
        report.problems.append(Problem("unreachable", {"error": _short(error), **tag}))
        return False
    report.passed.append(_tagged(ngettext("Zoom gave a token ({count} scope granted).",
                                          "Zoom gave a token ({count} scopes granted).",
                                          len(granted)).format(count=len(granted)), tag))
    missing = zoom.missing_scopes(granted)
    if missing:
        report.problems.append(Problem("scopes", {
            "missing": missing, "required": len(zoom.REQUIRED_SCOPES), **tag}))
    else:
        report.passed.append(_tagged(ngettext(
            "The {count} scope the integration needs is granted.",
            "All {count} scopes the integration needs are granted.",
            len(zoom.REQUIRED_SCOPES)).format(count=len(zoom.REQUIRED_SCOPES)), tag))
    _check_organizers(client, organizers, report, tag)
    return True


def _check_completion_tracking(report: CheckReport) -> None:
    from zoom_xblock import platform  # pylint: disable=import-outside-toplevel

    if platform.completion_tracking_enabled():
        report.passed.append(_("Completion tracking is on: attending completes the block."))
    else:
        report.problems.append(Problem("completion_tracking"))


def _short(error) -> str:
    text = str(getattr(error, "message", "") or error)
    return text[:300]


def organizers_in_use() -> dict[str, dict[str, dict]]:
    """Distinct organizers of sessions not deleted and not over, per Zoom account:
    account name -> e-mail -> kinds, sessions (two queries, whatever the number of courses)."""
    from zoom_xblock import accounts  # pylint: disable=import-outside-toplevel

    rows = list(ZoomSession.objects.active()
                .exclude(live_status=ZoomSession.LiveStatus.ENDED).exclude(host_email="")
                .values_list("host_email", "kind", "zoom_account", "course_key"))
    course_accounts = accounts.course_account_names(
        {course for _e, _k, own, course in rows if not own})
    organizers: dict[str, dict] = defaultdict(lambda: defaultdict(
        lambda: {"webinar": False, "sessions": 0, "email": ""}))
    for email, kind, own_account, course_key in rows:
        entry = organizers[own_account or course_accounts[course_key]][email.strip().lower()]
        entry["email"] = entry["email"] or email.strip()
        entry["sessions"] += 1
        entry["webinar"] = entry["webinar"] or kind == ZoomSession.Kind.WEBINAR
    return {name: dict(entries) for name, entries in organizers.items()}


def _check_organizers(client, organizers: dict, report: CheckReport, tag: dict) -> None:
    from zoom_xblock import zoom  # pylint: disable=import-outside-toplevel

    bad = 0
    for entry in organizers.values():
        email = entry["email"]
        reason = None
        try:
            user = client.get_user(email, check_webinar=entry["webinar"])
        except zoom.ZoomHostError as error:
            reason = error.reason
        except zoom.ZoomNotFound:
            reason = zoom.HOST_NOT_FOUND
        except zoom.ZoomError as error:
            report.problems.append(Problem("unreachable", {"error": _short(error), **tag}))
            return
        else:
            if not user.is_licensed:
                reason = zoom.HOST_NOT_LICENSED
            elif entry["webinar"] and user.has_webinar is False:
                reason = zoom.HOST_NO_WEBINAR_LICENCE
        if reason:
            bad += 1
            report.problems.append(Problem("organizer", {
                "email": email, "reason": reason, "sessions": entry["sessions"], **tag}))
    if organizers and not bad:
        report.passed.append(_tagged(ngettext(
            "The {count} organizer in use is a licensed Zoom user of the account.",
            "All {count} organizers in use are licensed Zoom users of the account.",
            len(organizers)).format(count=len(organizers)), tag))


def _check_webinar_plan(client, account: str, report: CheckReport, tag: dict) -> None:
    """Whether the account has a Zoom Webinar plan (cached for the Studio editor of its
    courses)."""
    from zoom_xblock.meeting import directory  # pylint: disable=import-outside-toplevel

    webinar = directory.refresh_account(client, account)
    if webinar is False:
        report.passed.append(_tagged(_("The Zoom account has no Webinar plan: authors are "
                                       "offered meetings only."), tag))
    elif webinar:
        report.passed.append(_tagged(_("The Zoom account has a Webinar plan."), tag))


def _check_webhook_endpoints(secret: str, report: CheckReport, tag: dict | None = None) -> None:
    """Send a signed ``endpoint.url_validation`` to each webhook view, as Zoom would."""
    from django.test import RequestFactory  # pylint: disable=import-outside-toplevel
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse  # pylint: disable=import-outside-toplevel

    from zoom_xblock.zoom import webhooks  # pylint: disable=import-outside-toplevel

    for endpoint in WEBHOOK_ENDPOINTS:
        try:
            path = reverse(f"zoom_xblock:webhook_{endpoint}")
            match = resolve(path)
        except (NoReverseMatch, Resolver404):
            # Studio (and its workers) do not serve the plugin's URLs: only the LMS can answer.
            report.passed.append(_tagged(_(
                "Webhook self-check skipped: this process does not serve "
                "/zoom/webhook/{endpoint} (run zoom_check in the LMS).").format(
                    endpoint=endpoint), tag or {}))
            continue
        plain = secrets.token_urlsafe(16)
        body = json.dumps({"event": webhooks.URL_VALIDATION_EVENT,
                           "payload": {"plainToken": plain},
                           "event_ts": int(time.time() * 1000)}).encode()
        headers = webhooks.signature_headers(secret, body)
        request = RequestFactory().post(path, data=body, content_type="application/json",
                                        headers={k: v for k, v in headers.items()
                                                 if k != "Content-Type"})
        try:
            response = match.func(request, *match.args, **match.kwargs)
            answer = json.loads(response.content or b"{}")
        except Exception as error:  # pylint: disable=broad-except
            log.exception("Webhook self-check of %s failed", path)
            report.problems.append(Problem("webhook_endpoint", {
                "path": path, "detail": f"{type(error).__name__}: {_short(error)}",
                **(tag or {})}))
            continue
        if response.status_code == 200 and answer == webhooks.url_validation_response(
                secret, plain):
            report.passed.append(_tagged(_("{path} answers Zoom's signed URL validation.").format(
                path=path), tag or {}))
        else:
            report.problems.append(Problem("webhook_endpoint", {
                "path": path, "detail": f"HTTP {response.status_code}", **(tag or {})}))


# --- The cached result and the banner -----------------------------------------------------------

def store_report(report: CheckReport) -> None:
    """Keep the check's result for the banner (Django's cache, shared by all processes)."""
    cache.set(CHECK_KEY, {"checked_at": report.checked_at.isoformat(),
                          "problems": [p.as_dict() for p in report.problems]}, KEEP_SECONDS)


def cached_problems() -> list[Problem]:
    """The problems the last stored check found (none if it never ran)."""
    stored = cache.get(CHECK_KEY) or {}
    problems = []
    for item in stored.get("problems", []):
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            problems.append(Problem(item["code"], dict(item.get("params") or {})))
    return problems


def banner_problems(host_email: str = "", account: str = "") -> list[Problem]:
    """What staff and authors should see on a block: cheap, never calls Zoom.

    The settings and the sweep's heartbeat are read now; Zoom's side (token, scopes, webhook
    endpoints, organizers) comes from the last stored check, organizers only for this block's
    own organizer, and, given the block's Zoom ``account``, only that account's and the site's
    problems. Missing credentials are left out: the block has its own banner for those.
    """
    config = get_config()
    if not config.is_configured:
        return []
    problems = [p for p in settings_problems() if p.code != "credentials"]
    problem = sweep_problem()
    if problem is not None:
        problems.append(problem)
    host = host_email.strip().lower()
    for problem in cached_problems():
        if problem.code in LIVE_CODES:
            continue
        if problem.code == "organizer" and problem.params.get("email", "").lower() != host:
            continue
        if account and problem.params.get("account", account) != account:
            continue  # another Zoom account's problem: not this block's
        problems.append(problem)
    return problems
