"""Defaults that every environment of the LMS and CMS gets (``plugin_settings``).

This runs at the platform's COMMON stage (``add_plugins(..., SettingsType.COMMON)`` in
``lms/envs/common.py``), while values such as ``LOCALE_PATHS`` are still ``Derived`` objects
(``openedx/envs/common.py``, ``openedx/core/lib/derived.py``): read and change only the
plugin's own settings here. The plugin's translations are its own catalog
(:mod:`zoom_xblock.i18n`), never added to ``LOCALE_PATHS``.
"""

SWEEP_TASK = "zoom_xblock.tasks.sweep"
CHECK_TASK = "zoom_xblock.tasks.check_health"


def plugin_settings(settings):
    """Give ``ZOOM_XBLOCK`` its defaults and register the periodic sweep.

    Values the operator set (YAML, Tutor patch) are kept; only missing keys are filled, and
    the environment is read lazily by :mod:`zoom_xblock.conf`, not here.
    """
    configured = dict(getattr(settings, "ZOOM_XBLOCK", None) or {})
    settings.ZOOM_XBLOCK = configured

    # The platform's Celery app reads one of these two names depending on its release.
    schedule = getattr(settings, "CELERY_BEAT_SCHEDULE", None)
    if schedule is None:
        schedule = getattr(settings, "CELERYBEAT_SCHEDULE", None) or {}
    settings.CELERY_BEAT_SCHEDULE = settings.CELERYBEAT_SCHEDULE = schedule
    minutes = int(configured.get("SWEEP_INTERVAL_MINUTES", 15))
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
