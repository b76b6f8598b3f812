"""``manage.py zoom_sandbox``: run the local Zoom sandbox (same options as
``python -m zoom_xblock.sandbox``)."""
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the local Zoom sandbox (API, join pages, webhooks, control API)."

    def add_arguments(self, parser):
        from zoom_xblock.sandbox.cli import add_arguments

        add_arguments(parser)

    def handle(self, *args, **options):
        from zoom_xblock.sandbox.cli import run

        run(options)
