"""Course staff's view of a session in the LMS: the panel under the learner view, its handlers.

:class:`StaffViewMixin` adds to the block the staff section (counts by state, attendance, the
last sync, open alerts, recordings, the organizer's Join link, the registrant report and its
CSV export, "Sync now" with live progress) and the health banner (also shown to authors in
Studio). Learners never see any of it: the section is only rendered for course staff, and every
handler answers 403 to anyone else. The numbers come from :mod:`zoom_xblock.staff.reports` and the
banner from :mod:`zoom_xblock.staff.health`; nothing here calls Zoom.

Handlers (all ``POST`` JSON, course staff only, 403 otherwise):

- ``staff_summary`` ``{}`` -> ``{"session": {...}|null, "registrations": {...},
  "attendance": {...}, "last_run": {...}|null, "alerts": [...], "recordings": [...]}``
- ``staff_report`` ``{"search", "sort", "direction", "page", "page_size"}`` -> one page:
  ``{"rows": [...], "total", "page", "pages", "page_size", "search", "sort", "direction"}``
- ``staff_sync_now`` ``{}`` -> ``{"started": bool, "after": id, "run": {...}|null,
  "message", "registrations": {...}?}`` (the counts when the run already finished, as with an
  eager Celery; 409 before the session exists; 503 when no task could be queued)
- ``staff_sync_status`` ``{"after": id}`` -> ``{"run": {...}|null, "registrations": {...}?}``
  (the latest sync run with an id above ``after``; the counts once it finished)
- ``staff_dismiss_alert`` ``{"alert_id": id}`` -> ``{"dismissed": bool, "alerts": [...]}``
- ``staff_retry_zoom`` ``{}`` -> ``{"result": "success", "state": {...}}``: send the session to
  Zoom again (Zoom refused it, or is not answering); 409 before the session exists
"""
import hashlib
import json
import logging
from datetime import timedelta

from django.utils import timezone
from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError

from zoom_xblock import links, platform, problems, wording
from zoom_xblock.conf import get_config
from zoom_xblock.i18n import gettext
from zoom_xblock.rendering import read_static, render_template

# The models (and the modules that use them) are imported in the functions: the XBlock class is
# loaded through its entry point, possibly before Django's apps are ready.

log = logging.getLogger(__name__)

POLL_MILLISECONDS = 1000
STAFF_HANDLERS = ("staff_summary", "staff_report", "staff_sync_now", "staff_sync_status",
                  "staff_dismiss_alert", "staff_retry_zoom")


def running_run(session):
    """A sync pass of the session that is running now (one younger than the lock's lifetime;
    an older "running" row is a pass whose worker died)."""
    from zoom_xblock.models import SyncRun  # pylint: disable=import-outside-toplevel

    recent = timezone.now() - timedelta(seconds=max(60, get_config().lock_timeout_seconds * 5))
    return (SyncRun.objects.filter(session=session, outcome=SyncRun.Outcome.RUNNING,
                                   started_at__gte=recent).order_by("-id").first())


def start_full_sync(session) -> dict:
    """Queue a full reconciliation of the session (unless one is running already).

    ``after`` is the id of the newest sync run before this one: the page polls for the first
    run above it. Raises :class:`JsonHandlerError` 503 when the task could not be queued (the
    intent is recorded, so the periodic sweep syncs the session later).
    """
    from django.db.models import Max  # pylint: disable=import-outside-toplevel

    from zoom_xblock import intents  # pylint: disable=import-outside-toplevel
    from zoom_xblock.models import SyncRun, ZoomSession  # pylint: disable=import-outside-toplevel
    from zoom_xblock.staff import reports  # pylint: disable=import-outside-toplevel

    running = running_run(session)
    if running is not None:
        return {"started": False, "after": running.id - 1,
                "run": reports.run_status(running, session.timezone),
                "message": gettext("A sync is already running; its progress is shown below.")}
    after = SyncRun.objects.filter(session=session).aggregate(last=Max("id"))["last"] or 0
    if not intents.queue_full_sync(session.id, "staff"):
        ZoomSession.objects.filter(id=session.id, sync_requested_at__isnull=True).update(
            sync_requested_at=timezone.now())
        raise JsonHandlerError(503, gettext(
            "The sync could not be started now; the periodic sweep will run it."))
    run = reports.latest_run(session, after)
    answer = {"started": True, "after": after, "run": reports.run_status(run, session.timezone),
              "message": gettext("Sync started.")}
    if run is not None and run.outcome != SyncRun.Outcome.RUNNING:  # it ran in this request
        answer["registrations"] = reports.state_counts(session)
    return answer


def start_button(learner_state, session) -> str:
    """Which start the staff panel offers the organizer: ``"above"`` when the learner area
    already shows Start (one start button on the page), ``"early"`` before Join opens (it asks
    for confirmation), ``""`` when the session is over, cancelled or not in Zoom."""
    from zoom_xblock.learners.learner_status import Phase  # pylint: disable=import-outside-toplevel

    if session is None or learner_state is None or learner_state.viewer != "organizer":
        return ""
    if learner_state.can_join:
        return "above"
    if learner_state.phase == Phase.UPCOMING:
        return "early"
    return ""


def session_json(session) -> dict | None:
    """What the staff view's JSON says about the session itself."""
    if session is None:
        return None
    return {"status": session.status, "status_display": str(session.get_status_display()),
            "live_status": session.live_status, "zoom_id": session.zoom_id,
            "kind": session.kind, "host_email": session.host_email,
            "problem": wording.stored_text(problems.session_problem(session),
                                           session.timezone or "UTC"),
            "zoom_account": session.zoom_account}


def account_line(session, course_key: str) -> dict:
    """Which Zoom account the session uses and why, for staff (who cannot change it)."""
    from zoom_xblock import accounts  # pylint: disable=import-outside-toplevel

    if session is not None and session.zoom_account:
        return {"name": session.zoom_account,
                "why": gettext("The meeting was created under this account.")}
    source = accounts.course_account_source(course_key)
    why = {"course": gettext("Chosen for this course by the site's operators."),
           "organisation": gettext("The account of the course's organisation."),
           "site": gettext("The site's default account.")}[source]
    return {"name": accounts.course_account_name(course_key), "why": why}


class StaffViewMixin:
    """The staff section and its handlers, mixed into the block
    (:class:`zoom_xblock.block.xblock.ZoomXBlock`)."""

    # --- Rendering --------------------------------------------------------------------------

    def add_staff_section(self, fragment: Fragment, context: dict) -> Fragment:
        """Add the health banner (staff and authors) and, in the LMS, the staff panel (staff
        only) to a rendered view. Learners get the fragment back untouched."""
        author = context.get("view") == "author"
        if not (author or context.get("is_staff")):
            return fragment
        banner = self.health_banner(context)
        if banner:
            fragment.content = banner + fragment.content
            if author:
                fragment.add_css(read_static("css/staff.css"))
        if not author:
            section = self.staff_section(context)
            fragment.add_content(section.content)
            fragment.add_fragment_resources(section)
        return fragment

    def health_banner(self, context: dict) -> str:
        """The banner listing what is wrong with the integration (cheap: no Zoom call)."""
        from zoom_xblock.staff import health  # pylint: disable=import-outside-toplevel

        session = context.get("session")
        problems = health.banner_problems(context.get("host_email") or "",
                                          account=session.zoom_account if session else "")
        if not problems:
            return ""
        return render_template("zoom_xblock/staff_banner.html", {"problems": problems})

    def staff_section(self, context: dict) -> Fragment:
        """The staff panel (``templates/zoom_xblock/staff_panel.html``) with its CSS and JS."""
        from zoom_xblock.meeting import authoring  # pylint: disable=import-outside-toplevel
        from zoom_xblock.staff import reports  # pylint: disable=import-outside-toplevel

        usage_key = platform.usage_key_for(self)
        session = context.get("session")
        data = reports.summary(session)
        viewer = context.get("user") or platform.ANONYMOUS
        digest = hashlib.sha1(usage_key.encode(), usedforsecurity=False).hexdigest()
        uid = "zoom-staff-" + digest[:10]  # ids unique on the page, whatever the key holds
        last_run = data.get("last_run")
        report = reports.report_page(session, reports.ReportQuery())
        options = {
            "report": {key: report[key] for key in ("page", "pages", "sort", "direction")},
            "urls": {name: self.runtime.handler_url(self, name) for name in STAFF_HANDLERS},
            "pollMs": POLL_MILLISECONDS,
            "timeZone": viewer.time_zone,  # the LMS preference; the browser's zone otherwise
            "lastRunId": last_run["id"] if last_run else 0,
            "running": bool(last_run and not last_run["finished"]),
        }
        html = render_template("zoom_xblock/staff_panel.html", {
            **data,
            "uid": uid,
            "options_json": json.dumps(options),
            "report": report,
            "sort_columns": [("name", gettext("Name")), ("email", gettext("E-mail")),
                             ("state", gettext("State")),
                             ("registered_at", gettext("Registered at")),
                             ("attended", gettext("Attended minutes"))],
            "join_url": links.join_path(usage_key),
            "csv_url": links.report_csv_path(usage_key),
            "host_email": session.host_email if session else context.get("host_email"),
            "zoom_account": account_line(session, platform.course_key_for(self)),
            "state": authoring.session_state(session),
            "can_retry": True,  # course staff may ask Zoom again (staff_retry_zoom)
            "start": start_button(context.get("learner"), session),
            "learner": context.get("learner"),
        })
        section = Fragment(html)
        section.add_css(read_static("css/staff.css"))
        section.add_javascript(read_static("js/i18n.js"))
        section.add_javascript(read_static("js/http.js"))
        section.add_javascript(read_static("js/staff.js"))
        return section

    # --- Access -----------------------------------------------------------------------------

    def _require_staff(self):
        """The block's session for course staff; 403 for everyone else."""
        from zoom_xblock.meeting import sessions  # pylint: disable=import-outside-toplevel

        if not platform.is_course_staff(platform.current_user(self),
                                        platform.course_key_for(self)):
            raise JsonHandlerError(403, gettext("Only the course's staff can see this."))
        return sessions.session_for(platform.usage_key_for(self))

    # --- Handlers ---------------------------------------------------------------------------

    @XBlock.json_handler
    def staff_summary(self, data, suffix=""):  # pylint: disable=unused-argument
        """Counts by state, attendance, the last sync, open alerts and recordings."""
        from zoom_xblock.staff import reports  # pylint: disable=import-outside-toplevel

        session = self._require_staff()
        summary = reports.summary(session)
        summary["session"] = session_json(session)
        return summary

    @XBlock.json_handler
    def staff_report(self, data, suffix=""):  # pylint: disable=unused-argument
        """One page of the registrant report (search, sort, page from ``data``)."""
        from zoom_xblock.staff import reports  # pylint: disable=import-outside-toplevel

        session = self._require_staff()
        return reports.report_page(session, reports.ReportQuery.from_data(data))

    @XBlock.json_handler
    def staff_sync_now(self, data, suffix=""):  # pylint: disable=unused-argument
        """Start a full reconciliation of the session with Zoom (a Celery task)."""
        session = self._require_staff()
        if session is None:
            raise JsonHandlerError(409, gettext(
                "This session has not been saved yet: there is nothing to sync."))
        return start_full_sync(session)

    @XBlock.json_handler
    def staff_sync_status(self, data, suffix=""):  # pylint: disable=unused-argument
        """The latest sync run above ``data["after"]``: progress, then outcome."""
        from zoom_xblock.models import SyncRun  # pylint: disable=import-outside-toplevel
        from zoom_xblock.staff import reports  # pylint: disable=import-outside-toplevel

        session = self._require_staff()
        after = data.get("after") if isinstance(data, dict) else 0
        after = after if isinstance(after, int) and not isinstance(after, bool) else 0
        run = reports.latest_run(session, after) if session is not None else None
        answer = {"run": reports.run_status(run, session.timezone if session else "UTC")}
        if run is not None and run.outcome != SyncRun.Outcome.RUNNING:
            answer["registrations"] = reports.state_counts(session)
        return answer

    @XBlock.json_handler
    def staff_retry_zoom(self, data, suffix=""):  # pylint: disable=unused-argument
        """Ask Zoom again for the session (Zoom refused it, or is not answering): the same
        values, nothing edited, so course staff may do it from the LMS."""
        from zoom_xblock.meeting import authoring, sessions  # pylint: disable=import-outside-toplevel

        session = self._require_staff()
        if session is None:
            raise JsonHandlerError(409, gettext(
                "This session has not been saved yet: there is nothing to send to Zoom."))
        return {"result": "success",
                "state": authoring.session_state(sessions.ask_zoom_again(session))}

    @XBlock.json_handler
    def staff_dismiss_alert(self, data, suffix=""):  # pylint: disable=unused-argument
        """Resolve one of the session's open alerts."""
        from zoom_xblock.staff import reports  # pylint: disable=import-outside-toplevel

        session = self._require_staff()
        alert_id = data.get("alert_id") if isinstance(data, dict) else None
        if session is None or not isinstance(alert_id, int) or isinstance(alert_id, bool):
            raise JsonHandlerError(400, gettext("Which alert should be dismissed?"))
        dismissed = reports.dismiss_alert(session, alert_id)
        return {"dismissed": dismissed, "alerts": reports.open_alerts(session)}
