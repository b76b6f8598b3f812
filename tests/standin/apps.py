"""Django app of the platform stand-in."""
from django.apps import AppConfig


class StandInPlatformConfig(AppConfig):
    """The workbench's enrollments, course roles, progress, completion and scores."""

    name = "tests.standin"
    # The label (and so the tables and the migration history) of the app from when it lived in
    # the package as zoom_xblock.standalone: existing workbench databases stay valid.
    label = "zoom_standalone"
    verbose_name = "Zoom XBlock platform stand-in"
    default_auto_field = "django.db.models.BigAutoField"
