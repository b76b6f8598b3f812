"""Helpers shared by the tests: build a block, render it, call a handler, make people.

Enrolling goes through the stand-in platform, which sends the real openedx-events signals, so
the plugin's receivers (connected by edx-django-utils) run exactly as in the LMS.
"""
import json
from xml.sax.saxutils import quoteattr

import webob
from django.contrib.auth import get_user_model

from tests.project.runtime import StudioPreviewRuntime, ZoomWorkbenchRuntime
from tests.standin import actions as standin
from tests.standin.models import CourseRole
from zoom_xblock.platform import WORKBENCH_COURSE_KEY

COURSE = WORKBENCH_COURSE_KEY
SANDBOX_CREDENTIALS = {
    "ACCOUNT_ID": "sandbox-account",
    "CLIENT_ID": "sandbox-client",
    "CLIENT_SECRET": "sandbox-secret",
    "WEBHOOK_SECRET_TOKEN": "sandbox-webhook-secret",
}


def make_user(username: str, *, email: str | None = None, staff: bool = False,
              course_role: str | None = None, first_name: str = "", last_name: str = ""):
    """A Django user; ``course_role`` ("staff" or "instructor") gives a role in COURSE."""
    user = get_user_model().objects.create_user(
        username=username, email=email or f"{username}@example.com", password="password",
        is_staff=staff, first_name=first_name or username.title(), last_name=last_name,
    )
    if course_role:
        CourseRole.objects.create(user=user, course_key=COURSE, role=course_role)
    return user


def enroll(user, course_key: str = COURSE, mode: str = "audit"):
    """Enroll through the platform stand-in (sends the real openedx-events signals)."""
    return standin.enroll(user, course_key, mode)


def unenroll(user, course_key: str = COURSE):
    """Unenroll through the platform stand-in (sends the real openedx-events signals)."""
    standin.unenroll(user, course_key)


def _runtime(user, studio: bool):
    return (StudioPreviewRuntime if studio else ZoomWorkbenchRuntime)(user)


def make_block(user=None, *, studio: bool = False, **fields):
    """A ``zoom`` block with ``fields`` (strings, numbers, lists), seen by ``user`` in the LMS,
    or, ``studio``, in Studio's preview (where authors edit it)."""
    runtime = _runtime(user, studio)
    attributes = " ".join(
        f"{name}={quoteattr(json.dumps(value) if isinstance(value, list) else str(value))}"
        for name, value in fields.items()
    )
    usage_id = runtime.parse_xml_string(f"<zoom {attributes}/>")
    return runtime.get_block(usage_id)


def as_user(block, user, *, studio: bool = False):
    """The same block, seen by another user (in the LMS, or ``studio``, in Studio)."""
    return _runtime(user, studio).get_block(block.scope_ids.usage_id)


def render(block, view: str = "student_view") -> str:
    """The HTML of a view of the block."""
    return block.render(view, {}).body_html()


def call_handler(block, name: str, data=None, method: str = "POST"):
    """Call a JSON handler; returns (status code, decoded JSON or text)."""
    request = webob.Request.blank("/", method=method)
    if data is not None:
        request.body = json.dumps(data).encode("utf-8")
        request.content_type = "application/json"
    response = block.runtime.handle(block, name, request)
    try:
        return response.status_code, json.loads(response.body)
    except ValueError:
        return response.status_code, response.body.decode("utf-8")
