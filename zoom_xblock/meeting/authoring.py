"""The Studio editor's logic: the form's initial values, validation, and the organizer check.

What the author typed arrives as strings (a JSON object keyed by the form's field names, see
:data:`FORM_FIELDS`). :func:`validate` turns it into block field values plus one translated
message per invalid field, and, when everything else is valid and Zoom is configured, asks Zoom
whether the organizer can host. Nothing here writes anything: the block writes its fields and
:func:`zoom_xblock.meeting.sessions.save_desired` records the session, only for a valid submission.
"""
import functools
import math
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import timezone

from zoom_xblock import clients, policies, problems, wording
from zoom_xblock.conf import get_config
from zoom_xblock.i18n import gettext as _
from zoom_xblock.i18n import ngettext
from zoom_xblock.messages import (
    alternative_host_message,
    host_error_message,
    not_licensed_why,
    organizer_unverified_message,
)
from zoom_xblock.models import ZoomSession
from zoom_xblock.session_values import one_line, start_utc
from zoom_xblock.zoom import (
    HOST_NO_WEBINAR_LICENCE,
    HOST_NOT_FOUND,
    HOST_NOT_IN_ACCOUNT,
    HOST_NOT_LICENSED,
    MAX_AGENDA,
    MAX_ALTERNATIVE_HOSTS,
    MAX_REGISTRANTS,
    MAX_TITLE,
    ZoomError,
    ZoomHostError,
)

# The plugin's ranges (Zoom's own limits are in zoom/limits.py).
MAX_DISPLAY_NAME = 255
MAX_EMAIL = 254
DURATION_RANGE = (1, 1440)
CAPACITY_RANGE = (1, MAX_REGISTRANTS)
JOIN_WINDOW_RANGE = (0, 1440)
PERCENT_RANGE = (0, 100)
# Longer numbers are out of every range (and Python refuses to read 4,300 digits and more).
MAX_INTEGER_DIGITS = 18
KINDS = ("meeting", "webinar")
RECORDINGS = ("none", "cloud")
# The organizer check runs while the author waits: keep it short and retry once at most.
ORGANIZER_CHECK_TIMEOUT = 4.0
ORGANIZER_CHECK_ATTEMPTS = 2

# The form's field names, in display order. Most are the block's own field names; the start
# comes as a date and a time, and the alternative hosts as one text (comma or line separated).
FORM_FIELDS = (
    "display_name", "kind", "title", "agenda", "start_date", "start_time", "timezone",
    "duration_minutes", "host_email", "alternative_hosts", "capacity", "join_window_minutes",
    "prerequisite_usage_key", "prerequisite_min_score", "prerequisite_min_completion",
    "completion_threshold", "weight", "zoom_emails", "auto_recording", "drift_policy",
    *(f"learner_email_{kind}" for kind in policies.LEARNER_EMAIL_KINDS),
)

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TIME = re.compile(r"^\d{2}:\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_HOST_SEPARATORS = re.compile(r"[\s,;]+")
_HIDDEN_ZONE_PREFIXES = ("Etc/", "SystemV/", "posix/", "right/", "US/", "Canada/", "Mexico/",
                         "Brazil/", "Chile/")
_TRUE = ("1", "true", "on", "yes")
_FALSE = ("", "0", "false", "off", "no")


@dataclass(frozen=True)
class EditorContext:
    """What validation needs besides the form: the course's choices and the session's state."""

    display_name: str
    webinars_enabled: bool
    subsections: list[dict] = field(default_factory=list)
    # The kind Zoom already has (set once the meeting exists: it can no longer change).
    locked_kind: str | None = None
    # The Zoom account organizers are checked against (None: the site's default account).
    zoom_account: str | None = None
    # How many learners hold a place now (the capacity warning) and whether Zoom has the
    # meeting already (the organizer warning's words).
    registered: int = 0
    in_zoom: bool = False
    # Why webinars are not offered, when they are not (the platform's setting, the licence).
    webinars_reason: str = ""

    def subsection(self, usage_key: str) -> dict | None:
        """The subsection of the course with this usage key, or None."""
        return next((s for s in self.subsections if s["usage_key"] == usage_key), None)


@dataclass
class Submission:
    """The outcome of :func:`validate`."""

    fields: dict = field(default_factory=dict)  # block field name -> cleaned value
    errors: dict = field(default_factory=dict)  # form field name -> translated message
    warnings: list = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        """True when every field is valid (warnings do not count)."""
        return not self.errors


# --- Choices and initial values ------------------------------------------------------------------

@functools.cache
def all_timezones() -> frozenset[str]:
    """Every IANA time zone name this Python knows (what the server accepts)."""
    return frozenset(zoneinfo.available_timezones())


@functools.cache
def timezone_choices() -> tuple[str, ...]:
    """The zones offered in the editor: region/city names plus UTC, without legacy aliases."""
    shown = (name for name in all_timezones()
             if "/" in name and not name.startswith(_HIDDEN_ZONE_PREFIXES))
    return ("UTC", *sorted(shown))


def kind_locked_message() -> str:
    """Why the meeting type can no longer change."""
    return _("Zoom cannot convert a meeting into a webinar, or a webinar into a meeting, and "
             "this one already exists in Zoom. To change the type, add a new Zoom component "
             "and delete this one.")


def initial_values(block, author_email: str = "", *, zoom_emails_set: bool | None = None) -> dict:
    """The form's values for ``block``: its fields as strings, with the editor's defaults.

    The organizer defaults to the author's e-mail, and Zoom's e-mails to the operator's setting
    while the block has never been saved. ``block`` may be a :meth:`ZoomXBlock.field_view`
    (then ``zoom_emails_set`` says whether the author set that field).
    """
    date, _sep, time = (block.start_local or "").partition("T")
    zoom_emails = block.zoom_emails
    if zoom_emails_set is None:
        zoom_emails_set = type(block).zoom_emails.is_set_on(block)
    if not zoom_emails_set:
        zoom_emails = get_config().zoom_emails
    site_emails = policies.site_learner_emails()
    off = set(block.learner_emails_off or [])
    return {
        **{f"learner_email_{kind}": kind in site_emails and kind not in off
           for kind in policies.LEARNER_EMAIL_KINDS},
        "drift_policy": block.drift_policy or "",
        "display_name": block.display_name,
        "kind": block.kind,
        "title": block.title,
        "agenda": block.agenda,
        "start_date": date,
        "start_time": time[:5],
        "timezone": block.timezone or "UTC",
        "duration_minutes": _as_text(block.duration_minutes),
        "host_email": block.host_email or author_email,
        "alternative_hosts": "\n".join(str(host) for host in _list(block.alternative_hosts)),
        "capacity": _as_text(block.capacity),
        "join_window_minutes": _as_text(block.join_window_minutes),
        "prerequisite_usage_key": block.prerequisite_usage_key,
        "prerequisite_min_score": _as_text(block.prerequisite_min_score),
        "prerequisite_min_completion": _as_text(block.prerequisite_min_completion),
        "completion_threshold": _as_text(block.completion_threshold),
        "weight": _as_text(block.weight),
        "zoom_emails": bool(zoom_emails),
        "auto_recording": block.auto_recording,
    }


def webinars_offered(account: str | None = None, config=None) -> tuple[bool, str]:
    """(offered, why not): webinars need the platform's setting and a Webinar plan on the
    Zoom account ``account`` (the course's; from the cache :mod:`zoom_xblock.meeting.directory`
    keeps; unknown counts as offered, the organizer's own licence is checked when the author
    saves)."""
    from zoom_xblock.meeting import directory  # pylint: disable=import-outside-toplevel

    config = config or get_config()
    if not config.webinars_enabled:
        return False, _("Webinars are not enabled on this platform: choose a meeting, or ask "
                        "your platform operator to enable them.")
    if directory.webinars_allowed(account) is False:
        return False, _("Webinars are not offered: your organization's Zoom account has no Zoom "
                        "Webinar plan. Choose a meeting, or ask your Zoom administrator for the "
                        "Webinar add-on.")
    return True, ""


def email_choices(values: dict) -> list[dict]:
    """The learner e-mails the editor lists: each kind, whether the site sends it, and
    whether this block does."""
    site = policies.site_learner_emails()
    return [{"kind": kind, "name": f"learner_email_{kind}",
             "label": policies.learner_email_label(kind), "site": kind in site,
             "checked": bool(values.get(f"learner_email_{kind}"))}
            for kind in policies.LEARNER_EMAIL_KINDS]


def editor_template_context(values: dict, context: EditorContext,
                            session: ZoomSession | None) -> dict:
    """What ``studio_view.html`` needs besides the block's values: choices, limits, state.

    The block's current time zone and prerequisite stay selectable even when they are not
    among the usual choices (an imported course, a deleted subsection).
    """
    zones = list(timezone_choices())
    if values["timezone"] not in zones:
        zones.insert(0, values["timezone"])
    subsections = list(context.subsections)
    current = values["prerequisite_usage_key"]
    if current and context.subsection(current) is None:
        subsections.append({"usage_key": current, "display_name": current, "missing": True})
    return {
        "values": values,
        "timezones": zones,
        "subsections": subsections,
        "webinars_enabled": context.webinars_enabled or values["kind"] == "webinar",
        "webinars_reason": context.webinars_reason,
        "drift_policies": [{"value": p, "label": policies.drift_policy_label(p)}
                           for p in policies.DRIFT_POLICIES],
        "site_drift_policy": policies.drift_policy_label(policies.site_drift_policy()),
        "applied_drift_policy": policies.drift_policy_label(
            values.get("drift_policy") or policies.site_drift_policy()),
        "email_choices": email_choices(values),
        "double_emails": bool(values.get("zoom_emails")) and any(
            choice["site"] and choice["checked"] for choice in email_choices(values)),
        "kind_locked": bool(context.locked_kind),
        "kind_locked_message": kind_locked_message(),
        "state": session_state(session),
        "limits": {
            "MAX_TITLE": MAX_TITLE, "MAX_AGENDA": MAX_AGENDA, "DURATION_RANGE": DURATION_RANGE,
            "CAPACITY_RANGE": CAPACITY_RANGE, "JOIN_WINDOW_RANGE": JOIN_WINDOW_RANGE,
            "MAX_ALTERNATIVE_HOSTS": MAX_ALTERNATIVE_HOSTS,
        },
    }


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# --- Validation ----------------------------------------------------------------------------------

def validate(data: Mapping, initial: Mapping, context: EditorContext, *,
             check_organizer: bool = True) -> Submission:
    """Clean and check a submission; ``initial`` fills the form fields ``data`` leaves out.

    The organizer, then the alternative hosts, are checked against Zoom only when every other
    field is valid and Zoom is configured (``check_organizer=False`` skips it).
    """
    form = {**initial, **{name: data[name] for name in FORM_FIELDS if name in data}}
    submission = Submission()
    for clean in _CLEANERS:
        clean(form, context, submission)
    if submission.is_valid and _starts_in_the_past(submission.fields):
        submission.warnings.append(past_date_message())
    if submission.is_valid and check_organizer and get_config().is_configured:
        errors, warnings = organizer_problems(submission.fields["host_email"],
                                              submission.fields["kind"], context.in_zoom,
                                              account=context.zoom_account)
        more_errors, more_warnings = {}, []
        if not warnings:  # Zoom answered about the organizer: ask it about the others too
            more_errors, more_warnings = alternative_host_problems(
                submission.fields["alternative_hosts"], submission.fields["kind"],
                account=context.zoom_account)
        submission.errors.update({**errors, **more_errors})
        submission.warnings.extend([*warnings, *more_warnings])
    if submission.is_valid:
        submission.warnings.extend(capacity_warnings(submission.fields["capacity"], context))
    return submission


def capacity_warnings(capacity: int | None, context: EditorContext) -> list[str]:
    """A capacity below the learners registered already: they keep their places, say so."""
    if capacity is None or capacity >= context.registered:
        return []
    return [ngettext(
        "The capacity ({capacity}) is below the {count} learner registered already: they keep "
        "their place, and nobody new is registered until enough of them leave.",
        "The capacity ({capacity}) is below the {count} learners registered already: they keep "
        "their places, and nobody new is registered until enough of them leave.",
        context.registered).format(capacity=capacity, count=context.registered)]


def _starts_in_the_past(fields: dict) -> bool:
    start = start_utc(fields.get("start_local") or "", fields.get("timezone") or "UTC")
    return start is not None and start < timezone.now()


def past_date_message() -> str:
    """The warning for a session dated in the past (allowed: it accounts for a past session)."""
    return _("This date is in the past. The session stays \"Not started yet\" until the "
             "organizer starts and ends it in Zoom; then it counts for attendance and "
             "completion (use this to account for a session that already took place).")


def _text(form: Mapping, name: str) -> str:
    value = form.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(item) for item in value)
    return str(value).strip()


def _integer(form: Mapping, name: str, bounds: tuple[int, int], *, blank=None):
    """(value, ok): an integer within ``bounds``; ``blank`` is the value of an empty field."""
    value = form.get(name)
    if isinstance(value, bool):
        return None, False
    if isinstance(value, float):
        value = int(value) if value.is_integer() else str(value)
    if isinstance(value, str):
        value = value.strip()
        if not value:
            return blank, blank is not None
        if len(value) > MAX_INTEGER_DIGITS or not _INTEGER.match(value):
            return None, False
        value = int(value)
    if value is None:
        return blank, blank is not None
    if not isinstance(value, int):
        return None, False
    return value, bounds[0] <= value <= bounds[1]


def _clean_display_name(form, context, submission):
    value = _text(form, "display_name")
    if not value:
        submission.errors["display_name"] = _("Enter a display name.")
    elif len(value) > MAX_DISPLAY_NAME:
        submission.errors["display_name"] = _(
            "The display name can have at most {maximum} characters.").format(
            maximum=MAX_DISPLAY_NAME)
    submission.fields["display_name"] = value


def _clean_kind(form, context, submission):
    value = _text(form, "kind")
    if value not in KINDS:
        submission.errors["kind"] = _("Choose a meeting or a webinar.")
    elif context.locked_kind and value != context.locked_kind:
        submission.errors["kind"] = kind_locked_message()
    elif value == "webinar" and not context.webinars_enabled and context.locked_kind != value:
        submission.errors["kind"] = context.webinars_reason or _(
            "Webinars are not enabled on this platform: choose a meeting, or ask your platform "
            "operator to enable them.")
    submission.fields["kind"] = value


def _clean_title(form, context, submission):
    value = one_line(_text(form, "title"))  # a title is one line (calendars, e-mail subjects)
    effective = value or _text(form, "display_name") or context.display_name
    if len(value) > MAX_TITLE:
        submission.errors["title"] = _(
            "The title can have at most {maximum} characters (Zoom's limit); it has "
            "{length}.").format(maximum=MAX_TITLE, length=len(value))
    elif len(effective) > MAX_TITLE:
        submission.errors["title"] = _(
            "Enter a title of at most {maximum} characters: the display name is too long "
            "({length} characters) to serve as the title in Zoom.").format(
            maximum=MAX_TITLE, length=len(effective))
    submission.fields["title"] = value


def _clean_agenda(form, context, submission):
    value = _text(form, "agenda")
    if len(value) > MAX_AGENDA:
        submission.errors["agenda"] = _(
            "The description can have at most {maximum} characters (Zoom's limit); it has "
            "{length}.").format(maximum=MAX_AGENDA, length=len(value))
    submission.fields["agenda"] = value


def _clean_start(form, context, submission):
    date, time = _text(form, "start_date"), _text(form, "start_time")
    if not date:
        submission.errors["start_date"] = _("Enter the start date.")
    elif not _DATE.match(date) or start_utc(f"{date}T00:00", "UTC") is None:
        submission.errors["start_date"] = _(
            "Enter the start date as a valid date in the form YYYY-MM-DD.")
    time = time[:5]
    if not time:
        submission.errors["start_time"] = _("Enter the start time.")
    elif not _TIME.match(time) or start_utc(f"2000-01-01T{time}", "UTC") is None:
        submission.errors["start_time"] = _(
            "Enter the start time as a valid 24-hour time in the form HH:MM.")
    submission.fields["start_local"] = f"{date}T{time}"


def _clean_timezone(form, context, submission):
    value = _text(form, "timezone")
    if value not in all_timezones():
        submission.errors["timezone"] = _(
            "Choose a time zone from the list (an IANA name such as Europe/Paris).")
    submission.fields["timezone"] = value


def _clean_duration(form, context, submission):
    value, ok = _integer(form, "duration_minutes", DURATION_RANGE)
    if not ok:
        submission.errors["duration_minutes"] = _(
            "Enter a duration in whole minutes, from {minimum} to {maximum}.").format(
            minimum=DURATION_RANGE[0], maximum=DURATION_RANGE[1])
    submission.fields["duration_minutes"] = value


def _email_error(value: str) -> str | None:
    if len(value) > MAX_EMAIL:
        return _("“{value}” is too long for an e-mail address.").format(value=value[:40] + "…")
    try:
        validate_email(value)
    except ValidationError:
        return _("“{value}” is not a valid e-mail address.").format(value=value)
    return None


def _clean_host_email(form, context, submission):
    value = _text(form, "host_email")
    if not value:
        submission.errors["host_email"] = _(
            "Enter the e-mail address of the organizer, the Zoom user who hosts.")
    else:
        error = _email_error(value)
        if error:
            submission.errors["host_email"] = error
    submission.fields["host_email"] = value


def _clean_alternative_hosts(form, context, submission):
    hosts, seen = [], set()
    for email in _HOST_SEPARATORS.split(_text(form, "alternative_hosts")):
        if email and email.lower() not in seen:
            seen.add(email.lower())
            hosts.append(email)
    submission.fields["alternative_hosts"] = hosts
    organizer = submission.fields.get("host_email", "").lower()
    invalid = [email for email in hosts if _email_error(email)]
    if invalid:
        shown = [email if len(email) <= 60 else email[:40] + "…" for email in invalid[:10]]
        submission.errors["alternative_hosts"] = ngettext(
            "This is not a valid e-mail address: {addresses}.",
            "These are not valid e-mail addresses: {addresses}.", len(invalid)).format(
            addresses=", ".join(f"“{email}”" for email in shown)
            + (" …" if len(invalid) > len(shown) else ""))
        return
    for email in hosts:
        if email.lower() == organizer:
            submission.errors["alternative_hosts"] = _(
                "The organizer ({email}) cannot also be an alternative host.").format(email=email)
            return
    if len(hosts) > MAX_ALTERNATIVE_HOSTS:
        submission.errors["alternative_hosts"] = _(
            "Enter at most {maximum} alternative hosts (there are {count}).").format(
            maximum=MAX_ALTERNATIVE_HOSTS, count=len(hosts))


def _clean_capacity(form, context, submission):
    value, ok = _integer(form, "capacity", CAPACITY_RANGE, blank=None)
    if not ok and _text(form, "capacity"):
        submission.errors["capacity"] = _(
            "Leave the capacity blank for no limit, or enter a whole number from {minimum} to "
            "{maximum} (Zoom's registrant limit).").format(
            minimum=CAPACITY_RANGE[0], maximum=CAPACITY_RANGE[1])
    submission.fields["capacity"] = value if ok else None


def _clean_join_window(form, context, submission):
    value, ok = _integer(form, "join_window_minutes", JOIN_WINDOW_RANGE)
    if not ok:
        submission.errors["join_window_minutes"] = _(
            "Enter how many minutes before the start Join opens, from {minimum} to "
            "{maximum}.").format(minimum=JOIN_WINDOW_RANGE[0], maximum=JOIN_WINDOW_RANGE[1])
    submission.fields["join_window_minutes"] = value


def _percentage(form, submission, name: str) -> int:
    value, ok = _integer(form, name, PERCENT_RANGE, blank=0)
    if not ok:
        submission.errors[name] = _("Enter a whole percentage from 0 to 100.")
    submission.fields[name] = value if ok else None
    return value if ok else None


def _clean_prerequisite(form, context, submission):
    usage_key = _text(form, "prerequisite_usage_key")
    submission.fields["prerequisite_usage_key"] = usage_key
    min_score = _percentage(form, submission, "prerequisite_min_score")
    min_completion = _percentage(form, submission, "prerequisite_min_completion")
    if not usage_key:
        return
    if context.subsection(usage_key) is None:
        submission.errors["prerequisite_usage_key"] = _(
            "Choose a subsection of this course, or none: the one selected no longer exists.")
    elif min_score == 0 and min_completion == 0:
        # Both minimums at 0 would make a prerequisite every learner always meets.
        submission.errors["prerequisite_min_score"] = _(
            "Set a minimum score or a minimum completion (or both) above 0 for the "
            "prerequisite, or choose no prerequisite.")


def _clean_completion_threshold(form, context, submission):
    _percentage(form, submission, "completion_threshold")


def _clean_weight(form, context, submission):
    raw = form.get("weight")
    text = _text(form, "weight")
    value = None
    if text:
        try:
            value = float(raw) if isinstance(raw, int | float) else float(text)
        except ValueError:
            value = math.nan
        if isinstance(raw, bool) or not math.isfinite(value) or value < 0:
            submission.errors["weight"] = _(
                "Leave the weight blank for no score, or enter a number of 0 or more.")
            value = None
    submission.fields["weight"] = value


def _checkbox(raw) -> bool | None:
    """A checkbox's value as the form sent it (a boolean, or a word for one); None if neither."""
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower() if raw is not None else ""
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    return None


def _clean_zoom_emails(form, context, submission):
    value = _checkbox(form.get("zoom_emails"))
    if value is None:
        submission.errors["zoom_emails"] = _("Choose whether Zoom sends its own e-mails.")
        value = False
    submission.fields["zoom_emails"] = value


def _clean_auto_recording(form, context, submission):
    value = _text(form, "auto_recording")
    if value not in RECORDINGS:
        submission.errors["auto_recording"] = _("Choose no recording or cloud recording.")
    submission.fields["auto_recording"] = value


def _clean_drift_policy(form, context, submission):
    value = _text(form, "drift_policy")
    if value and value not in policies.DRIFT_POLICIES:
        submission.errors["drift_policy"] = _("Choose what happens to changes made in Zoom.")
        value = ""
    submission.fields["drift_policy"] = value


def _clean_learner_emails(form, context, submission):
    """The kinds the site sends that this block turns off (a kind the site does not send
    keeps no block choice: turning it on for the site later turns it on here too)."""
    off = []
    for kind in sorted(policies.site_learner_emails()):
        checked = _checkbox(form.get(f"learner_email_{kind}"))
        if checked is None:
            submission.errors[f"learner_email_{kind}"] = _(
                "Choose whether learners get this e-mail.")
            checked = True
        if not checked:
            off.append(kind)
    submission.fields["learner_emails_off"] = off


_CLEANERS = (
    _clean_display_name, _clean_kind, _clean_title, _clean_agenda, _clean_start,
    _clean_timezone, _clean_duration, _clean_host_email, _clean_alternative_hosts,
    _clean_capacity, _clean_join_window, _clean_prerequisite, _clean_completion_threshold,
    _clean_weight, _clean_zoom_emails, _clean_auto_recording, _clean_drift_policy,
    _clean_learner_emails,
)


# --- The organizer in Zoom -----------------------------------------------------------------------

ORGANIZER_CACHE_SECONDS = 300
ORGANIZER_CACHE_KEY = "zoom_xblock:organizer:{account}:{kind}:{digest}"


def organizer_problems(email: str, kind: str, in_zoom: bool = False,
                       account: str | None = None) -> tuple[dict, list]:
    """(errors, warnings) about ``email`` hosting a ``kind`` in the Zoom account ``account``
    (the course's; None: the site's default account).

    A host Zoom refuses gives an error on ``host_email``; a Zoom that cannot answer now gives a
    warning only: the lifecycle task checks the host again when it creates the meeting. Zoom's
    answer is kept for a few minutes (:func:`_host_reason`), so that an author saving edit
    after edit costs one user look-up, not one per save.
    """
    try:
        reason = _host_reason(_ZoomForChecks(account), email, kind)
    except (ZoomError, clients.NotConfigured):
        return {}, [organizer_unverified_message(in_zoom)]
    return ({"host_email": host_error_message(reason, email)} if reason else {}), []


class _ZoomForChecks:
    """The short-timeout client of the save checks, made only if a look-up is needed."""

    def __init__(self, account: str | None = None):
        self.account, self._client = account, None

    def get_user(self, email, *, check_webinar):
        if self._client is None:
            self._client = clients.get_client(account=self.account,
                                               timeout=ORGANIZER_CHECK_TIMEOUT,
                                               max_attempts=ORGANIZER_CHECK_ATTEMPTS)
        return self._client.get_user(email, check_webinar=check_webinar)


def _host_reason(client, email: str, kind: str) -> str:
    """"" when Zoom takes ``email`` as a host of a ``kind``, else the ``HOST_*`` reason.

    Zoom's answer (a reason, not words) is cached for :data:`ORGANIZER_CACHE_SECONDS`; a Zoom
    that cannot answer raises and nothing is kept.
    """
    import hashlib  # pylint: disable=import-outside-toplevel

    from django.core.cache import cache  # pylint: disable=import-outside-toplevel

    digest = hashlib.sha256(email.strip().lower().encode("utf-8")).hexdigest()[:32]
    key = ORGANIZER_CACHE_KEY.format(account=getattr(client, "account", None) or "",
                                     kind=kind, digest=digest)
    known = cache.get(key)
    if known is not None:
        return known
    webinar = kind == "webinar"
    try:
        user = client.get_user(email, check_webinar=webinar)
    except ZoomHostError as error:
        reason = error.reason
    else:
        reason = (HOST_NOT_LICENSED if not user.is_licensed
                  else HOST_NO_WEBINAR_LICENCE if webinar and user.has_webinar is False else "")
    cache.set(key, reason, ORGANIZER_CACHE_SECONDS)
    return reason


# The order in which the causes are told (each cause its own sentence, naming every address).
_ALTERNATIVE_HOST_CAUSES = (HOST_NOT_FOUND, HOST_NOT_IN_ACCOUNT, HOST_NOT_LICENSED,
                            HOST_NO_WEBINAR_LICENCE)


def alternative_host_problems(emails: list[str], kind: str, account: str | None = None
                              ) -> tuple[dict, list]:
    """(errors, warnings) about ``emails`` as alternative hosts of a ``kind``, like the
    organizer: Zoom takes only licensed users of the account (with a webinar licence for a
    webinar). Every address is checked; the error on ``alternative_hosts`` has one sentence per
    cause naming all the addresses with that cause. A Zoom that cannot answer gives a warning.
    """
    if not emails:
        return {}, []
    causes: dict[str, list[str]] = {}
    try:
        client = _ZoomForChecks(account)
        for email in emails:
            reason = _host_reason(client, email, kind)
            if reason:
                causes.setdefault(reason, []).append(email)
    except (ZoomError, clients.NotConfigured):
        return {}, [_("Could not verify the alternative hosts in Zoom now; they will be checked "
                      "when the meeting is saved in Zoom.")]
    if not causes:
        return {}, []
    known = [cause for cause in _ALTERNATIVE_HOST_CAUSES if cause in causes]
    others = [cause for cause in causes if cause not in _ALTERNATIVE_HOST_CAUSES]
    return {"alternative_hosts": " ".join(alternative_host_message(cause, causes[cause])
                                          for cause in known + others)}, []


@dataclass(frozen=True)
class OrganizerDefault:
    """Who the editor proposes as the organizer of a new session, and why (Eurekos: the
    responsible course administrator becomes the host)."""

    email: str
    note: str


def default_organizer(author, instructors, account: str | None = None) -> OrganizerDefault:
    """The author when Zoom said they are a licensed user of the Zoom account ``account``
    (the course's); otherwise the course's first instructor who is; otherwise the author,
    with the reason. Reads only what :mod:`zoom_xblock.meeting.directory` cached (never calls
    Zoom)."""
    from zoom_xblock.meeting import directory  # pylint: disable=import-outside-toplevel

    author_email = author.email or ""
    status = directory.user_status(author_email, account)
    if status and status.get("licensed"):
        return OrganizerDefault(author_email, _(
            "Proposed: you ({email}), a licensed user of your organization's Zoom account.")
            .format(email=author_email))
    for person in instructors:
        if not person.email or person.email.lower() == author_email.lower():
            continue
        found = directory.user_status(person.email, account)
        if found and found.get("licensed"):
            if status is None:
                why = _("Zoom has not been asked about you yet")
            else:
                why = _("you are {why}").format(why=not_licensed_why(status))
            return OrganizerDefault(person.email, _(
                "Proposed: {name} ({email}), an instructor of this course and a licensed user "
                "of your organization's Zoom account ({why}).").format(
                name=person.full_name or person.username, email=person.email, why=why))
    if status is None:
        return OrganizerDefault(author_email, _(
            "Proposed: you ({email}). Zoom is being asked whether you are a licensed user of "
            "your organization's Zoom account; it is checked again when you save.").format(
            email=author_email))
    return OrganizerDefault(author_email, _(
        "Neither you ({email}, {why}) nor the course's instructors are licensed users of your "
        "organization's Zoom account: enter the e-mail of one who is.").format(
        email=author_email, why=not_licensed_why(status)))


# --- What the session records ------------------------------------------------------------------

def desired_values(submission: Submission, context: EditorContext) -> dict:
    """The :data:`zoom_xblock.meeting.sessions.DESIRED_FIELDS` of a valid submission."""
    values = submission.fields
    prerequisite = {}
    subsection = context.subsection(values["prerequisite_usage_key"])
    if subsection is not None:
        prerequisite = {
            "usage_key": subsection["usage_key"],
            "display_name": subsection["display_name"],
            "min_score": values["prerequisite_min_score"],
            "min_completion": values["prerequisite_min_completion"],
        }
    return {
        "kind": values["kind"],
        "title": values["title"] or one_line(values["display_name"]),
        "agenda": values["agenda"],
        "start": start_utc(values["start_local"], values["timezone"]),
        "duration_minutes": values["duration_minutes"],
        "timezone": values["timezone"],
        "host_email": values["host_email"],
        "alternative_hosts": list(values["alternative_hosts"]),
        "capacity": values["capacity"],
        "join_window_minutes": values["join_window_minutes"],
        "prerequisite": prerequisite,
        "completion_threshold_percent": values["completion_threshold"],
        "weight": values["weight"],
        "zoom_emails": values["zoom_emails"],
        "auto_recording": values["auto_recording"],
        "drift_policy": values["drift_policy"],
        "learner_emails": [kind for kind in policies.LEARNER_EMAIL_KINDS
                           if kind not in values["learner_emails_off"]],
    }


# What went wrong with the session in Zoom, as the author and staff views show it.
PROBLEM_FAILED = "failed"
PROBLEM_NOT_ANSWERING = "not_answering"


def zoom_problem(session: ZoomSession | None) -> str:
    """:data:`PROBLEM_FAILED` (Zoom refused), :data:`PROBLEM_NOT_ANSWERING` (the apply waits
    for Zoom to answer again), or "" when nothing is wrong."""
    if session is None:
        return ""
    if session.status == ZoomSession.Status.FAILED:
        return PROBLEM_FAILED
    if session.status in (ZoomSession.Status.CREATING, ZoomSession.Status.UPDATING) and (
            wording.code_of(session.last_error) == "zoom_unavailable"):
        return PROBLEM_NOT_ANSWERING
    return ""


def session_state(session: ZoomSession | None) -> dict:
    """What the editor, the author view and the staff view show about the session (never a
    secret). ``last_error`` is worded in the current language (``last_error_html`` with times
    the page shows in the viewer's zone); ``problem`` is :func:`zoom_problem`."""
    if session is None:
        return {"status": None, "status_display": _("Not scheduled in Zoom yet"),
                "zoom_id": None, "registration_url": "", "deferred_until": None,
                "last_error": "", "last_error_html": "", "last_error_detail": "",
                "problem": "", "kind_locked": False}
    words = wording.Words(zone=session.timezone or "UTC")
    decoded = wording.decode(session.last_error)
    # A refusal for the whole meeting, or the organizer's daily limit, before the last error.
    problem = problems.session_problem(session)
    return {
        "status": session.status,
        "status_display": str(session.get_status_display()),
        "zoom_id": session.zoom_id,
        "registration_url": session.registration_url,
        "deferred_until": session.deferred_until.isoformat() if session.deferred_until else None,
        "last_error": wording.stored_text(problem, words.zone),
        "last_error_html": str(wording.render(problem, words)),
        "last_error_detail": str((decoded[1] if decoded else {}).get("detail", "")),
        "problem": zoom_problem(session),
        "kind_locked": is_kind_locked(session),
    }


def is_kind_locked(session: ZoomSession | None) -> bool:
    """True once Zoom has the meeting: its type can no longer change."""
    return session is not None and session.zoom_id is not None
