"""What Zoom accepts in a registrant: its address rules and its 64-character names.

Zoom refuses addresses that Django's ``validate_email`` accepts: a dotless or ``localhost``
domain, a quoted local part, an IP literal (``user@[127.0.0.1]``), a non-ASCII (internationalised)
domain or local part, and anything over 128 characters. Sending one of those in a batch of 30
makes Zoom refuse the whole batch, so they are caught before sending.
"""

from __future__ import annotations

import re
import unicodedata

MAX_EMAIL = 128
MAX_NAME = 64  # per name field, counted as Zoom counts: UTF-16 code units

EMAIL_TOO_LONG = "too_long"
EMAIL_QUOTED = "quoted"
EMAIL_IP_LITERAL = "ip_literal"
EMAIL_NOT_ASCII = "not_ascii"
EMAIL_NO_DOMAIN = "no_domain"
EMAIL_MALFORMED = "malformed"

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$")


def email_problem(email: str) -> str:
    """Why Zoom would refuse ``email`` as a registrant address (one of ``EMAIL_*``), or ""."""
    if not isinstance(email, str) or "@" not in email:
        return EMAIL_MALFORMED
    if len(email) > MAX_EMAIL:
        return EMAIL_TOO_LONG
    local, _, domain = email.rpartition("@")
    if local.startswith('"') or '"' in local:
        return EMAIL_QUOTED
    if domain.startswith("["):
        return EMAIL_IP_LITERAL
    if not email.isascii():
        return EMAIL_NOT_ASCII
    labels = domain.split(".")
    if len(labels) < 2 or domain.lower() == "localhost":
        return EMAIL_NO_DOMAIN
    if not _LOCAL.match(local) or not all(_LABEL.match(label) for label in labels):
        return EMAIL_MALFORMED
    if labels[-1].isdigit():  # 127.0.0.1 without brackets
        return EMAIL_IP_LITERAL
    return ""


def cut_name(value: str, limit: int = MAX_NAME) -> str:
    """``value`` cut to ``limit`` UTF-16 code units (Zoom's count), never inside a character
    (a surrogate pair, or a letter and its combining accent, stay together or go together)."""
    value = (value or "").strip()
    units = 0
    for index, char in enumerate(value):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            cut = index
            while cut > 0 and (unicodedata.combining(value[cut])
                               or value[cut] in "\u200d\ufe0f"):
                cut -= 1  # a combining mark or joiner belongs to the character before
            return value[:cut].rstrip()
    return value
