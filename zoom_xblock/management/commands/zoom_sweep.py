"""``manage.py zoom_sweep``: the periodic sweep, for cron or a Kubernetes CronJob.

Tutor runs no Celery beat, so this command does what the beat entry does: it finds every
session with recorded intent (or starting soon) and queues its sync, and re-queues Zoom work a
lost task left behind. ``--inline`` runs the syncs in this process instead of queueing them
(useful when no worker is running). Either way it prints what it did, one line per session
synced inline and a summary; the Zoom client's own log lines stay off the terminal unless
``-v 2``.
"""
from django.core.management.base import BaseCommand
from django.utils import timezone

from zoom_xblock import health, sync
from zoom_xblock.i18n import ngettext
from zoom_xblock.management.client_logs import quiet_client_logs
from zoom_xblock.management.commands.zoom_sync import describe_result
from zoom_xblock.models import ZoomSession


class Command(BaseCommand):
    """Queue (or run) every sync that is due."""

    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--inline", action="store_true",
                            help="run the due syncs here instead of queueing Celery tasks")

    def handle(self, *args, **options):
        with quiet_client_logs(options["verbosity"]):
            if options["inline"]:
                self._inline()
            else:
                result = sync.sweep()
                self.stdout.write(ngettext("Queued {count} sync.", "Queued {count} syncs.",
                                           result["queued"]).format(count=result["queued"])
                                  + " " + ngettext("Re-queued {count} Zoom update.",
                                                   "Re-queued {count} Zoom updates.",
                                                   result["applied"]).format(
                                      count=result["applied"]))

    def _inline(self) -> None:
        due = list(ZoomSession.objects.filter(sync_requested_at__lte=timezone.now())
                   .order_by("id").values_list("id", flat=True))
        for session_id in due:
            result = sync.sync_session(session_id, trigger="sweep")
            self.stdout.write(describe_result(session_id, result))
        health.record_sweep()  # an inline sweep is a sweep: zoom_check and the banner see it
        self.stdout.write(ngettext("Synced {count} session inline.",
                                   "Synced {count} sessions inline.", len(due)).format(
            count=len(due)))
