"""Per-site settings a block can narrow or override: what happens to changes made in Zoom, and
which e-mails the platform sends to learners.

The site sets ``DRIFT_POLICY`` and ``LEARNER_EMAILS`` (docs/settings.md); a block stores its
own choice on its session (``drift_policy``: blank for the site's; ``learner_emails``: None for
the site's). A learner e-mail is sent only when both the site and the block allow it.
"""
from zoom_xblock.conf import get_config
from zoom_xblock.i18n import gettext as _

RESTORE = "restore"
REPORT = "report"
ADOPT = "adopt"
DRIFT_POLICIES = (RESTORE, REPORT, ADOPT)

LEARNER_EMAIL_KINDS = ("registered", "promoted", "rescheduled", "cancelled", "reminder")


def site_drift_policy() -> str:
    """The site's ``DRIFT_POLICY`` (an unknown value reads as "restore", the safe one)."""
    value = str(get_config().drift_policy or "").strip().lower()
    return value if value in DRIFT_POLICIES else RESTORE


def drift_policy(session) -> str:
    """The policy that applies to ``session``: its own, else the site's."""
    own = getattr(session, "drift_policy", "") or ""
    return own if own in DRIFT_POLICIES else site_drift_policy()


def drift_policy_label(policy: str) -> str:
    """What a policy does, in words for the Studio editor and alerts."""
    return {
        RESTORE: _("Put the course's settings back in Zoom"),
        REPORT: _("Keep the change in Zoom and tell staff"),
        ADOPT: _("Adopt Zoom's new date, time, duration, time zone and title into the course "
                 "(the description stays the course's)"),
    }.get(policy, policy)


def learner_email_label(kind: str) -> str:
    """The name of a kind of learner e-mail."""
    return {
        "registered": _("Registration confirmed (with the Join link and the calendar file)"),
        "promoted": _("Moved off the waitlist"),
        "rescheduled": _("The session was rescheduled"),
        "cancelled": _("The session was cancelled"),
        "reminder": _("Reminder before the start"),
    }.get(kind, kind)


def site_learner_emails() -> frozenset[str]:
    """The kinds of learner e-mails the site sends."""
    return frozenset(k for k in get_config().learner_email_kinds if k in LEARNER_EMAIL_KINDS)


def learner_emails(session) -> frozenset[str]:
    """The kinds of learner e-mails sent for ``session``: the site's, narrowed by the block's."""
    site = site_learner_emails()
    own = getattr(session, "learner_emails", None)
    if own is None:
        return site
    return site & frozenset(own)
