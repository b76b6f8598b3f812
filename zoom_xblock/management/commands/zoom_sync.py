"""``manage.py lms zoom_sync``: sync sessions' registrants with Zoom now, in this process.

All live sessions by default, or those of one course (``--course``), or one block
(``--block``); ``--full`` also reconciles with Zoom's own registrant list (what staff's "Sync
now" does). Each session is synced inline (no Celery needed), under the same per-session lock
as the workers; a one-line progress bar shows on the terminal. Exit status 1 when a session's
sync failed or was interrupted (Zoom unreachable, limits). A course without any Zoom session
(a typo in the key, most often) gets a warning. The Zoom client's own log lines stay off the
terminal unless ``-v 2``.
"""
from django.core.management.base import BaseCommand, CommandError

from zoom_xblock import wording
from zoom_xblock.i18n import gettext as _
from zoom_xblock.i18n import ngettext
from zoom_xblock.learners import sync
from zoom_xblock.management.client_logs import quiet_client_logs
from zoom_xblock.models import SyncRun, ZoomSession

BAR_WIDTH = 30


def progress_bar(done: int, total: int, width: int = BAR_WIDTH) -> str:
    """``[#######       ] 12/40``."""
    filled = width if total <= 0 else round(width * done / total)
    return f"[{'#' * filled}{' ' * (width - filled)}] {done}/{total}"


class Command(BaseCommand):
    """Sync sessions inline, with a progress bar."""

    help = __doc__

    def add_arguments(self, parser):
        which = parser.add_mutually_exclusive_group()
        which.add_argument("--course", help="only the sessions of this course key")
        which.add_argument("--block", help="only the session of this block usage key")
        parser.add_argument("--full", action="store_true",
                            help="full reconciliation with Zoom's registrant list")
        parser.add_argument("--no-progress", action="store_true",
                            help="no progress bar (e.g. in a log file)")

    def handle(self, *args, **options):
        with quiet_client_logs(options["verbosity"]):
            self._sync(options)

    def _sync(self, options):
        sessions = ZoomSession.objects.active()
        if options["block"]:
            sessions = ZoomSession.objects.filter(usage_key=options["block"])
            if not sessions.exists():
                raise CommandError(_("No Zoom session for block {key}.").format(
                    key=options["block"]))
        elif options["course"]:
            if not ZoomSession.objects.filter(course_key=options["course"]).exists():
                self.stderr.write(self.style.WARNING(_(
                    "Warning: no Zoom session in course {key}. Check the course key (for "
                    "example course-v1:Org+Course+Run).").format(key=options["course"])))
            sessions = sessions.filter(course_key=options["course"])
        session_ids = list(sessions.order_by("id").values_list("id", flat=True))
        show = not options["no_progress"]
        total, failed = len(session_ids), 0
        self._bar(0, total, show)
        for number, session_id in enumerate(session_ids, start=1):
            result = sync.sync_session(session_id, trigger="command", full=options["full"])
            self._clear(show)
            self.stdout.write(describe_result(session_id, result))
            if result.get("outcome") == SyncRun.Outcome.FAILED or "interrupted" in result:
                failed += 1
            self._bar(number, total, show)
        if show:
            self._err("\n")
        self.stdout.write(ngettext("{count} session synced, {failed} failed.",
                                   "{count} sessions synced, {failed} failed.", total).format(
            count=total, failed=failed))
        if failed:
            raise CommandError(ngettext("{count} session failed to sync.",
                                        "{count} sessions failed to sync.", failed).format(
                count=failed), returncode=1)

    def _bar(self, done: int, total: int, show: bool) -> None:
        if show:
            self._err("\r" + progress_bar(done, total))

    def _clear(self, show: bool) -> None:
        if show:
            self._err("\r" + " " * (BAR_WIDTH + 20) + "\r")

    def _err(self, text: str) -> None:
        self.stderr.write(text, ending="")
        self.stderr.flush()


def describe_result(session_id: int, result: dict) -> str:
    """One line about one session's sync pass, for the operator's terminal."""
    usage_key = ZoomSession.objects.filter(id=session_id).values_list(
        "usage_key", flat=True).first()
    if "skipped" in result:
        return _("{key}: skipped ({why})").format(key=usage_key, why=result["skipped"])
    line = _("{key}: {outcome}, {added} added, {cancelled} cancelled, {failed} failed").format(
        key=usage_key, outcome=result.get("outcome", "?"), added=result.get("added", 0),
        cancelled=result.get("cancelled", 0), failed=result.get("failed", 0))
    if "reconciled" in result:
        line += "; " + _("Zoom had {missing} missing and {extra} extra registrants").format(
            **result["reconciled"])
    if "interrupted" in result:
        line += "; " + _("interrupted: {why}").format(
            why=wording.stored_text(result["interrupted"]))
    return line
