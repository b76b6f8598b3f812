"""Keep secrets and personal links out of logs, exception messages and stored webhooks.

Zoom's join/start links and personal meeting links let anyone who holds them into a meeting
as that person (or as the host), and tokens and client secrets open the whole account. Anything
we log or put into an exception passes through :func:`redact` first; every webhook passes
through :func:`redact_payload` before it is stored.
"""

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

REDACTED = "[redacted]"
REDACTED_URL = "[redacted-url]"

# Every link, whatever its dress: http(s) and app schemes (``zoommtg://``, ``zoomus://``),
# JSON-escaped (``https:\/\/``), percent-encoded (``https%3A%2F%2F``), or without a scheme
# (``us02web.zoom.us/j/123?pwd=...``). Zoom error messages never need one.
_URL = re.compile(
    r"(?:\b[a-z][a-z0-9+.-]*:(?:\\?/){2}|\bhttps?%3A%2F%2F)[^\s\"'<>]+"
    r"|\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:/|%2F)[^\s\"'<>]*",
    re.IGNORECASE)
# Query parameters that carry a secret, wherever they appear (``tk=``, ``zak=``, ``pwd=``...).
SECRET_PARAMETERS = ("access_token", "download_token", "tk", "zak", "pwd", "passcode",
                     "password", "token")
_PARAMETER = re.compile(r"\b(" + "|".join(SECRET_PARAMETERS) + r")(=|%3D)[^\s&\"'<>]+",
                        re.IGNORECASE)
# Authorization header values, bare bearer tokens, JWT-shaped strings (Zoom access tokens).
_AUTH_VALUE = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*)?")

# Webhook fields that are secrets themselves (meeting passcodes, the host's start link).
SECRET_FIELDS = frozenset({
    "password", "h323_password", "pstn_password", "encrypted_password", "passcode",
    "recording_play_passcode", "download_token", "start_url", "zak", "tk", "access_token",
})


def redact(text: object, secrets: tuple[str, ...] | list[str] = ()) -> str:
    """Return ``text`` as a string with URLs, credentials and the given ``secrets`` masked."""
    result = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            result = result.replace(secret, REDACTED)
    result = _URL.sub(REDACTED_URL, result)
    result = _PARAMETER.sub(lambda match: f"{match.group(1)}{match.group(2)}{REDACTED}", result)
    result = _AUTH_VALUE.sub(lambda match: f"{match.group(1)} {REDACTED}", result)
    return _JWT.sub(REDACTED, result)


def url_without_secrets(url: str, parameters=SECRET_PARAMETERS) -> str:
    """The URL without the query parameters that carry a secret (the link itself stays)."""
    try:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
    except ValueError:
        return REDACTED_URL
    kept = [(key, value) for key, value in pairs if key.lower() not in parameters]
    if len(kept) == len(pairs):
        return url
    return urlunsplit(parts._replace(query=urlencode(kept)))


# A recording's share link is meant for the course's learners: it keeps its embedded passcode
# (``pwd``) and loses only the download tokens, as the Recording table has always stored it.
SHARE_LINK_FIELDS = frozenset({"share_url"})
DOWNLOAD_PARAMETERS = ("access_token", "download_token")


def redact_payload(value, key: str = ""):
    """A copy of a decoded webhook with every secret field masked and every link's secret
    parameters removed (what the plugin stores: never a passcode or a download token)."""
    if isinstance(value, Mapping):
        return {name: (REDACTED if isinstance(name, str) and name.lower() in SECRET_FIELDS
                       and value[name] not in (None, "")
                       else redact_payload(value[name], name if isinstance(name, str) else ""))
                for name in value}
    if isinstance(value, list):
        return [redact_payload(item, key) for item in value]
    if isinstance(value, str) and "://" in value and "=" in value:
        return url_without_secrets(value, DOWNLOAD_PARAMETERS if key.lower()
                                   in SHARE_LINK_FIELDS else SECRET_PARAMETERS)
    return value
