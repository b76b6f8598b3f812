"""Learner-side benchmarks (issue: the block in the LMS, Join, calendar).

- ``render``: the block's learner view with 10 and with 5,000 registrants: the plugin's database
  queries (target <= 3, whatever the number of registrants) and the median render time, for a
  registered learner and for the last learner on the waitlist (whose position is computed).
- ``join``: Join for a registered learner through Django's test client, in-process: queries for
  the whole request (session and user included; target <= 6), Zoom calls (target 0: the client
  factory is replaced by a counter), and the median time (target < 20 ms).

Registrations are written straight to the database (rendering and a registered learner's Join
never call Zoom, so no sandbox is needed). The workbench keeps block fields in its own table,
which the LMS does not have: those queries are left out of the render count.
"""
from __future__ import annotations

import argparse
import statistics
import time
from datetime import timedelta

from . import django_env
from .core import Result, ms, percentile

SIZES = (10, 5000)
RENDERS = 100
JOINS = 300
WORKBENCH_FIELD_TABLE = "workbench_xblockstate"


def run() -> list[Result]:
    """Both benchmarks, each in its own process."""
    return django_env.stack_rows("tests.bench.learner", ["render", "join"],
                                 lambda name: f"learner: {name}")


# --- child side -------------------------------------------------------------------------------

def _configure():
    from django.conf import settings

    settings.ZOOM_XBLOCK = {"ACCOUNT_ID": "bench", "CLIENT_ID": "bench",
                            "CLIENT_SECRET": "bench", "OAUTH_URL": "http://127.0.0.1:9/oauth"}


def _session(usage_key: str, registrants: int, capacity: int | None):
    """A scheduled session (Join open) with ``registrants`` enrolled learners in it."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from tests.standin.models import Enrollment
    from zoom_xblock.models import Registration, ZoomSession
    from zoom_xblock.platform import WORKBENCH_COURSE_KEY

    now = timezone.now()
    session = ZoomSession.objects.create(
        usage_key=usage_key, course_key=WORKBENCH_COURSE_KEY, title="Benchmark",
        start=now + timedelta(minutes=5), duration_minutes=60, timezone="Europe/Paris",
        host_email="host@example.com", capacity=capacity, zoom_id=81234567890 + registrants,
        status=ZoomSession.Status.SCHEDULED)
    prefix = f"u{registrants}-"
    users = get_user_model().objects
    users.bulk_create([users.model(username=f"{prefix}{n}", email=f"{prefix}{n}@example.com",
                                   first_name="Learner", last_name=str(n))
                       for n in range(registrants)], batch_size=1000)
    people = list(users.filter(username__startswith=prefix).order_by("id"))
    Enrollment.objects.bulk_create([Enrollment(user=person, course_key=WORKBENCH_COURSE_KEY)
                                    for person in people], batch_size=1000)
    seats = capacity or registrants
    rows = []
    for index, person in enumerate(people):
        seated = index < seats
        rows.append(Registration(
            session=session, user_id=person.id, email=person.email, first_name="Learner",
            last_name=str(index), wanted=True, eligible=True,
            state=Registration.State.REGISTERED if seated else Registration.State.WAITLISTED,
            waitlisted_at=None if seated else now + timedelta(seconds=index),
            registrant_id=f"reg{registrants}x{index}",
            join_url=f"https://zoom.example/w/{session.zoom_id}?tk=token{index}",
            registered_at=now if seated else None))
    Registration.objects.bulk_create(rows, batch_size=1000)
    return session, people


def _render_case(block_for, person) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    block = block_for(person)
    html = block.render("student_view", {}).body_html()  # warm the workbench's field cache
    assert "/zoom/join/" in html or "waitlist" in html, html[:500]
    with CaptureQueriesContext(connection) as queries:
        block.render("student_view", {})
    count = sum(1 for q in queries.captured_queries if WORKBENCH_FIELD_TABLE not in q["sql"])
    timings = []
    for _ in range(RENDERS):
        started = time.perf_counter()
        block.render("student_view", {})
        timings.append(time.perf_counter() - started)
    return count, statistics.median(timings)


def render() -> list[Result]:
    """Queries and time to render the learner view, with few and with many registrants."""
    from tests.utils import as_user, make_block
    from zoom_xblock import platform

    _configure()
    rows = []
    for size in SIZES:
        block = make_block(None, title="Benchmark", start_local="2030-01-15T15:00",
                           timezone="Europe/Paris", host_email="host@example.com")
        capacity = size - max(1, size // 5)  # a fifth of them wait
        _session(platform.usage_key_for(block), size, capacity)
        from django.contrib.auth import get_user_model

        people = list(get_user_model().objects.filter(username__startswith=f"u{size}-")
                      .order_by("id"))
        for label, person in (("registered learner", people[0]),
                              ("last on the waitlist", people[-1])):
            queries, median = _render_case(lambda user, b=block: as_user(b, user), person)
            rows.append(Result(
                f"learner view: queries, {size:,} registrants ({label})", str(queries), "<= 3",
                queries <= 3,
                f"{django_env.stack_label()}; plugin queries (workbench field storage "
                f"excluded); median render "
                f"{ms(median)} over {RENDERS}"))
    return rows


def join() -> list[Result]:
    """Join for a registered learner: queries, Zoom calls, median time (in-process)."""
    from unittest import mock

    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from zoom_xblock.models import Registration

    _configure()
    usage_key = "block-v1:Bench+Zoom+2026+type@zoom+block@join"
    session, people = _session(usage_key, 5000, None)
    learner = people[2500]
    client = Client()
    client.force_login(learner)
    url = reverse("zoom_xblock:join", kwargs={"usage_key": usage_key})
    own = Registration.objects.get(session=session, user_id=learner.id).join_url
    zoom_calls = []

    def no_zoom(*args, **kwargs):
        zoom_calls.append(args)
        raise AssertionError("Join called Zoom for a registered learner")

    with mock.patch("zoom_xblock.learners.joining.get_client", side_effect=no_zoom):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"] == own
        statements = []  # (the test client's request_started signal empties queries_log)

        def count(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            client.get(url)
        timings = []
        for _ in range(JOINS):
            started = time.perf_counter()
            response = client.get(url)
            timings.append(time.perf_counter() - started)
            assert response.status_code == 302
    median, p95 = statistics.median(timings), percentile(timings, 0.95)
    conditions = (f"Django test client in-process, {django_env.stack_label()}, 5,000 "
                  f"registrants, {JOINS} requests; "
                  f"p95 {ms(p95)}")
    plugin = [sql for sql in statements if "zoom_xblock_" in sql]
    django = statements[:2]  # the session and its user (django.contrib.sessions and auth)
    assert "django_session" in django[0] and "auth_user" in django[1], django
    platform = [sql for sql in statements[2:] if sql not in plugin]
    return [
        Result("join (registered): the plugin's queries", str(len(plugin)), "<= 3",
               len(plugin) <= 3,
               f"the plugin's tables only; the whole request made {len(statements)}: Django's "
               f"session and user, {len(platform)} of the platform door (enrollment, course "
               "roles, course and block access: what the LMS checks before any Join, "
               "answered here by the stand-in backend)"),
        Result("join (registered): Zoom calls", str(len(zoom_calls)), "0", not zoom_calls,
               "the client factory is replaced by a counter that fails"),
        Result("join (registered): median time", ms(median), "< 20 ms", median < 0.020,
               conditions),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=["render", "join"], required=True)
    parser.add_argument("--stack", choices=django_env.STACKS, default="sqlite")
    options = parser.parse_args()
    name = options.child
    django_env.start(f"bench-learner-{name}", options.stack)
    django_env.emit(render() if name == "render" else join())
