"""Workbench pages and handlers served as the logged-in user, plus demo conveniences."""
from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseForbidden, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST
from workbench.scenarios import get_scenarios
from xblock.django.request import django_to_webob_request, webob_to_django_response
from xblock.exceptions import NoSuchUsage

from tests.project import studio
from tests.project.runtime import StudioPreviewRuntime, ZoomWorkbenchRuntime


def _render_scenario(request, runtime, scenario_id, view_name, handler_base):
    scenario = get_scenarios().get(scenario_id)
    if scenario is None:
        raise Http404
    block = runtime.get_block(scenario.usage_id)
    fragment = block.render(view_name, {})
    return render(request, "zoom_workbench/block.html", {
        "scenario": scenario, "scenario_id": scenario_id, "view_name": view_name,
        "body": fragment.body_html(), "head_html": fragment.head_html(),
        "foot_html": fragment.foot_html(), "user": request.user, "handler_base": handler_base,
        "unpublished_changes": studio.has_unpublished_changes(block),
    })


@ensure_csrf_cookie
def show_scenario(request, scenario_id, view_name="student_view"):
    """Render a scenario's block in the LMS (the published branch), with the logged-in user as
    the current user."""
    runtime = ZoomWorkbenchRuntime(request.user, view_as_learner=_viewing_as_learner(request),
                                   branch="published")
    return _render_scenario(request, runtime, scenario_id, view_name, "/handler/")


@ensure_csrf_cookie
@login_required
def preview_scenario(request, scenario_id, view_name="author_view"):
    """Render a scenario's block as Studio's unit page and editor do (any logged-in user; the
    draft branch, with Publish and Discard changes)."""
    return _render_scenario(request, StudioPreviewRuntime(request.user), scenario_id,
                            view_name, "/preview/handler/")


@require_POST
def studio_action(request, scenario_id, action):
    """Demo only: Studio's Publish / Discard changes on the unit holding the scenario's block
    (course staff and global staff, like Studio's write permission)."""
    from zoom_xblock import platform  # pylint: disable=import-outside-toplevel

    scenario = get_scenarios().get(scenario_id)
    if scenario is None or action not in ("publish", "discard"):
        raise Http404
    if not platform.is_course_staff(platform.user_from_request(request),
                                    platform.WORKBENCH_COURSE_KEY):
        return HttpResponseForbidden()
    ZoomWorkbenchRuntime(None).get_block(scenario.usage_id)  # in the outline
    getattr(studio, action)(studio.unit_of(scenario.usage_id))
    return HttpResponseRedirect(f"/preview/{scenario_id}/author_view/")


def handler(request, usage_id, handler_slug, suffix=""):
    """Call a block handler as the logged-in user (the LMS's behaviour, published branch)."""
    runtime = ZoomWorkbenchRuntime(request.user, view_as_learner=_viewing_as_learner(request),
                                   branch="published")
    return _handle(runtime, request, usage_id, handler_slug, suffix)


@login_required
def preview_handler(request, usage_id, handler_slug, suffix=""):
    """Studio's ``preview_handler``: only ``@login_required``; the block checks the rest."""
    return _handle(StudioPreviewRuntime(request.user), request, usage_id, handler_slug, suffix,
                   prefix_parts=3)


def _handle(runtime, request, usage_id, handler_slug, suffix, prefix_parts=2):
    try:
        block = runtime.get_block(usage_id)
    except NoSuchUsage as error:
        raise Http404 from error
    webob_request = django_to_webob_request(request)
    for _part in range(prefix_parts):
        webob_request.path_info_pop()
    return webob_to_django_response(runtime.handle(block, handler_slug, webob_request, suffix))


VIEW_AS = "zoom_workbench_view_as"


def _viewing_as_learner(request) -> bool:
    return request.session.get(VIEW_AS) == "learner"


@require_POST
def view_as(request, role):
    """Staff "View as: Learner / Staff", as the LMS's staff toolbar sets a masquerade in the
    session (lms/djangoapps/courseware/masquerade.py)."""
    if role not in ("learner", "staff"):
        raise Http404
    request.session[VIEW_AS] = role
    return HttpResponseRedirect(request.POST.get("next") or "/")


def index(request):
    """The list of demo scenarios and who can log in."""
    scenarios = sorted(item for item in get_scenarios().items() if item[0].startswith("zoom."))
    users = get_user_model().objects.order_by("id")[:20]
    return render(request, "zoom_workbench/index.html", {"scenarios": scenarios, "users": users})


def login_as(request, username):
    """Demo only: log in as one of the seeded users without a password, then go to ``next``
    if it is a path of this site (anything else, another site included, leads to "/")."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise Http404
    login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
    return HttpResponseRedirect(same_site_path(request.GET.get("next", "")))


def same_site_path(target: str) -> str:
    """``target`` when it is a path on this site (``/scenario/zoom.0/``), else ``/``.

    Django's own check (the one its login view uses) refuses other hosts and schemes, and a
    relative path is required on top: no ``//evil.example``, no ``https://...`` at all."""
    if (target.startswith("/") and not target.startswith(("//", "/\\"))
            and url_has_allowed_host_and_scheme(target, allowed_hosts=set())):
        return target
    return "/"


def subsection(request, usage_key):
    """Where a "See requirements" link leads in the workbench: the subsection, the learner's
    result in it, and (demo only) a form to record a result, as passing a quiz would."""
    from tests.standin import actions
    from tests.standin.models import Subsection, SubsectionProgress

    found = Subsection.objects.filter(usage_key=usage_key).first()
    if found is None:
        raise Http404
    if request.method == "POST" and request.user.is_authenticated:
        try:
            score = min(100.0, max(0.0, float(request.POST.get("score", ""))))
        except ValueError:
            score = None
        if score is not None:
            actions.record_progress(request.user, usage_key, score)
            return HttpResponseRedirect(request.path)
    progress = None
    if request.user.is_authenticated:
        progress = SubsectionProgress.objects.filter(user=request.user,
                                                     usage_key=usage_key).first()
    return render(request, "zoom_workbench/subsection.html",
                  {"subsection": found, "progress": progress, "user": request.user})
