"""Request body checks that answer Zoom's 300 "Validation Failed." errors."""
from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from .clock import UTC, iso
from .records import WEBINARS
from .refusals import validation_error

MEETING_TYPES = (1, 2, 3, 8)
WEBINAR_TYPES = (5, 6, 9)
SCHEDULED_TYPES = (2, 5)
# Zoom takes plain ASCII addresses only: no quoted local part, no IP literal, no
# internationalised domain, at most 128 characters, a dotted domain with a letter TLD.
EMAIL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]+@([A-Za-z0-9-]+\.)+[A-Za-z]{2,}$")
START_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z?$")  # no offset, no ms
MAX_DURATION = 1440
SETTING_CHOICES = {
    "approval_type": (0, 1, 2),
    "registration_type": (1, 2, 3),
    "auto_recording": ("local", "cloud", "none"),
    "audio": ("both", "telephony", "voip", "thirdParty"),
}
BOOLEAN_SETTINGS = ("registrants_email_notification", "registrants_confirmation_email",
                    "host_video", "participant_video", "join_before_host", "waiting_room",
                    "close_registration", "mute_upon_entry", "panelists_video")


def is_email(value: Any) -> bool:
    return (isinstance(value, str) and len(value) <= 128 and bool(EMAIL.match(value))
            and ".." not in value and not value.startswith("."))


def clean_meeting_body(kind: str, body: dict[str, Any], *, partial: bool,
                       default_timezone: str = "",
                       max_duration: int = MAX_DURATION) -> dict[str, Any]:
    """Check a create (``partial=False``) or PATCH body; return the fields to store.

    ``start_time`` comes back normalised to UTC (``...Z``); a naive time is read in
    ``timezone`` (or UTC), as Zoom does.
    """
    if not isinstance(body, dict):
        raise validation_error("body", "Request Body should be a valid JSON object.")
    cleaned: dict[str, Any] = {}
    if "topic" in body or not partial:
        topic = body.get("topic", "Zoom Webinar" if kind == WEBINARS else "Zoom Meeting")
        if not isinstance(topic, str) or len(topic) > 200:
            raise validation_error("topic", "The topic can have at most 200 characters.")
        cleaned["topic"] = topic
    if "agenda" in body:
        agenda = body["agenda"]
        if not isinstance(agenda, str) or len(agenda) > 2000:
            raise validation_error("agenda", "The agenda can have at most 2000 characters.")
        cleaned["agenda"] = agenda
    allowed_types = WEBINAR_TYPES if kind == WEBINARS else MEETING_TYPES
    if "type" in body or not partial:
        meeting_type = body.get("type", allowed_types[0] if kind == WEBINARS else 2)
        if meeting_type not in allowed_types:
            raise validation_error("type", f"Invalid field. Allowed values: {allowed_types}.")
        cleaned["type"] = meeting_type
    if "duration" in body:
        duration = body["duration"]
        if (not isinstance(duration, int) or isinstance(duration, bool)
                or not 1 <= duration <= max_duration):
            raise validation_error("duration", "Invalid field.")
        cleaned["duration"] = duration
    if "timezone" in body:
        cleaned["timezone"] = _clean_timezone(body["timezone"])
    if "start_time" in body:
        cleaned["start_time"] = _clean_start_time(body["start_time"],
                                                  cleaned.get("timezone", default_timezone))
    if "password" in body:
        password = body["password"]
        if not isinstance(password, str) or len(password) > 10:
            raise validation_error("password", "The password can have at most 10 characters.")
        cleaned["password"] = password
    if "settings" in body:
        cleaned["settings"] = _clean_settings(body["settings"], kind)
    return cleaned


def _clean_timezone(name: Any) -> str:
    if not isinstance(name, str):
        raise validation_error("timezone", "Invalid field.")
    if name:
        try:
            zoneinfo.ZoneInfo(name)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise validation_error("timezone", f"Invalid timezone: {name}.") from None
    return name


def _clean_start_time(value: Any, timezone: str) -> str:
    if not isinstance(value, str) or not START_TIME.match(value):
        raise validation_error("start_time", "Invalid field. Use yyyy-MM-ddTHH:mm:ssZ.")
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise validation_error("start_time", "Invalid date-time: " + value) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zoneinfo.ZoneInfo(timezone) if timezone else UTC)
    return iso(moment.astimezone(UTC))


def _clean_settings(settings: Any, kind: str = "meetings") -> dict[str, Any]:
    if not isinstance(settings, dict):
        raise validation_error("settings", "Invalid field.")
    for name, choices in SETTING_CHOICES.items():
        if name in settings and settings[name] not in choices:
            raise validation_error(f"settings.{name}",
                                   f"Invalid field. Allowed values: {choices}.")
    for name in BOOLEAN_SETTINGS:
        if name in settings and not isinstance(settings[name], bool):
            raise validation_error(f"settings.{name}", "Invalid field, expected a boolean.")
    hosts = settings.get("alternative_hosts")
    if hosts is not None:
        if not isinstance(hosts, str):
            raise validation_error("settings.alternative_hosts", "Invalid field.")
        # Zoom's spec: meetings separate them with semicolons, webinars with commas.
        separator = "," if kind == WEBINARS else ";"
        for email in filter(None, (part.strip() for part in hosts.split(separator))):
            if not is_email(email):
                raise validation_error("settings.alternative_hosts",
                                       f"Invalid email: {email}.")
    return dict(settings)


def clean_registrant(data: Any, *, field_prefix: str = "",
                     require_first_name: bool = True) -> dict[str, str]:
    """Check one registrant ``{email, first_name, last_name, ...}``."""
    if not isinstance(data, dict):
        raise validation_error(field_prefix or "body", "Invalid registrant.")
    email = data.get("email")
    if not is_email(email):
        raise validation_error(f"{field_prefix}email", "Invalid email address.")
    first_name = data.get("first_name", "" if not require_first_name else None)
    if (not isinstance(first_name, str) or len(first_name) > 64
            or (require_first_name and not first_name.strip())):
        raise validation_error(f"{field_prefix}first_name",
                               "first_name is required (at most 64 characters).")
    last_name = data.get("last_name") or ""
    if not isinstance(last_name, str) or len(last_name) > 64:
        raise validation_error(f"{field_prefix}last_name", "At most 64 characters.")
    return {"email": email, "first_name": first_name, "last_name": last_name}
