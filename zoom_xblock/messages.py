"""The worded Zoom problems: what an author, staff or an operator reads about Zoom's answers.

Each function words one of Zoom's refusals (an organizer or alternative host it will not take,
a meeting that refuses every registration, an address it rejects) in the current language, with
what fixes it. The editor's validation, the meeting's lifecycle, the staff view, ``zoom_check``
and the stored messages of :mod:`zoom_xblock.wording` all word them here.
"""
from zoom_xblock.i18n import gettext as _
from zoom_xblock.i18n import ngettext
from zoom_xblock.zoom import (
    HOST_ALTERNATIVE_REFUSED,
    HOST_NO_WEBINAR_LICENCE,
    HOST_NOT_FOUND,
    HOST_NOT_IN_ACCOUNT,
    HOST_NOT_LICENSED,
)

REGISTRATION_OFF = "registration_off"


def alternative_host_message(reason: str, emails: list[str]) -> str:
    """One sentence about the alternative hosts ``emails`` that share the cause ``reason``."""
    count, listed = len(emails), ", ".join(emails)
    if reason == HOST_NOT_IN_ACCOUNT:
        text = ngettext(
            "{emails} uses Zoom, but not in this organization's Zoom account, so cannot be an "
            "alternative host: ask your Zoom administrator to invite them, or remove the address.",
            "{emails} use Zoom, but not in this organization's Zoom account, so cannot be "
            "alternative hosts: ask your Zoom administrator to invite them, or remove the "
            "addresses.", count)
    elif reason == HOST_NOT_LICENSED:
        text = ngettext(
            "{emails} has a Basic (free) Zoom user; alternative hosts must be licensed: ask your "
            "Zoom administrator for a licence, or remove the address.",
            "{emails} have Basic (free) Zoom users; alternative hosts must be licensed: ask your "
            "Zoom administrator for licences, or remove the addresses.", count)
    elif reason == HOST_NO_WEBINAR_LICENCE:
        text = ngettext(
            "{emails} has no Zoom Webinar licence, which the alternative hosts of a webinar "
            "need: ask your Zoom administrator to assign one, or remove the address.",
            "{emails} have no Zoom Webinar licence, which the alternative hosts of a webinar "
            "need: ask your Zoom administrator to assign them, or remove the addresses.", count)
    elif reason == HOST_ALTERNATIVE_REFUSED:
        text = ngettext(
            "Zoom refused {emails} as an alternative host: alternative hosts must be licensed "
            "users of this organization's Zoom account. Remove the address or ask your Zoom "
            "administrator.",
            "Zoom refused {emails} as alternative hosts: alternative hosts must be licensed "
            "users of this organization's Zoom account. Remove the addresses or ask your Zoom "
            "administrator.", count)
    else:
        text = ngettext(
            "Zoom has no user {emails} in this organization's Zoom account, so it cannot be an "
            "alternative host: ask your Zoom administrator to add them, or remove the address.",
            "Zoom has no users {emails} in this organization's Zoom account, so they cannot be "
            "alternative hosts: ask your Zoom administrator to add them, or remove the "
            "addresses.", count)
    return text.format(emails=listed)


def not_licensed_why(status: dict) -> str:
    """Why Zoom's cached answer ``status`` about a person rules them out as the organizer."""
    if status.get("reason") == HOST_NOT_LICENSED:
        return _("a Basic (free) Zoom user")
    return _("not a user of your organization's Zoom account")


def organizer_unverified_message(in_zoom: bool = False) -> str:
    """The warning when Zoom could not be asked about the organizer (``in_zoom``: the
    meeting exists already, so the check happens when the change is sent)."""
    if in_zoom:
        return _("Could not verify the organizer in Zoom now; it will be checked when the "
                 "change is sent to Zoom.")
    return _("Could not verify the organizer in Zoom now; it will be checked when the meeting "
             "is created.")


def host_error_message(reason: str, email: str) -> str:
    """The message shown next to the organizer field for a ``ZoomHostError`` reason."""
    messages = {
        HOST_NOT_FOUND: _("Zoom has no user {email} in this organization's Zoom account. Ask "
                          "your Zoom administrator to add them, or choose another organizer."),
        HOST_NOT_IN_ACCOUNT: _("{email} uses Zoom, but not in this organization's Zoom account. "
                               "Ask your Zoom administrator to invite them, or choose another "
                               "organizer."),
        HOST_NOT_LICENSED: _("{email} has a Basic (free) Zoom user. Meetings with registration "
                             "need a licensed organizer: ask your Zoom administrator for a "
                             "licence, or choose another organizer."),
        HOST_NO_WEBINAR_LICENCE: _("{email} has no Zoom Webinar licence. Ask your Zoom "
                                   "administrator to assign one, choose another organizer, or "
                                   "make this a meeting."),
    }
    return messages.get(reason, messages[HOST_NOT_FOUND]).format(email=email)


def blocked_words(code: str, params: dict) -> str:
    """Why Zoom refuses every registration of the meeting, and what fixes it, in words."""
    host = params.get("host", "")
    if code == REGISTRATION_OFF:
        return _("Registration is turned off for this meeting in Zoom, so nobody can be "
                 "registered. Turn registration on in Zoom (or save the component again); "
                 "learners are registered as soon as it is on.")
    if code == HOST_NOT_LICENSED:
        return _("The organizer {host} no longer has a licensed Zoom account, and Zoom "
                 "registers people only for licensed hosts. Learners are registered as soon "
                 "as the licence is restored or another organizer is set.").format(host=host)
    if code == HOST_NO_WEBINAR_LICENCE:
        return _("The organizer {host} no longer has a Zoom webinar licence. Learners are "
                 "registered as soon as it is restored.").format(host=host)
    if code == HOST_NOT_IN_ACCOUNT:
        return _("The organizer {host} is no longer in the plugin's Zoom account. Learners "
                 "are registered as soon as another organizer is set.").format(host=host)
    return _("The organizer {host} no longer exists in Zoom. Learners are registered as soon "
             "as another organizer is set.").format(host=host)


def email_reasons() -> dict:
    """The address checks' reasons (``zoom/registrants.py``), worded when called."""
    return {"too_long": _("over 128 characters"), "quoted": _("a quoted name"),
            "ip_literal": _("an IP address instead of a domain"),
            "not_ascii": _("letters outside ASCII"), "no_domain": _("no real domain"),
            "malformed": _("not an address"), "invalid": _("not an address")}
