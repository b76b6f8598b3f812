"""Keep secrets and personal links out of logs and exception messages.

Zoom's join/start links and personal meeting links let anyone who holds them into a meeting
as that person (or as the host), and tokens and client secrets open the whole account. Anything
we log or put into an exception passes through :func:`redact` first.
"""

import re

REDACTED = "[redacted]"

# Every URL: Zoom error messages never need one, and a join/start/personal link must not leak.
_URL = re.compile(r"https?://[^\s\"'<>]+", re.IGNORECASE)
# Authorization header values, bare bearer tokens, JWT-shaped strings (Zoom access tokens).
_AUTH_VALUE = re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE)
_JWT = re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*)?")


def redact(text: object, secrets: tuple[str, ...] | list[str] = ()) -> str:
    """Return ``text`` as a string with URLs, credentials and the given ``secrets`` masked."""
    result = str(text)
    for secret in secrets:
        if secret and len(secret) >= 4:
            result = result.replace(secret, REDACTED)
    result = _URL.sub("[redacted-url]", result)
    result = _AUTH_VALUE.sub(lambda match: f"{match.group(1)} {REDACTED}", result)
    return _JWT.sub(REDACTED, result)
