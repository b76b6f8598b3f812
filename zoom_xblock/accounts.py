"""Several Zoom accounts per site: which account a course, a session or a webhook belongs to.

The top-level credentials of ``ZOOM_XBLOCK`` are the account named ``default``; ``ACCOUNTS``
adds more ({name: {ACCOUNT_ID, CLIENT_ID, CLIENT_SECRET, WEBHOOK_SECRET_TOKEN, PLAN, ...}}).
A course uses, in order: the operator's per-course choice (:class:`CourseZoomAccount`), the
account of its organisation (``ORG_ACCOUNTS``), the site's ``DEFAULT_ACCOUNT``. A session keeps
the account its meeting was created under (``ZoomSession.zoom_account``), so a later change of
settings never sends its calls to an account that does not know the meeting.

Each account has its own Zoom client: the token cache key and the rate-limit buckets are keyed
by the account id (``zoom/tokens.py``, ``zoom/ratelimit.py``), its plan sets the buckets' rates,
and its webhook secret verifies the webhooks whose payload names its ``account_id``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from zoom_xblock.conf import ZoomConfig, get_config, missing_credentials

DEFAULT_ACCOUNT = "default"
#: Keys an entry of ACCOUNTS may set; those not set come from the top level, except the
#: credentials and the webhook secret, which belong to one account only.
ACCOUNT_KEYS = ("ACCOUNT_ID", "CLIENT_ID", "CLIENT_SECRET", "WEBHOOK_SECRET_TOKEN", "PLAN",
                "RATE_SCALE", "OAUTH_URL", "API_BASE_URL")
_OWN_KEYS = ("ACCOUNT_ID", "CLIENT_ID", "CLIENT_SECRET", "WEBHOOK_SECRET_TOKEN")


class UnknownAccount(Exception):
    """A course, an organisation or a session names an account that is not configured."""


@dataclass(frozen=True)
class ZoomAccount:  # pylint: disable=too-many-instance-attributes
    """One Server-to-Server OAuth app and what its client needs."""

    name: str
    account_id: str
    client_id: str
    client_secret: str = field(repr=False)
    webhook_secret_token: str = field(repr=False)
    plan: str
    rate_scale: float
    oauth_url: str
    api_base_url: str

    @property
    def missing_credentials(self) -> list[str]:
        """Names of the settings Zoom needs that are empty (never their values)."""
        return missing_credentials(
            self, "" if self.name == DEFAULT_ACCOUNT else f"ACCOUNTS[{self.name}].")

    @property
    def is_configured(self) -> bool:
        """True when this account has what it needs to call Zoom."""
        return not self.missing_credentials


def _account(name: str, values: dict, config: ZoomConfig) -> ZoomAccount:
    def value(key):
        if key in values and values[key] not in (None, ""):
            return values[key]
        return "" if key in _OWN_KEYS else getattr(config, key.lower())
    return ZoomAccount(
        name=name,
        account_id=str(value("ACCOUNT_ID")), client_id=str(value("CLIENT_ID")),
        client_secret=str(value("CLIENT_SECRET")),
        webhook_secret_token=str(value("WEBHOOK_SECRET_TOKEN")),
        plan=str(value("PLAN")), rate_scale=float(value("RATE_SCALE")),
        oauth_url=str(value("OAUTH_URL")), api_base_url=str(value("API_BASE_URL") or ""),
    )


def configured_accounts(config: ZoomConfig | None = None) -> dict[str, ZoomAccount]:
    """Every account of the site by name; ``default`` is the top-level keys (or its entry in
    ``ACCOUNTS``, which wins)."""
    config = config or get_config()
    accounts = {DEFAULT_ACCOUNT: _account(DEFAULT_ACCOUNT, {
        key: getattr(config, key.lower()) for key in _OWN_KEYS}, config)}
    for name, values in (config.accounts or {}).items():
        if not isinstance(values, dict):
            raise UnknownAccount(f"ZOOM_XBLOCK ACCOUNTS[{name}] must be a mapping")
        accounts[str(name)] = _account(str(name), values, config)
    if DEFAULT_ACCOUNT not in (config.accounts or {}) and config.accounts and not (
            config.account_id or config.client_id):
        del accounts[DEFAULT_ACCOUNT]  # a site with named accounts only
    return accounts


def get_account(name: str | None = None, config: ZoomConfig | None = None) -> ZoomAccount:
    """The account called ``name`` (default: the site's default account)."""
    config = config or get_config()
    name = name or config.default_account or DEFAULT_ACCOUNT
    accounts = configured_accounts(config)
    if name not in accounts:
        raise UnknownAccount(f"Zoom account {name!r} is not in ZOOM_XBLOCK ACCOUNTS")
    return accounts[name]


def course_org(course_key: str) -> str:
    """The organisation of a course key (``course-v1:Org+Num+Run`` or ``Org/Num/Run``)."""
    from opaque_keys import InvalidKeyError  # pylint: disable=import-outside-toplevel
    from opaque_keys.edx.keys import CourseKey  # pylint: disable=import-outside-toplevel

    try:
        return CourseKey.from_string(str(course_key)).org or ""
    except InvalidKeyError:
        return ""


def course_override(course_key: str) -> str:
    """The operator's per-course account, or "" (one indexed query)."""
    from zoom_xblock.models import CourseZoomAccount  # pylint: disable=import-outside-toplevel

    return CourseZoomAccount.objects.filter(course_key=str(course_key)).values_list(
        "account", flat=True).first() or ""


def course_account_name(course_key: str, config: ZoomConfig | None = None) -> str:
    """The account new meetings of ``course_key`` are created under."""
    config = config or get_config()
    return (course_override(course_key)
            or (config.org_accounts or {}).get(course_org(course_key))
            or config.default_account or DEFAULT_ACCOUNT)


def course_account_names(course_keys, config: ZoomConfig | None = None) -> dict[str, str]:
    """:func:`course_account_name` for many courses at once (one query)."""
    from zoom_xblock.models import CourseZoomAccount  # pylint: disable=import-outside-toplevel

    config = config or get_config()
    keys = {str(key) for key in course_keys}
    chosen = dict(CourseZoomAccount.objects.filter(course_key__in=keys).values_list(
        "course_key", "account"))
    fallback = config.default_account or DEFAULT_ACCOUNT
    return {key: chosen.get(key) or (config.org_accounts or {}).get(course_org(key)) or fallback
            for key in keys}


def course_account_source(course_key: str, config: ZoomConfig | None = None) -> str:
    """Why the course has its account, for staff: "course", "organisation" or "site"."""
    config = config or get_config()
    if course_override(course_key):
        return "course"
    if course_org(course_key) in (config.org_accounts or {}):
        return "organisation"
    return "site"


def session_account_name(session) -> str:
    """The account a session's Zoom calls go to: the one it was created under, else the
    course's account."""
    return session.zoom_account or course_account_name(session.course_key)


def block_account_name(course_key: str, session=None) -> str:
    """The account a block's organizers are checked against: its session's, else the
    course's."""
    if session is not None and session.zoom_account:
        return session.zoom_account
    return course_account_name(course_key)


def accounts_for_webhook(account_id: str | None,
                         config: ZoomConfig | None = None) -> list[ZoomAccount]:
    """The accounts whose secret may have signed a webhook naming ``account_id``.

    Zoom names the account in every event's payload, except ``endpoint.url_validation``
    (``account_id`` None): then each account with a webhook secret is a candidate.
    """
    accounts = [account for account in configured_accounts(config).values()
                if account.webhook_secret_token]
    if account_id is None:
        return accounts
    return [account for account in accounts if account.account_id == str(account_id)]


def live_sessions(course_key: str):
    """The course's sessions that have a meeting in Zoom that is not over (a queryset)."""
    from zoom_xblock.models import ZoomSession  # pylint: disable=import-outside-toplevel

    return (ZoomSession.objects.filter(course_key=str(course_key), zoom_id__isnull=False)
            .exclude(status__in=(ZoomSession.Status.DELETED, ZoomSession.Status.DELETING,
                                 ZoomSession.Status.DELETED_IN_ZOOM))
            .exclude(live_status=ZoomSession.LiveStatus.ENDED))


def move_refusal(course_key: str, account: str) -> str:
    """Why ``course_key`` cannot move to ``account`` now ("" when it can)."""
    try:
        get_account(account)
    except UnknownAccount:
        return _("There is no Zoom account named {account} in ZOOM_XBLOCK ACCOUNTS.").format(
            account=account)
    current = course_account_name(course_key)
    blocking = [session for session in live_sessions(course_key).only("title", "zoom_account")
                if (session.zoom_account or current) != account]
    if not blocking:
        return ""
    titles = ", ".join(session.title for session in blocking[:5])
    return ngettext(
        "The course cannot move to the Zoom account {account}: {count} session has a meeting "
        "in another account that is not over ({titles}). Wait until it ends, or move it with "
        "manage.py lms zoom_account migrate.",
        "The course cannot move to the Zoom account {account}: {count} sessions have a meeting "
        "in another account that is not over ({titles}). Wait until they end, or move them "
        "with manage.py lms zoom_account migrate.", len(blocking)).format(
            account=account, count=len(blocking), titles=titles)


def set_course_account(course_key: str, account: str, note: str = "") -> None:
    """Choose ``account`` for ``course_key``; ValueError with the reason when refused."""
    from zoom_xblock.models import CourseZoomAccount  # pylint: disable=import-outside-toplevel

    refusal = move_refusal(course_key, account)
    if refusal:
        raise ValueError(refusal)
    CourseZoomAccount.objects.update_or_create(course_key=str(course_key),
                                               defaults={"account": account, "note": note})


def clear_course_account(course_key: str) -> None:
    """Drop the course's own choice (back to its organisation's or the site's account);
    ValueError with the reason when that move is refused."""
    from zoom_xblock.models import CourseZoomAccount  # pylint: disable=import-outside-toplevel

    config = get_config()
    fallback = ((config.org_accounts or {}).get(course_org(course_key))
                or config.default_account or DEFAULT_ACCOUNT)
    refusal = move_refusal(course_key, fallback)
    if refusal:
        raise ValueError(refusal)
    CourseZoomAccount.objects.filter(course_key=str(course_key)).delete()
