"""A learner's private calendar feed of all their Zoom sessions in a course.

iSpring shows its sessions on the platform's calendar; here a learner subscribes their own
calendar to one URL, ``/zoom/feed/<token>.ics``. Calendar apps cannot sign in, so the token is
the credential: 32 random bytes, one per learner and course, shown only to that learner on
their feed page, and replaced (the old URL stops working at once) when they reset it. The feed
is served only while the learner is active and enrolled (or course staff); anything else is
a plain 404 that tells nothing about the token. Reschedules reach the calendar by itself: each
event keeps its UID and raises its SEQUENCE.
"""
import secrets

from django.db import IntegrityError, transaction

from zoom_xblock import platform
from zoom_xblock.models import CalendarFeed, ZoomSession

TOKEN_BYTES = 32
SHOWN_STATUSES = (
    ZoomSession.Status.CREATING, ZoomSession.Status.UPDATING, ZoomSession.Status.SCHEDULED,
    ZoomSession.Status.DEFERRED, ZoomSession.Status.FAILED, ZoomSession.Status.DELETED_IN_ZOOM,
)


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def may_subscribe(user: platform.PlatformUser, course_key: str) -> bool:
    """Enrolled learners and the course's staff have a feed of the course."""
    return user.is_authenticated and (platform.is_enrolled(user.id, course_key)
                                      or platform.is_course_staff(user, course_key))


def feed_for(user_id: int, course_key: str) -> CalendarFeed:
    """The learner's feed of the course, created on first use."""
    feed = CalendarFeed.objects.filter(user_id=user_id, course_key=course_key).first()
    if feed is not None:
        return feed
    try:
        with transaction.atomic():
            return CalendarFeed.objects.create(user_id=user_id, course_key=course_key,
                                               token=_new_token())
    except IntegrityError:  # created meanwhile by another request of the same learner
        return CalendarFeed.objects.get(user_id=user_id, course_key=course_key)


def reset(user_id: int, course_key: str) -> CalendarFeed:
    """Give the feed a new token: the old URL stops working."""
    feed = feed_for(user_id, course_key)
    feed.token = _new_token()
    feed.save(update_fields=["token"])
    return feed


def reader(token: str) -> tuple[CalendarFeed, platform.PlatformUser] | None:
    """The feed and its learner for a token, if the learner may still read it."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.filter(token=token).first()
    if feed is None:
        return None
    user = platform.get_user(feed.user_id)
    if user is None or not may_subscribe(user, feed.course_key):
        return None
    return feed, user


def sessions_of(course_key: str) -> list[ZoomSession]:
    """The course's scheduled sessions (cancelled ones too, so calendars drop them)."""
    return list(ZoomSession.objects.filter(course_key=course_key, status__in=SHOWN_STATUSES,
                                           start__isnull=False).order_by("start", "id"))
