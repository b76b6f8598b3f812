"""The ``zoom`` XBlock: what an author edits in Studio and what a learner sees in the LMS.

The block is thin: it keeps the author's settings in its fields, asks :mod:`zoom_xblock.sessions`
for the run-time state (the plugin's own models) and renders templates. It never calls Zoom.
"""
import json

from web_fragments.fragment import Fragment
from xblock.core import XBlock
from xblock.fields import Boolean, Float, Integer, List, Scope, String

from zoom_xblock import platform
from zoom_xblock.conf import get_config
from zoom_xblock.i18n import gettext_noop as _
from zoom_xblock.resources import read_static, render_template


@XBlock.wants("user", "i18n", "settings", "completion")
class ZoomXBlock(XBlock):
    """A Zoom meeting or webinar in a unit: join it, see what it needs, get credit for it."""

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

    has_author_view = True

    @staticmethod
    def workbench_scenarios():
        """The demo's scenarios: a meeting, a webinar, a prerequisite, a full session."""
        common = 'host_email="host@example.com" timezone="Europe/Paris" duration_minutes="60"'
        return [
            ("Zoom: a meeting",
             f'<zoom title="Office hours" start_local="2030-01-15T15:00" {common} '
             'agenda="Questions about week 1, answered live." join_window_minutes="15"/>'),
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
        ]

    # --- Views ----------------------------------------------------------------------------------

    def _context(self, view: str) -> dict:
        from zoom_xblock import sessions  # pylint: disable=import-outside-toplevel

        user = platform.current_user(self)
        course_key = platform.course_key_for(self)
        config = get_config()
        is_staff = platform.is_course_staff(user, course_key)
        session = sessions.session_for(platform.usage_key_for(self))
        return {
            "view": view,
            "block": self,
            "title": self.title or self.display_name,
            "agenda": self.agenda,
            "start_utc": sessions.start_utc(self.start_local, self.timezone),
            "timezone": self.timezone,
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
        fragment.add_javascript(read_static("js/zoom.js"))
        fragment.initialize_js("ZoomXBlock", {"view": context["view"]})
        return fragment

    def student_view(self, context=None):  # pylint: disable=unused-argument
        """What a learner (and course staff, with more detail) sees in the LMS."""
        return self._fragment("zoom_xblock/student_view.html", self._context("student"))

    def author_view(self, context=None):  # pylint: disable=unused-argument
        """What an author sees in Studio's unit page."""
        return self._fragment("zoom_xblock/student_view.html", self._context("author"))

    # --- Resources --------------------------------------------------------------------------

    @classmethod
    def _open_resource(cls, uri):
        # static/ ships as the package zoom_xblock.static (see setup.py).
        from zoom_xblock.resources import static_dir  # pylint: disable=import-outside-toplevel

        return (static_dir() / uri.removeprefix("static/")).open("rb")

    public_dir = "static"

    def json_context(self) -> str:
        """Settings the JavaScript needs (never a secret)."""
        return json.dumps({"kind": self.kind})
