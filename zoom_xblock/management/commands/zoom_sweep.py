"""``manage.py zoom_sweep``: the periodic sweep, for cron or a Kubernetes CronJob.

Tutor runs no Celery beat, so this command does what the beat entry does: it finds every
session with recorded intent (or starting soon) and queues its sync, and re-queues Zoom work a
lost task left behind. ``--inline`` runs the syncs in this process instead of queueing them
(useful when no worker is running).
"""
from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from zoom_xblock import sync
from zoom_xblock.models import ZoomSession


class Command(BaseCommand):
    """Queue (or run) every sync that is due."""

    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--inline", action="store_true",
                            help="run the due syncs here instead of queueing Celery tasks")

    def handle(self, *args, **options):
        if options["inline"]:
            due = list(ZoomSession.objects.filter(Q(sync_requested_at__isnull=False)
                                                  | Q(sync_retry_at__lte=timezone.now()))
                       .values_list("id", flat=True))
            for session_id in due:
                result = sync.sync_session(session_id, trigger="sweep")
                self.stdout.write(f"session {session_id}: {result}")
            return
        result = sync.sweep()
        self.stdout.write(f"queued {result['queued']} sync(s), {result['applied']} Zoom update(s)")
