"""Django app of the platform stand-in."""
from django.apps import AppConfig


class StandalonePlatformConfig(AppConfig):
    """The workbench's enrollments, course roles, progress, completion and scores."""

    name = "zoom_xblock.standalone"
    label = "zoom_standalone"
    verbose_name = "Zoom XBlock platform stand-in"
    default_auto_field = "django.db.models.BigAutoField"
