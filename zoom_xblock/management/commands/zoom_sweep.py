"""``manage.py zoom_sweep``: the periodic sweep, for cron or a Kubernetes CronJob.

Tutor runs no Celery beat, so this command does what the beat entry does: it finds every
session with recorded intent (or starting soon) and queues its sync, and re-queues Zoom work a
lost task left behind (:func:`zoom_xblock.sweep.run`, as the beat task). ``--inline`` runs the
due syncs in this process instead of queueing them (useful when no worker is running). Either
way it prints what it did, one line per session synced inline and a summary; the Zoom client's
own log lines stay off the terminal unless ``-v 2``.
"""
from django.core.management.base import BaseCommand

from zoom_xblock import sweep
from zoom_xblock.i18n import ngettext
from zoom_xblock.management.client_logs import quiet_client_logs
from zoom_xblock.management.commands.zoom_sync import describe_result


class Command(BaseCommand):
    """Queue (or run) every sync that is due."""

    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--inline", action="store_true",
                            help="run the due syncs here instead of queueing Celery tasks")

    def handle(self, *args, **options):
        with quiet_client_logs(options["verbosity"]):
            if options["inline"]:
                result = sweep.run(inline=True, on_synced=self._print_sync)
                self.stdout.write(ngettext("Synced {count} session inline.",
                                           "Synced {count} sessions inline.",
                                           result["queued"]).format(count=result["queued"]))
            else:
                result = sweep.run()
                self.stdout.write(ngettext("Queued {count} sync.", "Queued {count} syncs.",
                                           result["queued"]).format(count=result["queued"])
                                  + " " + ngettext("Re-queued {count} Zoom update.",
                                                   "Re-queued {count} Zoom updates.",
                                                   result["applied"]).format(
                                      count=result["applied"]))

    def _print_sync(self, session_id: int, result: dict) -> None:
        self.stdout.write(describe_result(session_id, result))
