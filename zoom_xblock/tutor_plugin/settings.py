"""Tutor configuration keys for the ``ZOOM_XBLOCK`` setting, derived from the plugin's defaults.

One source: every key of :data:`zoom_xblock.conf.DEFAULTS` becomes the Tutor key named like its
environment variable (``ACCOUNT_ID`` -> ``ZOOM_ACCOUNT_ID``), with the same default. Nothing
here imports Tutor, so it is tested on its own.
"""
from zoom_xblock.conf import DEFAULTS, SECRET_KEYS

#: Keys whose Tutor default differs from the plugin's, because Tutor fixes the answer.
TUTOR_DEFAULTS = {
    # Tutor's lms-worker consumes edx.lms.core.default (tutor/plugins/openedx.py
    # LMS_WORKER_COMMAND); a task queued from Studio without it would run in the cms-worker.
    "CELERY_QUEUE": "edx.lms.core.default",
}
#: Keys Tutor fills from its own configuration when the operator leaves them empty.
REDIS_KEY = "REDIS_URL"
#: The Redis database the plugin's locks and rate-limit buckets use under Tutor (Tutor's Celery
#: uses 0 and its cache 1: tutor/templates/config/defaults.yml).
TUTOR_REDIS_DB = 3


def tutor_name(key: str) -> str:
    """The Tutor configuration key for a ``ZOOM_XBLOCK`` key."""
    return DEFAULTS[key][0]


def config_defaults() -> list[tuple[str, object]]:
    """Tutor ``CONFIG_DEFAULTS`` items: every non-secret key with the plugin's default."""
    items = [(tutor_name(key), TUTOR_DEFAULTS.get(key, default))
             for key, (_env, default) in DEFAULTS.items() if key not in SECRET_KEYS]
    items.append(("ZOOM_REDIS_DB", TUTOR_REDIS_DB))
    return items


def config_unique() -> list[tuple[str, str]]:
    """Tutor ``CONFIG_UNIQUE`` items: the secrets, saved in the operator's config.yml only
    (``ZOOM_ACCOUNTS``, the other accounts with their secrets, starts as an empty mapping)."""
    return [(tutor_name(key), DEFAULTS[key][1]) for key in SECRET_KEYS]


def _value_expression(key: str, default) -> str:
    """A Jinja expression that renders the Tutor value as a Python literal of the right type."""
    name = tutor_name(key)
    if key == REDIS_KEY:
        tutor_redis = ('"redis://" ~ ((REDIS_USERNAME ~ ":" ~ REDIS_PASSWORD ~ "@") '
                       'if REDIS_USERNAME and REDIS_PASSWORD else "") ~ REDIS_HOST ~ ":" '
                       '~ REDIS_PORT ~ "/" ~ ZOOM_REDIS_DB')
        return f"{{{{ ({name} or {tutor_redis})|tojson }}}}"
    if isinstance(default, bool):
        return f'{{{{ "True" if {name} else "False" }}}}'
    if isinstance(default, int):
        return f"{{{{ {name}|int }}}}"
    if isinstance(default, float):
        return f"{{{{ {name}|float }}}}"
    return f"{{{{ {name}|tojson }}}}"


def settings_patch() -> str:
    """The ``openedx-common-settings`` patch: ``ZOOM_XBLOCK`` for the LMS, Studio and workers."""
    lines = ["# zoom-xblock (Tutor plugin 'zoom'): keys from `tutor config save --set ZOOM_...`",
             "ZOOM_XBLOCK = {"]
    lines += [f'    "{key}": {_value_expression(key, default)},'
              for key, (_env, default) in DEFAULTS.items()]
    lines.append("}")
    return "\n".join(lines) + "\n"
