"""The learner's URLs: ``/zoom/join/<usage key>``, ``/zoom/calendar/<usage key>.ics``, and the
calendar feed: its page ``/zoom/feed/course/<course key>`` (and ``.../reset``, POST) and the feed
itself, ``/zoom/feed/<token>.ics`` (no login: the token is the credential, see
:mod:`zoom_xblock.learners.calendars`).

Both need a signed-in user (others are sent to ``settings.LOGIN_URL`` with ``next``). Join is
decided by :mod:`zoom_xblock.learners.joining`; every answer that is not a redirect is a translated
page (never a 500, even when Zoom fails). Responses are ``private, no-store``: a redirect carries a
personal link that no shared cache may keep.
"""
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import HttpResponse, HttpResponseNotFound, HttpResponseRedirect
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zoom_xblock import links, platform
from zoom_xblock.learners import calendars, eligibility, joining, learner_status
from zoom_xblock.models import ZoomSession
from zoom_xblock.rendering import render_template
from zoom_xblock.session_values import safe_zone

log = logging.getLogger(__name__)


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    patch_cache_control(response, private=True)
    response["Referrer-Policy"] = "no-referrer"
    return response


@transaction.non_atomic_requests  # the one Zoom call must not hold a database transaction
@require_http_methods(["GET", "POST"])
def join(request, usage_key: str):
    """Send the person to Zoom as themselves, or explain on a page why not (and what to do).

    Only a POST (the page's button, with Django's CSRF token) registers anyone: a GET never
    changes anything, so a link or an image on another site cannot register a learner.
    """
    user = platform.user_from_request(request)
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    try:
        outcome = joining.decide(
            usage_key, user, register=request.method == "POST",
            open_after_end=request.GET.get(links.OPEN_AFTER_END) == "1")
    except Exception:  # pylint: disable=broad-except
        # Whatever went wrong, the learner gets a page with a retry link, not an error page.
        log.exception("zoom join failed for session %s", usage_key[:200])
        outcome = joining.JoinOutcome(case=joining.Case.ZOOM_UNAVAILABLE)
    if outcome.redirect_to:
        return _private(HttpResponseRedirect(outcome.redirect_to))
    response = _private(join_page(request, outcome))
    # "no-referrer" would make the browser send "Origin: null" with the page's Join button,
    # which Django's CSRF check refuses; Join's own URL carries no secret.
    response["Referrer-Policy"] = "same-origin"
    return response


def join_page(request, outcome: joining.JoinOutcome) -> HttpResponse:
    """The page explaining an outcome of Join, with the HTTP status that fits it."""
    session = outcome.session
    details = outcome.details
    shown = _insider(request, outcome)
    context = {
        "case": outcome.case,
        "session": session if shown else None,
        "title": session.title if shown else "",
        "host_email": session.host_email if shown else "",
        # The learner's LMS time-zone preference first, else the session's zone.
        "timezone": safe_zone(platform.time_zone_preference(platform.user_from_request(request))
                              or (session.timezone if session else "")),
        "requirements": details.get("requirements", []),
        "position": details.get("position"),
        "just_added": details.get("just_added", False),
        "opens_at": details.get("opens_at"),
        "in_zoom": details.get("in_zoom", False),
        "message": details.get("message", ""),
        "own_link_url": (links.open_after_end_path(session.usage_key)
                         if session and details.get("own_link") else ""),
        "recording_url": details.get("recording_url", ""),
        "retry": outcome.case in joining.RETRYABLE,
        "retry_url": request.get_full_path(),
        "enroll_url": (links.enroll_url(session.course_key)
                       if session and outcome.case == eligibility.NOT_ENROLLED else ""),
        "LANGUAGE_CODE": get_language() or "en",
    }
    html = render_template("zoom_xblock/join_page.html", context, request=request)
    response = HttpResponse(html, status=outcome.http_status,
                            content_type="text/html; charset=utf-8")
    if outcome.case in joining.RETRYABLE:
        response["Retry-After"] = "30"
    return response


OUTSIDER_CASES = (joining.Case.NOT_ENROLLED, joining.Case.NO_ACCESS)


def _insider(request, outcome: joining.JoinOutcome) -> bool:
    """Whether the page may name the session and its organizer: only to people of the course
    (enrolled or staff) who may see the block; outsiders learn nothing about it."""
    session = outcome.session
    if session is None or outcome.case in OUTSIDER_CASES:
        return False
    user = platform.user_from_request(request)
    return user.is_authenticated and (platform.is_enrolled(user.id, session.course_key)
                                      or platform.is_course_staff(user, session.course_key))


@require_GET
def calendar(request, usage_key: str):
    """The signed-in learner's .ics file for the session (enrolled learners and staff)."""
    user = platform.user_from_request(request)
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    session = ZoomSession.objects.filter(usage_key=usage_key).first()
    if session is None or session.start is None:
        return _private(join_page(request, joining.JoinOutcome(case=joining.Case.NOT_FOUND)))
    if not (platform.is_enrolled(user.id, session.course_key)
            or platform.is_course_staff(user, session.course_key)
            or learner_status.is_organizer(session, user)):
        outcome = joining.JoinOutcome(case=joining.Case.NOT_ENROLLED, session=session)
        return _private(join_page(request, outcome))
    join_url = request.build_absolute_uri(links.join_path(session.usage_key))
    domain = urlsplit(platform.lms_root_url()).hostname or request.get_host()
    body = calendars.calendar_file(session, user, join_url, domain,
                             waitlist_position=learner_status.waitlist_position(session, user.id))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{calendars.file_name(session)}"'
    return _private(response)


def _domain(request) -> str:
    return urlsplit(platform.lms_root_url()).hostname or request.get_host()


def _feed_url(request, token: str, scheme: str = "") -> str:
    from django.urls import reverse  # pylint: disable=import-outside-toplevel

    url = request.build_absolute_uri(reverse("zoom_xblock:feed", kwargs={"token": token}))
    return "webcal://" + url.split("://", 1)[1] if scheme == "webcal" else url


def _subscriber(request, course_key: str):
    """(the signed-in learner who may subscribe to the course's feed, None), or (None, the
    answer for anyone else: the sign-in page, or the page saying they are not enrolled)."""
    user = platform.user_from_request(request)
    if not user.is_authenticated:
        return None, redirect_to_login(request.get_full_path(), settings.LOGIN_URL)
    if not calendars.may_subscribe(user, course_key):
        return None, _private(join_page(request, joining.JoinOutcome(
            case=joining.Case.NOT_ENROLLED)))
    return user, None


@require_GET
def feed_page(request, course_key: str):
    """The signed-in learner's own feed URL for the course, with a button to reset it."""
    user, refused = _subscriber(request, course_key)
    if refused is not None:
        return refused
    feed = calendars.feed_for(user.id, course_key)
    html = render_template("zoom_xblock/feed_page.html", {
        "feed_url": _feed_url(request, feed.token),
        "webcal_url": _feed_url(request, feed.token, "webcal"),
        "reset_url": request.path.rstrip("/") + "/reset",
        "reset_done": request.GET.get("reset") == "1",
        "count": len(calendars.sessions_of(course_key)),
        "LANGUAGE_CODE": get_language() or "en",
    }, request=request)
    response = _private(HttpResponse(html, content_type="text/html; charset=utf-8"))
    # "no-referrer" would make the browser send "Origin: null" with the reset form, which
    # Django's CSRF check refuses; this page's own URL carries no secret.
    response["Referrer-Policy"] = "same-origin"
    return response


@require_POST
def feed_reset(request, course_key: str):
    """Replace the learner's feed token (CSRF-protected form on the feed page)."""
    user, refused = _subscriber(request, course_key)
    if refused is not None:
        return refused
    calendars.reset(user.id, course_key)
    page = request.path.removesuffix("/reset")
    return _private(HttpResponseRedirect(page + "?reset=1"))


@require_GET
def feed(request, token: str):
    """The calendar feed: every Zoom session of the course, as the learner's events."""
    found = calendars.reader(token)
    if found is None:
        return _private(HttpResponseNotFound("", content_type="text/plain"))
    subscription, user = found
    sessions = calendars.sessions_of(subscription.course_key)
    body = calendars.feed_file(
        subscription.course_key, sessions, user,
        lambda session: request.build_absolute_uri(links.join_path(session.usage_key)),
        _domain(request))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    return _private(response)
