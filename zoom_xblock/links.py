"""The plugin's own URLs, as the block, its pages and its e-mails link to them.

Studio (the CMS) does not install the plugin's URLs; there each path falls back to the one the
LMS serves, which is the same.
"""
from urllib.parse import quote, urlencode

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from zoom_xblock import platform

# Join's query parameter that opens a registrant's own link after the session ended.
OPEN_AFTER_END = "open"


def plugin_path(name: str, usage_key: str, fallback: str) -> str:
    """The plugin's URL ``name`` for a usage key, or ``fallback`` (``{}``: the quoted key) where
    the plugin's URLs are not installed in this process."""
    try:
        return reverse(f"zoom_xblock:{name}", kwargs={"usage_key": usage_key})
    except NoReverseMatch:  # Studio (CMS) has no learner URLs: the LMS path is the same
        return fallback.format(quote(usage_key, safe=":@+"))


def join_path(usage_key: str) -> str:
    """The plugin's Join URL for the block (never a personal Zoom link)."""
    return plugin_path("join", usage_key, "/zoom/join/{}")




def open_after_end_path(usage_key: str) -> str:
    """Join, asked to open the viewer's own link although the session has ended."""
    return f"{join_path(usage_key)}?{urlencode({OPEN_AFTER_END: '1'})}"


def calendar_path(usage_key: str) -> str:
    """The block's calendar file URL (per learner, behind login)."""
    return plugin_path("calendar", usage_key, "/zoom/calendar/{}.ics")


def feed_page_path(course_key: str) -> str:
    """The learner's calendar feed page for the course (behind login)."""
    try:
        return reverse("zoom_xblock:feed_page", kwargs={"course_key": course_key})
    except NoReverseMatch:
        return "/zoom/feed/course/{}".format(quote(course_key, safe=":@+"))


def login_path(next_path: str) -> str:
    """The platform's sign-in page, coming back to ``next_path``."""
    return f"{settings.LOGIN_URL}?{urlencode({'next': next_path})}"


def enroll_url(course_key: str) -> str:
    """Where a visitor enrolls in the course (the LMS's course about page)."""
    return f"{platform.lms_root_url()}/courses/{course_key}/about"


def report_csv_path(usage_key: str) -> str:
    """``/zoom/report/<usage key>.csv``: the registrant report as CSV."""
    return plugin_path("report_csv", usage_key, "/zoom/report/{}.csv")
