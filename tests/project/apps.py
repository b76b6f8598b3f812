"""Connects the plugin's signal receivers through edx-django-utils, as the LMS does."""
from django.apps import AppConfig


class WorkbenchProjectConfig(AppConfig):
    """The workbench project's own app (templates, demo data, receivers wiring)."""

    name = "tests.project"
    label = "zoom_workbench"

    def ready(self):
        from edx_django_utils.plugins import connect_plugin_receivers  # pylint: disable=import-outside-toplevel

        from tests.project.settings import PROJECT  # pylint: disable=import-outside-toplevel

        connect_plugin_receivers(PROJECT)
