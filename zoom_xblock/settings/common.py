"""Defaults that every environment of the LMS and CMS gets (``plugin_settings``).

This runs at the platform's COMMON stage (``add_plugins(..., SettingsType.COMMON)`` in
``lms/envs/common.py``), while values such as ``LOCALE_PATHS`` are still ``Derived`` objects
(``openedx/envs/common.py``, ``openedx/core/lib/derived.py``): read and change only the
plugin's own settings here. The plugin's translations are its own catalog
(:mod:`zoom_xblock.i18n`), never added to ``LOCALE_PATHS``.
"""
from zoom_xblock.conf import setting_value

SWEEP_TASK = "zoom_xblock.tasks.sweep"
CHECK_TASK = "zoom_xblock.tasks.check_health"


def plugin_settings(settings):
    """Give ``ZOOM_XBLOCK`` its defaults and register the periodic sweep.

    Values the operator set (YAML, Tutor patch) are kept; only missing keys are filled. The
    environment is read lazily by :mod:`zoom_xblock.conf`, except the sweep interval of the
    beat entry, which is resolved here exactly as ``conf`` resolves it for ``zoom_check`` and
    the banner (the setting, then ``ZOOM_SWEEP_INTERVAL_MINUTES``, then 15).
    """
    configured = dict(getattr(settings, "ZOOM_XBLOCK", None) or {})
    settings.ZOOM_XBLOCK = configured

    # The platform's Celery app reads one of these two names depending on its release.
    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
    if schedule is None:
        schedule = getattr(settings, "CELERYBEAT_SCHEDULE", None) or {}
    settings.CELERY_BEAT_SCHEDULE = settings.CELERYBEAT_SCHEDULE = schedule
    # The same resolution as zoom_check and the banner (setting, then environment, then 15).
    minutes = int(setting_value("SWEEP_INTERVAL_MINUTES", configured))
    schedule.setdefault(
        "zoom-xblock-sweep",
        {"task": SWEEP_TASK, "schedule": minutes * 60, "options": {"expires": minutes * 60}},
    )
    # The operator's check, cached for the staff and author banner (``zoom_check`` from cron
    # does the same where no beat runs).
    schedule.setdefault(
        "zoom-xblock-check",
        {"task": CHECK_TASK, "schedule": 3600, "options": {"expires": 3600}},
    )
