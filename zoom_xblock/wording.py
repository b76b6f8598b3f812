"""Messages stored as a code and parameters, worded when shown, in the viewer's language.

Workers write what happened (a sync run's outcome, a session's last error, an alert, a
learner's failure) long before anyone reads it, in whatever language the worker runs. So they
store :func:`stored` ``(code, **params)``: a small JSON object in the same text column as
before. Pages, the staff view and the commands call :func:`render` (or :func:`stored_text`),
which words it in the current language; times become ``<time class="zoom-local">`` elements
that the block's script shows in the viewer's own time zone (the text inside names the zone it
was written in, for readers without script). Text stored before this module existed (plain
English) is shown as it is.

A new message is one function registered with :func:`message`::

    @message("zoom_unavailable")
    def _zoom_unavailable(words, params):
        return words.fill(_("Zoom is not answering; retrying at {time}."),
                          time=words.time(params.get("retry_at"), short=True))

``words.fill`` escapes the values for HTML (never the times it made itself), so a parameter
that came from Zoom or a learner cannot inject markup.
"""
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from zoom_xblock import messages
from zoom_xblock.i18n import gettext as _
from zoom_xblock.i18n import ngettext

MARK = "zoom:"  # stored text starts with this, then the JSON object
MESSAGES: dict[str, Callable] = {}


def stored(code: str, **params) -> str:
    """The text to store for message ``code`` with its JSON-safe ``params``."""
    return MARK + json.dumps({"code": code, "params": params}, sort_keys=True,
                             separators=(",", ":"), default=str)


def decode(text) -> tuple[str, dict] | None:
    """``(code, params)`` of a stored message, or None for plain (legacy) text."""
    if not isinstance(text, str) or not text.startswith(MARK):
        return None
    try:
        data = json.loads(text[len(MARK):])
    except ValueError:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("code"), str):
        return None
    params = data.get("params")
    return data["code"], params if isinstance(params, dict) else {}


def code_of(text) -> str:
    """The code of a stored message ("" for plain text)."""
    decoded = decode(text)
    return decoded[0] if decoded else ""


def message(code: str):
    """Register the function that words message ``code``: ``(words, params) -> text``."""
    def register(function):
        MESSAGES[code] = function
        return function
    return register


def moment(value) -> datetime | None:
    """An aware datetime from a stored ISO string (or a datetime); None if unreadable."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _zone(name: str):
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


@dataclass(frozen=True)
class Words:
    """How to word: for a page (``html``: escaped, times as ``<time>``) or a terminal, and the
    zone written into times before the script shows them in the viewer's."""

    html: bool = True
    zone: str = "UTC"

    def time(self, value, *, short: bool = False) -> str:
        """A time: ``HH:MM`` (``short``) or the date and time, naming the zone."""
        when = moment(value)
        if when is None:
            return ""
        local = when.astimezone(_zone(self.zone))
        text = local.strftime("%H:%M" if short else "%Y-%m-%d %H:%M") + f" ({self.zone or 'UTC'})"
        if not self.html:
            return text
        return format_html('<time class="zoom-local" datetime="{}" data-format="{}">{}</time>',
                           when.astimezone(UTC).isoformat(), "time" if short else "short", text)

    def fill(self, template: str, **values) -> str:
        """``template.format(**values)``, every value escaped for a page unless safe already."""
        if not self.html:
            return template.format(**values)
        return mark_safe(template.format(**{name: conditional_escape(value)  # noqa: S308
                                            for name, value in values.items()}))

    def join(self, parts) -> str:
        """Parts separated by "; " (escaped for a page unless safe already)."""
        separator = "; "
        if not self.html:
            return separator.join(str(part) for part in parts)
        return mark_safe(separator.join(str(conditional_escape(part)) for part in parts))  # noqa: S308


PAGE = Words()
TERMINAL = Words(html=False)


def render(text, words: Words = PAGE) -> str:
    """A stored message worded in the current language; plain text as it is (escaped for a
    page); an unknown code as the code itself (a newer worker, an older web server)."""
    decoded = decode(text)
    if decoded is None:
        return conditional_escape(text or "") if words.html else (text or "")
    code, params = decoded
    worder = MESSAGES.get(code)
    if worder is None:
        return conditional_escape(code) if words.html else code
    result = worder(words, params)
    return result if words.html and isinstance(result, SafeString) else (
        conditional_escape(result) if words.html else str(result))


def stored_text(text, zone: str = "UTC") -> str:
    """A stored message as plain text (commands, e-mails, JSON for scripts)."""
    return str(render(text, Words(html=False, zone=zone)))


# --- Sync runs ------------------------------------------------------------------------------

@message("not_in_zoom")
def _not_in_zoom(words, params):
    return _("Waiting for the meeting to exist in Zoom.")


@message("sync_failed")
def _sync_failed(words, params):
    return _("The sync failed unexpectedly; it will try again in a few minutes.")


@message("meeting_deleted_in_zoom")
def _meeting_deleted_in_zoom(words, params):
    return _("The meeting was deleted in Zoom.")


@message("not_visible_yet")
def _not_visible_yet(words, params):
    return _("Not visible to learners yet: the component is saved in Studio but not "
             "published.")


@message("session_ended")
def _session_ended(words, params):
    return _("The session has ended: registrations no longer change.")


@message("session_not_active")
def _session_not_active(words, params):
    return _("The meeting is not scheduled in Zoom ({status}): registrations wait until it "
             "is.").format(status=_status_label(params.get("status", "")))


def _status_label(status: str) -> str:
    from zoom_xblock.models import ZoomSession  # pylint: disable=import-outside-toplevel

    return str(dict(ZoomSession.Status.choices).get(status, status))


@message("not_configured")
def _not_configured(words, params):
    missing = params.get("missing") or []
    if missing:
        return _("Zoom is not configured: set {names}.").format(names=", ".join(missing))
    return _("Zoom is not configured on this platform.")


@message("sync_quota")
def _sync_quota(words, params):
    return words.fill(_("Zoom's daily limit was reached; the sync continues after {time}."),
                      time=words.time(params.get("until")))


@message("missing_scopes")
def _missing_scopes(words, params):
    return _("The Zoom app lacks scopes: {scopes}. Add them in the Zoom App Marketplace.").format(
        scopes=", ".join(params.get("scopes") or []))


@message("credentials_refused")
def _credentials_refused(words, params):
    return _("Zoom refused the plugin's credentials; run manage.py zoom_check.")


@message("not_accepting")
def _not_accepting(words, params):
    return _("The meeting no longer accepts registrants in Zoom (deleted or over).")


def _at_time(words, when, without_time: str, with_time: str) -> str:
    """``with_time`` filled with ``when`` in the viewer's zone, or ``without_time`` if unknown."""
    time = words.time(when, short=True)
    return words.fill(with_time, time=time) if time else without_time


@message("sync_unreachable")
def _sync_unreachable(words, params):
    return _at_time(words, params.get("retry_at"),
                    _("Zoom could not be reached; the sync will try again shortly."),
                    _("Zoom is not answering; the sync tries again at {time}."))


# --- The session in Zoom (lifecycle) ------------------------------------------------------------

@message("zoom_unavailable")
def _zoom_unavailable(words, params):
    return _at_time(words, params.get("retry_at"), _("Zoom is not answering; retrying shortly."),
                    _("Zoom is not answering; retrying at {time}."))


@message("quota_deferred")
def _quota_deferred(words, params):
    """For the lifecycle's daily-limit deferral (``until``: when Zoom accepts changes again)."""
    return _at_time(words, params.get("until"),
                    _("Zoom's daily limit reached; the change is applied tomorrow."),
                    _("Zoom's daily limit reached; applied after {time}."))


@message("registration_blocked")
def _registration_blocked(words, params):
    """Zoom refuses every registration of the meeting (``why``: the code; ``host``: the
    organizer)."""
    return messages.blocked_words(params.get("why", ""), params)


@message("host_refused")
def _host_refused(words, params):
    return messages.host_error_message(params.get("reason", ""), params.get("email", ""))


@message("alternative_hosts_refused")
def _alternative_hosts_refused(words, params):
    return messages.alternative_host_message(params.get("reason", ""),
                                             list(params.get("emails") or []))


@message("zoom_refused_session")
def _zoom_refused_session(words, params):
    details = params.get("details") or ""
    if not details:
        return _("Zoom refused the request.")
    return _("Zoom refused the session: {details}").format(details=details)


@message("deleted_in_zoom")
def _deleted_in_zoom(words, params):
    if params.get("operator"):
        return _("{operator} deleted the meeting in Zoom. Learners can no longer join it; save "
                 "the component again in Studio to create a new one.").format(
            operator=params["operator"])
    return _("The meeting was deleted in Zoom. Save the component again in Studio to create a "
             "new one.")


# --- Learners ---------------------------------------------------------------------------------

@message("not_approved_yet")
def _not_approved_yet(words, params):
    return _("Zoom has not approved the registration; trying again.")


@message("invalid_email")
def _invalid_email(words, params):
    return _("The learner's e-mail address is not valid: Zoom needs a real address.")


@message("unaccepted_email")
def _unaccepted_email(words, params):
    """An address Zoom would refuse (and with it the whole batch); ``reason``: the check's code."""

    reason = params.get("reason", "")
    return _("Zoom does not accept this learner's e-mail address ({reason}): it needs a plain "
             "address of at most 128 characters.").format(
        reason=messages.email_reasons().get(reason, reason))


@message("shared_email")
def _shared_email(words, params):
    return _("Another learner has the same e-mail address; Zoom registers each address once.")


@message("registrant_daily_limit")
def _registrant_daily_limit(words, params):
    return _("Zoom's limit of 3 changes a day for this learner was reached; retrying after "
             "midnight UTC.")


@message("zoom_refused_learner")
def _zoom_refused_learner(words, params):
    return _("Zoom refused this learner: {reason}").format(reason=params.get("reason", ""))


# --- Alerts -----------------------------------------------------------------------------------

def field_label(name: str) -> str:
    """What a person calls a field of Zoom's meeting object (``start_time`` -> "Start")."""
    labels = {
        "topic": _("Title"), "agenda": _("Description"), "start_time": _("Start"),
        "duration": _("Duration"), "timezone": _("Time zone"),
        "settings.alternative_hosts": _("Alternative hosts"),
        "settings.auto_recording": _("Automatic recording"),
        "settings.approval_type": _("Registration approval"),
        "settings.registration_type": _("Registration type"),
        "settings.registrants_email_notification": _("Zoom's e-mails to registrants"),
        "settings.registrants_confirmation_email": _("Zoom's confirmation e-mail"),
        "settings.meeting_authentication": _("Sign-in required to join"),
    }
    return str(labels.get(name, name.removeprefix("settings.").replace("_", " ")))


def field_value(words: Words, name: str, value) -> str:
    """A field's value as a person reads it (times in the viewer's zone, minutes counted)."""
    if name == "start_time":
        return words.time(value) or _("none")
    if name == "duration":
        try:
            minutes = int(value)
        except (TypeError, ValueError):
            return str(value)
        return ngettext("{count} minute", "{count} minutes", minutes).format(count=minutes)
    if isinstance(value, bool):
        return _("on") if value else _("off")
    if value in (None, ""):
        return _("none")
    return f"“{value}”"


@message("drift")
def _drift(words, params):
    changes = params.get("changes") or {}
    parts = [words.fill(_("{field}: {old} → {new}"), field=field_label(name),
                        old=field_value(words, name, change.get("old")),
                        new=field_value(words, name, change.get("new")))
             for name, change in changes.items() if isinstance(change, dict)]
    operator = params.get("operator") or _("Someone")
    said = words.fill(_("{operator} changed the session in Zoom ({changes})."),
                      operator=operator, changes=words.join(parts))
    if params.get("policy") == "adopt":
        tail = " ".join(str(part) for part in _adopted_parts(params))
    elif not params.get("restore"):
        tail = _("The change was kept; save the component in Studio to put the course's "
                 "settings back.")
    elif params.get("restored_at"):
        tail = words.fill(_("The course's settings were put back at {time}."),
                          time=words.time(params["restored_at"]))
    else:
        tail = _("The course's settings are being put back.")
    return words.fill("{said} {tail}", said=said, tail=tail)


def _adopted_parts(params) -> list[str]:
    """What the "adopt" drift policy did with the changes made in Zoom."""
    parts = []
    if params.get("adopted"):
        parts.append(_("The new schedule and title were adopted into the course."))
    if params.get("others_kept"):
        parts.append(_("Other changes (such as the description) were not adopted: the course "
                       "keeps its own."))
    if params.get("publication") == "draft":
        parts.append(_("The component had unpublished changes, so the adopted values were "
                       "saved as a draft: publish the unit in Studio for learners to see them."))
    return parts


@message("registrant_changed")
def _registrant_changed(words, params):
    operator = params.get("operator") or _("Someone")
    if params.get("action") == "denied":
        first = _("{operator} denied the registration of {email} in Zoom.")
    else:
        first = _("{operator} cancelled the registration of {email} in Zoom.")
    return (first.format(operator=operator, email=params.get("email", "")) + " "
            + _("The learner is still registered in the course; the next full reconciliation "
                "registers them in Zoom again."))


@message("reconciliation")
def _reconciliation(words, params):
    missing, extra = int(params.get("missing", 0)), int(params.get("extra", 0))
    return (_("Zoom's registrant list differed from the course:") + " "
            + ngettext("{count} registration was missing in Zoom and is being restored;",
                       "{count} registrations were missing in Zoom and are being restored;",
                       missing).format(count=missing) + " "
            + ngettext("{count} registrant was added in Zoom directly.",
                       "{count} registrants were added in Zoom directly.", extra).format(
                count=extra)
            + _denied_or_cancelled(params))


def _denied_or_cancelled(params) -> str:
    denied, cancelled = int(params.get("denied", 0)), int(params.get("cancelled", 0))
    if not (denied or cancelled):
        return ""
    return " " + _("Of those, {denied} waiting for approval were denied and {cancelled} "
                   "approved in Zoom were cancelled, as the platform's policy says.").format(
        denied=denied, cancelled=cancelled)
