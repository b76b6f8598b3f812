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
        # The workbench also plays Studio: the CMS-only receiver of the modulestore's
        # course_deleted signal, on the stand-in's copy of that signal (xmodule is not here).
        from tests.standin import outline  # pylint: disable=import-outside-toplevel
        from zoom_xblock import receivers  # pylint: disable=import-outside-toplevel

        outline.COURSE_DELETED.connect(receivers.course_deleted,
                                       dispatch_uid="zoom_xblock.course_deleted")

        from django.conf import settings  # pylint: disable=import-outside-toplevel

        if getattr(settings, "SQLITE_WAL", False):
            from django.db.backends.signals import connection_created  # pylint: disable=import-outside-toplevel

            connection_created.connect(use_wal, dispatch_uid="zoom_workbench.sqlite_wal")


def use_wal(sender, connection, **kwargs):  # pylint: disable=unused-argument
    """The demo's SQLite: write-ahead logging and a 20 s busy timeout on every connection."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=20000")
