"""``manage.py lms zoom_check``: is the Zoom integration set up right? Exit status 1 if not.

Checks, in order: the credentials and a token from Zoom; the scopes the app lacks against the
full list the integration needs (``zoom.REQUIRED_SCOPES``); the webhook secret token, then a
signed ``endpoint.url_validation`` challenge sent through each webhook view, as Zoom sends it;
every organizer of a session in use (exists in the account, licensed, with a webinar licence
for webinars); that no stored Zoom event was given up on (failed ``WEBHOOK_MAX_ATTEMPTS``
times, with its reason); and that the periodic sweep ran recently. Prints one line per
problem with how to fix it. The result is stored in Django's cache, where the block's banner
for staff and authors reads it (rendering never calls Zoom); run it from cron, e.g. hourly, to
keep that banner current. A site with several Zoom accounts (``ACCOUNTS``) gets these checks
once per account, each line prefixed with the account's name. The Zoom client's own log lines
stay off the terminal unless ``-v 2``.
"""
from django.core.management.base import BaseCommand, CommandError

from zoom_xblock.management.client_logs import quiet_client_logs
from zoom_xblock.staff import health


class Command(BaseCommand):
    """Check the Zoom integration; exit 1 with one line per problem."""

    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--quiet", action="store_true",
                            help="print only the problems (nothing when all is well)")
        parser.add_argument("--no-webhook-self-check", action="store_true",
                            help="do not send the signed URL-validation challenge to the views")

    def handle(self, *args, **options):
        with quiet_client_logs(options["verbosity"]):
            report = health.run_check(
                self_check_webhooks=not options["no_webhook_self_check"])
        if not options["quiet"]:
            for line in report.passed:
                self.stdout.write(f"ok: {line}")
        for problem in report.problems:
            self.stdout.write(self.style.ERROR(f"PROBLEM [{problem.code}]: {problem.line}"))
        if report.problems:
            raise CommandError(f"{len(report.problems)} problem(s) found.", returncode=1)
        if not options["quiet"]:
            self.stdout.write(self.style.SUCCESS("Zoom integration: all checks passed."))
