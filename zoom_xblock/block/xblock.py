"""The ``zoom`` XBlock: what an author edits in Studio and what a learner sees in the LMS.

The block is thin: it keeps the author's settings in its fields, asks
:mod:`zoom_xblock.meeting.sessions` for the run-time state (the plugin's own models) and renders
templates. It never calls Zoom itself: the Studio editor's validation and organizer check live
in :mod:`zoom_xblock.meeting.authoring`.
"""
import hashlib
import json
from types import SimpleNamespace

from web_fragments.fragment import Fragment
from webob import Response
from xblock.completable import CompletableXBlockMixin
from xblock.core import XBlock
from xblock.exceptions import JsonHandlerError
from xblock.fields import Boolean, Float, Integer, List, Scope, String

from zoom_xblock import platform, rendering, session_values
from zoom_xblock.block.staff_panel import StaffViewMixin
from zoom_xblock.conf import get_config
from zoom_xblock.i18n import gettext_noop as _
from zoom_xblock.rendering import read_static, render_template

# What the author view names when a saved change waits for Publish.
PENDING_LABELS = {
    "kind": _("meeting type"), "title": _("title"), "agenda": _("agenda"), "start": _("start"),
    "duration_minutes": _("duration"), "timezone": _("time zone"), "host_email": _("organizer"),
    "alternative_hosts": _("alternative hosts"), "capacity": _("capacity"),
    "join_window_minutes": _("join window"), "prerequisite": _("prerequisite"),
    "completion_threshold_percent": _("attendance needed"), "weight": _("score weight"),
    "zoom_emails": _("Zoom's e-mails"), "auto_recording": _("recording"),
}


@XBlock.needs("i18n")
@XBlock.wants("user", "studio_user_permissions")
class ZoomXBlock(CompletableXBlockMixin, StaffViewMixin, XBlock):
    """A Zoom meeting or webinar in a unit: join it, see what it needs, get credit for it.

    Completion is the block's own (``has_custom_completion``, from ``CompletableXBlockMixin``):
    attendance decides it, never 5 s on screen (edx-completion ``services.py``
    ``can_mark_block_complete_on_view``) nor a score signal (``handlers.py``
    ``scorable_block_completion``). Its words come from the runtime's ``i18n`` service
    (``XBlock.ugettext``): in the LMS and Studio, ``XBlockI18nService`` reads the catalog the
    package ships (``translations/<locale>/LC_MESSAGES/text.mo``; see :mod:`zoom_xblock.i18n`).
    """

    display_name = String(display_name=_("Display name"), default=_("Zoom session"),
                          scope=Scope.settings)
    kind = String(display_name=_("Meeting type"), default="meeting", scope=Scope.settings,
                  values=[{"value": "meeting", "display_name": _("Meeting")},
                          {"value": "webinar", "display_name": _("Webinar")}])
    title = String(display_name=_("Title"), default="", scope=Scope.settings)
    agenda = String(display_name=_("Agenda"), default="", scope=Scope.settings,
                    multiline_editor=True)
    start_local = String(display_name=_("Start (local date and time)"), default="",
                         scope=Scope.settings,
                         help=_("YYYY-MM-DDTHH:MM in the session's time zone"))
    timezone = String(display_name=_("Time zone"), default="UTC", scope=Scope.settings)
    duration_minutes = Integer(display_name=_("Duration (minutes)"), default=60,
                               scope=Scope.settings)
    host_email = String(display_name=_("Organizer (host) e-mail"), default="",
                        scope=Scope.settings)
    alternative_hosts = List(display_name=_("Alternative hosts"), default=[],
                             scope=Scope.settings)
    capacity = Integer(display_name=_("Capacity"), default=None, scope=Scope.settings,
                       help=_("Leave blank for unlimited"))
    join_window_minutes = Integer(display_name=_("Join opens (minutes before start)"),
                                  default=15, scope=Scope.settings)
    prerequisite_usage_key = String(display_name=_("Prerequisite subsection"), default="",
                                    scope=Scope.settings)
    prerequisite_min_score = Integer(display_name=_("Minimum score in the prerequisite (%)"),
                                     default=0, scope=Scope.settings)
    prerequisite_min_completion = Integer(
        display_name=_("Minimum completion of the prerequisite (%)"), default=0,
        scope=Scope.settings)
    completion_threshold = Integer(display_name=_("Attendance needed for completion (%)"),
                                   default=75, scope=Scope.settings)
    weight = Float(display_name=_("Score weight"), default=None, scope=Scope.settings)
    zoom_emails = Boolean(display_name=_("Zoom's own e-mails to registrants"), default=False,
                          scope=Scope.settings)
    auto_recording = String(display_name=_("Automatic recording"), default="none",
                            scope=Scope.settings,
                            values=[{"value": "none", "display_name": _("None")},
                                    {"value": "cloud", "display_name": _("Cloud")}])

    drift_policy = String(display_name=_("Changes made in Zoom"), default="",
                          scope=Scope.settings,
                          help=_("Blank: the platform's DRIFT_POLICY; or restore, report, adopt"))
    learner_emails_off = List(display_name=_("Learner e-mails turned off for this session"),
                              default=[], scope=Scope.settings)

    has_author_view = True

    @classmethod
    def own_settings(cls) -> tuple[str, ...]:
        """The names of the settings this class declares (not a runtime mixin's)."""
        return tuple(name for name, field in cls.fields.items()
                     if field.scope == Scope.settings and name in vars(ZoomXBlock))

    def settings_json(self) -> dict:
        """This block's own settings that are set, as JSON (what a branch of the course has)."""
        return {name: self.fields[name].read_json(self) for name in self.own_settings()
                if self.fields[name].is_set_on(self)}

    @classmethod
    def settings_digest(cls, fields: dict) -> str:
        """A digest of a block's own settings in ``fields`` (the platform's mixins and
        inherited settings left out): equal digests, nothing to apply."""
        own = {name: fields[name] for name in cls.own_settings() if name in fields}
        text = json.dumps(own, sort_keys=True, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @classmethod
    def field_view(cls, fields: dict) -> SimpleNamespace:
        """The block's settings as ``fields`` (JSON values, e.g. the published branch's) give
        them, with the defaults for the others: what :func:`authoring.initial_values` reads."""
        values = {}
        for name, field in cls.fields.items():
            if field.scope == Scope.settings:
                values[name] = field.from_json(fields[name]) if name in fields else field.default
        return SimpleNamespace(**values)

    @property
    def has_score(self) -> bool:
        """Scored only when the author gave the session a weight. The class attribute is truthy,
        so the grades app keeps ``zoom`` blocks in its structures (``grades/scores.py``
        ``possibly_scored`` reads the class); each block answers for itself."""
        return bool(self.weight)

    @staticmethod
    def workbench_scenarios():
        """The demo's scenarios: a meeting (adopting changes made in Zoom), a webinar, a
        prerequisite, a full session, a session dated in the past (to account for one that
        already took place), a new one whose organizer is still to choose, and two empty
        components in which an author creates a meeting or a webinar from scratch."""
        common = 'host_email="host@example.com" timezone="Europe/Paris" duration_minutes="60"'
        return [
            ("Zoom: a meeting",
             f'<zoom title="Office hours" start_local="2030-01-15T15:00" {common} '
             'agenda="Questions about week 1, answered live." join_window_minutes="15" '
             'drift_policy="adopt"/>'),
            ("Zoom: a webinar",
             f'<zoom kind="webinar" title="Guest lecture" start_local="2030-01-20T18:00" '
             f'{common} agenda="A talk followed by questions." auto_recording="cloud"/>'),
            ("Zoom: with a prerequisite",
             f'<zoom title="Lab review" start_local="2030-01-22T10:00" {common} '
             'prerequisite_usage_key="block-v1:Demo+Zoom+2026+type@sequential+block@week1" '
             'prerequisite_min_score="60"/>'),
            ("Zoom: a full session",
             f'<zoom title="Small-group tutorial" start_local="2030-01-25T09:00" {common} '
             'capacity="2"/>'),
            ("Zoom: a past-dated session",
             f'<zoom title="Workshop held last month" start_local="2026-11-02T10:00" {common} '
             "alternative_hosts='[\"host2@example.com\"]' completion_threshold=\"50\"/>"),
            ("Zoom: a new session (no organizer yet)",
             '<zoom title="Study group" start_local="2030-02-01T17:00" timezone="Europe/Paris" '
             'duration_minutes="45"/>'),
            ("Zoom: a new component (empty)", '<zoom display_name="New Zoom session"/>'),
            ("Zoom: another new component (empty)",
             '<zoom display_name="Another Zoom session"/>'),
        ]

    # --- Views ----------------------------------------------------------------------------------

    def _context(self, view: str) -> dict:
        from zoom_xblock.learners import learner_status  # pylint: disable=import-outside-toplevel

        user = platform.current_user(self)
        course_key = platform.course_key_for(self)
        config = get_config()
        is_staff = platform.is_course_staff(user, course_key)
        # The session with the viewer's place in it, in one query (learners/learner_status.py).
        session = learner_status.session_for_viewer(platform.usage_key_for(self),
                                             user.id if user.is_authenticated else None)
        if session is None and self._adopt_fields_as_session():
            session = learner_status.session_for_viewer(platform.usage_key_for(self),
                                                 user.id if user.is_authenticated else None)
        return {
            "view": view,
            "block": self,
            "title": self.title or self.display_name,
            "agenda": self.agenda,
            "start_utc": session_values.start_utc(self.start_local, self.timezone),
            # Learners see times in their LMS time-zone preference first (the browser's zone
            # only when they have none), the session's own zone in Studio.
            "timezone": session_values.safe_zone(
                user.time_zone if view == "student" and user.time_zone else self.timezone),
            "duration_minutes": self.duration_minutes,
            "host_email": self.host_email,
            "user": user,
            "is_staff": is_staff,
            "config_missing": config.missing_credentials if is_staff else [],
            "configured": config.is_configured,
            "session": session,
        }

    def _fragment(self, template: str, context: dict) -> Fragment:
        fragment = Fragment(render_template(template, context))
        fragment.add_css(read_static("css/zoom.css"))
        rendering.add_catalog(fragment)
        fragment.add_javascript(read_static("js/zoom.js"))
        fragment.initialize_js("ZoomXBlock", {
            "view": context["view"], "language": rendering.language(),
            "time_zone": context["user"].time_zone if context["view"] == "student" else "",
            "status_url": self.runtime.handler_url(self, "learner_status"),
        })
        return fragment

    def _learner_context(self) -> dict:
        from zoom_xblock.learners import learner_status  # pylint: disable=import-outside-toplevel

        view_context = self._context("student")
        view_context["learner"] = learner_status.learner_state(
            view_context["session"], view_context["user"], is_staff=view_context["is_staff"],
            configured=view_context["configured"], usage_key=platform.usage_key_for(self))
        return view_context

    def student_view(self, context=None):  # pylint: disable=unused-argument
        """What a learner (and course staff, with more detail) sees in the LMS: the session in
        the learner's time zone, its state, and Join / See requirements / the waitlist."""
        view_context = self._learner_context()
        fragment = self._fragment("zoom_xblock/student_view.html", view_context)
        return self.add_staff_section(fragment, view_context)  # staff only: block/staff_panel.py

    @XBlock.json_handler
    def learner_status(self, data, suffix=""):  # pylint: disable=unused-argument
        """The viewer's current state, for the view to refresh itself (live, ended, Join open).

        In: ``{}``. Out: ``{"phase", "start", "opens_at", "end", "can_join", "reason",
        "waitlist_position", "html"}``: the same HTML as the view's status part, nothing
        personal to Zoom.
        """
        view_context = self._learner_context()
        html = render_template("zoom_xblock/learner_status.html", view_context)
        return {**view_context["learner"].as_dict(), "html": html}

    def author_view(self, context=None):  # pylint: disable=unused-argument
        """What an author sees in Studio's unit page: the details and the session's state."""
        from zoom_xblock.meeting import authoring  # pylint: disable=import-outside-toplevel

        view_context = self._context("author")
        view_context["state"] = authoring.session_state(view_context["session"])
        view_context["publication"] = self._publication(view_context["session"])
        view_context["can_retry"] = self._can_edit()
        fragment = Fragment(render_template("zoom_xblock/student_view.html", view_context))
        fragment.add_css(read_static("css/zoom.css"))
        fragment.add_css(read_static("css/studio.css"))
        rendering.add_catalog(fragment)
        fragment.add_javascript(read_static("js/zoom.js"))
        fragment.add_javascript(read_static("js/http.js"))
        fragment.add_javascript(read_static("js/studio.js"))
        fragment.initialize_js("ZoomXBlockAuthorView", {"view": "author"})
        return self.add_staff_section(fragment, view_context)  # the health banner for authors

    # --- Studio editor ----------------------------------------------------------------------

    def studio_view(self, context=None):  # pylint: disable=unused-argument
        """The editor in Studio's modal (and at the workbench's ``/studio_view/``)."""
        from zoom_xblock.meeting import authoring, sessions  # pylint: disable=import-outside-toplevel

        usage_key = platform.usage_key_for(self)
        session = sessions.session_for(usage_key)
        editor = self._editor_context(session)
        organizer = self._organizer_default(editor.zoom_account)
        values = authoring.initial_values(self, organizer.email)
        # Ids unique on the page (label for=, aria-describedby), whatever the usage key holds.
        key_hash = hashlib.sha1(usage_key.encode(), usedforsecurity=False).hexdigest()
        html = render_template("zoom_xblock/studio_view.html", {
            **authoring.editor_template_context(values, editor, session),
            "uid": "zoom-" + key_hash[:10],
            "zone_from_browser": not type(self).timezone.is_set_on(self),
            "organizer_note": "" if self.host_email else organizer.note,
        })
        fragment = Fragment(html)
        fragment.add_css(read_static("css/studio.css"))
        rendering.add_catalog(fragment)
        fragment.add_javascript(read_static("js/http.js"))
        fragment.add_javascript(read_static("js/studio.js"))
        fragment.initialize_js("ZoomXBlockStudio", {"kind_locked": bool(editor.locked_kind)})
        return fragment

    @XBlock.json_handler
    def studio_submit(self, data, suffix=""):  # pylint: disable=unused-argument
        """Validate and save the editor's form; see :mod:`zoom_xblock.meeting.authoring`.

        In: the form's fields (``authoring.FORM_FIELDS``; absent ones keep their value).
        Out: ``{"result": "success", "warnings": [...], "state": {...}}``, or HTTP 400 with
        ``{"result": "error", "errors": {field: message}, "message": summary}`` (nothing saved).
        """
        from zoom_xblock.meeting import authoring, sessions  # pylint: disable=import-outside-toplevel

        self._require_author()
        if not isinstance(data, dict):
            raise JsonHandlerError(400, self.ugettext("The editor sent an unreadable form."))
        usage_key, course_key = platform.usage_key_for(self), platform.course_key_for(self)
        editor = self._editor_context(sessions.session_for(usage_key))
        organizer = self._organizer_default(editor.zoom_account)
        initial = authoring.initial_values(self, organizer.email)
        submission = authoring.validate(data, initial, editor)
        if not submission.is_valid:
            return self._invalid(submission.errors)
        try:
            # Studio saves to the draft branch: Zoom and learners wait for Publish.
            session = sessions.record_draft(usage_key, course_key,
                                            authoring.desired_values(submission, editor))
        except sessions.KindChangeRefused:
            return self._invalid({"kind": authoring.kind_locked_message()})
        for name, value in submission.fields.items():
            setattr(self, name, value)
        return {"result": "success", "warnings": submission.warnings,
                "state": authoring.session_state(session),
                "publication": self._publication(session)}

    @XBlock.json_handler
    def retry_zoom(self, data, suffix=""):  # pylint: disable=unused-argument
        """Ask again for the meeting's creation or update in Zoom, after a failure.

        In: ``{}``. Out: ``{"result": "success", "state": {...}}``; 409 when there is no
        session yet (save the editor first).
        """
        from zoom_xblock.meeting import authoring, sessions  # pylint: disable=import-outside-toplevel

        self._require_author()
        session = sessions.session_for(platform.usage_key_for(self))
        if session is None:
            raise JsonHandlerError(409, self.ugettext(
                "This session has not been saved yet: open the editor and save it first."))
        return {"result": "success",
                "state": authoring.session_state(sessions.ask_zoom_again(session))}

    def _adopt_fields_as_session(self) -> bool:
        """A block that arrived with its fields but no session (course re-run, import, an
        older copy) gets its own meeting on first use, never another block's."""
        from zoom_xblock.meeting import authoring, sessions  # pylint: disable=import-outside-toplevel

        if not (get_config().is_configured and self.start_local and self.host_email):
            return False
        editor = self._editor_context(None)
        submission = authoring.validate({}, authoring.initial_values(self), editor,
                                        check_organizer=False)
        if not submission.is_valid:
            return False  # the author will see the problems in the editor
        save = sessions.save_desired
        if getattr(self.runtime, "is_author_mode", False):
            save = sessions.record_draft  # Studio shows the draft branch: not for Zoom yet
        save(platform.usage_key_for(self), platform.course_key_for(self),
             authoring.desired_values(submission, editor))
        return True

    def _publication(self, session) -> dict:
        """Draft or published, for the author: ``{"published": bool, "pending": [labels]}``.

        The block Studio shows is the draft; what Zoom and learners follow is the published
        session. Comparing the two (not trusting the recorded draft) stays right after
        "Discard changes", which reverts the block without any signal."""
        from zoom_xblock.meeting import authoring, sessions  # pylint: disable=import-outside-toplevel

        published = session is not None and not session.never_published
        if published and session.published_hash == self.settings_digest(
                self.settings_json()):
            names = []  # the block is what was published (a change accepted from Zoom aside)
        else:
            editor = self._editor_context(session)
            submission = authoring.validate({}, authoring.initial_values(self), editor,
                                            check_organizer=False)
            names = (sessions.pending_changes(session, authoring.desired_values(
                submission, editor)) if submission.is_valid else list(sessions.DESIRED_FIELDS))
        labels = ([self.ugettext(PENDING_LABELS.get(name, name)) for name in names]
                  if published else [])
        saved_at = session.draft_saved_at if session is not None else None
        return {"published": published, "pending": labels,
                "saved_at": saved_at.isoformat() if saved_at else None}

    def _organizer_default(self, account: str | None):
        """Who a new session's organizer defaults to, and why (see
        :func:`authoring.default_organizer`), among the licensed users of the Zoom account
        ``account`` (the editor context's); asks a worker to look up the unknown people."""
        from zoom_xblock.meeting import authoring, directory  # pylint: disable=import-outside-toplevel

        author = platform.current_user(self)
        if self.host_email:
            return authoring.OrganizerDefault(self.host_email, "")
        instructors = platform.course_instructors(platform.course_key_for(self))
        directory.request_refresh([author.email, *(p.email for p in instructors)], account)
        return authoring.default_organizer(author, instructors, account)

    def _editor_context(self, session):
        from zoom_xblock import accounts  # pylint: disable=import-outside-toplevel
        from zoom_xblock.meeting import authoring, directory  # pylint: disable=import-outside-toplevel

        account = accounts.block_account_name(platform.course_key_for(self), session)
        directory.request_refresh(account=account, plan=True)
        offered, why_not = authoring.webinars_offered(account)
        from zoom_xblock.models import Registration  # pylint: disable=import-outside-toplevel

        registered = 0 if session is None else Registration.objects.filter(
            session=session, state=Registration.State.REGISTERED, wanted=True).count()
        return authoring.EditorContext(
            display_name=self.display_name,
            webinars_enabled=offered,
            webinars_reason=why_not,
            subsections=platform.subsections(platform.course_key_for(self)),
            locked_kind=session.kind if authoring.is_kind_locked(session) else None,
            zoom_account=account,
            registered=registered,
            in_zoom=session is not None and session.in_zoom,
        )

    def _can_edit(self) -> bool:
        """Studio's write permission for this course, and nothing else.

        ``runtime.is_author_mode`` only says "rendered in Studio": Studio sets it for any
        logged-in user (``cms/djangoapps/contentstore/views/preview.py``). The question goes to
        ``studio_user_permissions`` (``can_edit_content``, or the older ``can_write``); the LMS
        has no such service, so nothing is edited there, not even by course staff.
        """
        from opaque_keys.edx.keys import CourseKey  # pylint: disable=import-outside-toplevel

        permissions = self.runtime.service(self, "studio_user_permissions")
        check = getattr(permissions, "can_edit_content", None) or getattr(
            permissions, "can_write", None)
        if check is None:
            return False
        return bool(check(CourseKey.from_string(platform.course_key_for(self))))

    def _require_author(self) -> None:
        if not self._can_edit():
            raise JsonHandlerError(403, self.ugettext(
                "Only the course's staff can edit this session."))

    def _invalid(self, errors: dict) -> Response:
        """HTTP 400 with one message per invalid field, and a summary."""
        message = self.runtime.service(self, "i18n").ngettext(
            "Nothing was saved: correct the field marked below.",
            "Nothing was saved: correct the {count} fields marked below.",
            len(errors)).format(count=len(errors))
        body = {"result": "error", "errors": {k: str(v) for k, v in errors.items()},
                "message": message}
        return Response(json.dumps(body), status=400, content_type="application/json",
                        charset="utf-8")

    # --- Resources --------------------------------------------------------------------------

    @classmethod
    def _open_resource(cls, uri):
        # static/ ships as the package zoom_xblock.static (see setup.py).
        from zoom_xblock.rendering import static_dir  # pylint: disable=import-outside-toplevel

        return (static_dir() / uri.removeprefix("static/")).open("rb")

    public_dir = "static"
