"""Helpers for the learner-side tests (block view, Join, calendar, access walk, browser tests).

A session is scheduled the way an author's save schedules it (``sessions.save_desired`` and the
task after commit, against the local Zoom); learners are registered by the real sync.
"""
from datetime import UTC, datetime, timedelta

import requests
from django.utils import timezone

from tests.standin.models import Subsection, SubsectionProgress
from tests.utils import COURSE, enroll, make_block, make_user
from zoom_xblock import platform
from zoom_xblock.learners import sync
from zoom_xblock.meeting import lifecycle, sessions
from zoom_xblock.models import Registration, ZoomSession

WEEK1 = "block-v1:Demo+Zoom+2026+type@sequential+block@week1"
HOST = "host@example.com"
BLOCK_FIELDS = {"title": "Office hours", "start_local": "2030-01-15T15:00",
                "timezone": "Europe/Paris", "host_email": HOST, "duration_minutes": 60,
                "agenda": "Bring questions", "join_window_minutes": 15}


def session_values(**changes) -> dict:
    """A session's desired values; by default it starts in 10 minutes (Join is open)."""
    values = {"kind": "meeting", "title": "Office hours", "agenda": "Bring questions",
              "start": timezone.now().replace(microsecond=0) + timedelta(minutes=10),
              "duration_minutes": 60, "timezone": "Europe/Paris", "host_email": HOST,
              "join_window_minutes": 15}
    values.update(changes)
    return values


def schedule(usage_key: str, **changes) -> ZoomSession:
    """Save the session as the editor does and create it in the local Zoom (the task's work)."""
    made = sessions.save_desired(usage_key, COURSE, session_values(**changes))
    lifecycle.apply_session(made.id)
    made.refresh_from_db()
    assert made.status == ZoomSession.Status.SCHEDULED, made.last_error
    return made


def block_with_session(viewer=None, **changes):
    """A block and its scheduled session (same usage key)."""
    block = make_block(viewer, **BLOCK_FIELDS)
    session = schedule(platform.usage_key_for(block), **changes)
    return block, session


def learners(*names: str):
    """Enrolled learners."""
    people = [make_user(name) for name in names]
    for person in people:
        enroll(person)
    return people


def register_all(session: ZoomSession) -> dict:
    """One sync pass: every eligible enrolled learner registered (or waitlisted)."""
    return sync.sync_session(session.id, "test")


def registration(session: ZoomSession, user) -> Registration | None:
    """The user's row in the session."""
    return Registration.objects.filter(session=session, user_id=user.id).first()


def week1(course_key: str = COURSE) -> Subsection:
    """The subsection used as a prerequisite."""
    return Subsection.objects.get_or_create(course_key=course_key, usage_key=WEEK1,
                                            defaults={"display_name": "Week 1"})[0]


def prerequisite(min_score: int = 60) -> dict:
    """A session prerequisite on Week 1."""
    week1()
    return {"usage_key": WEEK1, "display_name": "Week 1", "min_score": min_score,
            "min_completion": 0}


def set_score(user, score: float) -> None:
    """The learner's score in Week 1."""
    SubsectionProgress.objects.update_or_create(user=user, usage_key=WEEK1,
                                                defaults={"score_percent": score})


def sandbox_calls(sandbox) -> dict:
    """Zoom API calls the sandbox answered since the last reset, by operation."""
    return requests.get(f"{sandbox.url}/_sandbox/stats", timeout=5).json()["calls"]


def reset_calls(sandbox) -> None:
    """Forget the sandbox's call counts."""
    requests.post(f"{sandbox.url}/_sandbox/stats/reset", timeout=5).raise_for_status()


def set_faults(sandbox, **values) -> None:
    """Fault injection in the sandbox (``fail_next``, ``error_ratio``...)."""
    requests.post(f"{sandbox.url}/_sandbox/faults", json=values, timeout=5).raise_for_status()


def clear_faults(sandbox) -> None:
    """No more injected faults."""
    requests.delete(f"{sandbox.url}/_sandbox/faults", timeout=5).raise_for_status()


def now_utc() -> datetime:
    """Now, in UTC."""
    return datetime.now(UTC)
