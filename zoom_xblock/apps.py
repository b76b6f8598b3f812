"""The Django app that edx-django-utils installs into the LMS and Studio (CMS)."""
from django.apps import AppConfig

LMS = "lms.djangoapp"
CMS = "cms.djangoapp"


def _receiver(func, signal, uid=None):
    return {
        "receiver_func_name": func,
        "signal_path": signal,
        "dispatch_uid": uid or f"zoom_xblock.{func}",
    }


RECEIVERS = [
    _receiver("enrollment_changed", "openedx_events.learning.signals.COURSE_ENROLLMENT_CREATED",
              "zoom_xblock.enrollment_created"),
    _receiver("enrollment_changed", "openedx_events.learning.signals.COURSE_ENROLLMENT_CHANGED"),
    _receiver("enrollment_changed",
              "openedx_events.learning.signals.COURSE_UNENROLLMENT_COMPLETED",
              "zoom_xblock.unenrollment_completed"),
    _receiver("grade_changed",
              "openedx_events.learning.signals.PERSISTENT_GRADE_SUMMARY_CHANGED"),
    _receiver("passing_status_changed",
              "openedx_events.learning.signals.COURSE_PASSING_STATUS_UPDATED"),
    _receiver("user_logged_in", "django.contrib.auth.signals.user_logged_in"),
    _receiver("block_published", "openedx_events.content_authoring.signals.XBLOCK_PUBLISHED"),
    _receiver("block_deleted", "openedx_events.content_authoring.signals.XBLOCK_DELETED"),
    _receiver("course_import_completed",
              "openedx_events.content_authoring.signals.COURSE_IMPORT_COMPLETED"),
    # Account retirement (openedx/core/djangoapps/user_api/accounts/signals.py), in the LMS.
    _receiver("user_retired",
              "openedx.core.djangoapps.user_api.accounts.signals.USER_RETIRE_LMS_MISC",
              "zoom_xblock.user_retired_misc"),
    _receiver("user_retired",
              "openedx.core.djangoapps.user_api.accounts.signals.USER_RETIRE_LMS_CRITICAL",
              "zoom_xblock.user_retired_critical"),
    _receiver("block_duplicated", "openedx_events.content_authoring.signals.XBLOCK_DUPLICATED"),
]


# The modulestore's own signals exist only where xmodule is installed (Studio sends them).
CMS_ONLY_RECEIVERS = [
    _receiver("course_deleted", "xmodule.modulestore.django.COURSE_DELETED"),
]


class ZoomXBlockConfig(AppConfig):
    """zoom-xblock's models, URLs (webhooks, Join, calendar, reports), settings and receivers."""

    name = "zoom_xblock"
    label = "zoom_xblock"
    verbose_name = "Zoom XBlock"
    default_auto_field = "django.db.models.BigAutoField"

    plugin_app = {
        "url_config": {
            LMS: {"namespace": "zoom_xblock", "regex": r"^zoom/", "relative_path": "urls"},
        },
        "settings_config": {
            project: {
                "common": {"relative_path": "settings.common"},
                "production": {"relative_path": "settings.production"},
                "test": {"relative_path": "settings.test"},
            }
            for project in (LMS, CMS)
        },
        "signals_config": {
            LMS: {"relative_path": "receivers", "receivers": RECEIVERS},
            CMS: {
                "relative_path": "receivers",
                "receivers": [r for r in RECEIVERS if "content_authoring" in r["signal_path"]]
                + CMS_ONLY_RECEIVERS,
            },
        },
    }

    def ready(self):
        """Register the Celery tasks: :mod:`zoom_xblock.intents` finds them by name."""
        from zoom_xblock import tasks  # noqa: F401  pylint: disable=import-outside-toplevel,unused-import
