"""Staff view benchmarks (issue: staff view and operator tooling).

- ``report``: the registrant report with 10,000 registrants: the number of queries of one page
  (handler) and of the panel's render, compared with 100 registrants (they must be equal: no
  per-row query), and the time to answer one page (searched and sorted) and to render the panel.
- ``csv``: the CSV export of 10,000 registrants through the real URL, as course staff: the peak
  memory growth (``tracemalloc``) while the streaming response is consumed, beside what holding
  the same rows in a list costs.
"""
from __future__ import annotations

import argparse
import statistics
import time

from . import django_env
from .core import Result, ms, percentile

SMALL = 100
LARGE = 10_000
SAMPLES = 30
MEMORY_TARGET_MB = 20


def run() -> list[Result]:
    """Both benchmarks, each in its own process."""
    return django_env.stack_rows("tests.bench.staff", ["report", "csv"],
                                 lambda name: f"staff: {name}")


# --- child side -------------------------------------------------------------------------------

def _staff_and_block():
    from tests.utils import make_block, make_user
    from zoom_xblock import platform
    from zoom_xblock.models import ZoomSession

    staff = make_user("teacher", course_role="staff")
    block = make_block(staff, title="Benchmark", host_email="host@example.com",
                       start_local="2030-01-15T14:00")
    session = ZoomSession.objects.create(
        usage_key=platform.usage_key_for(block), course_key=platform.course_key_for(block),
        title="Benchmark", host_email="host@example.com", status="scheduled", zoom_id=1)
    return staff, block, session


def _registrants(session, count: int, offset: int = 0) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from zoom_xblock.models import Registration

    states = ["registered"] * 6 + ["pending", "waitlisted", "cancelled", "failed"]
    now = timezone.now()
    Registration.objects.bulk_create([
        Registration(session=session, user_id=offset + n, email=f"learner{offset + n}@example.com",
                     first_name=f"Learner{(offset + n) * 7919 % LARGE}", last_name=str(offset + n),
                     state=states[n % len(states)], attended_seconds=(n * 37) % 3600,
                     registered_at=now - timedelta(minutes=n),
                     last_error="Zoom refused this learner" if n % 10 == 9 else "")
        for n in range(count)], batch_size=1000)


def _queries(call) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def report() -> list[Result]:
    """Queries per page at 100 and 10,000 registrants; the time of a page and of the render."""
    from tests.utils import call_handler, render

    _staff, block, session = _staff_and_block()
    page = {"search": "learner", "sort": "name", "direction": "desc", "page": 7}
    render(block)  # the runtime's one-time lookups
    _registrants(session, SMALL)
    small = (_queries(lambda: call_handler(block, "staff_report", page)),
             _queries(lambda: render(block)))
    _registrants(session, LARGE - SMALL, offset=SMALL)
    large = (_queries(lambda: call_handler(block, "staff_report", page)),
             _queries(lambda: render(block)))
    status, body = call_handler(block, "staff_report", page)
    assert status == 200 and body["total"] == LARGE, body
    timings = {}
    for sort in ("name", "email", "state", "registered_at", "attended"):
        for direction in ("asc", "desc"):
            for _ in range(SAMPLES // 10):
                started = time.perf_counter()
                call_handler(block, "staff_report", {**page, "sort": sort,
                                                     "direction": direction})
                timings.setdefault("page", []).append(time.perf_counter() - started)
    for _ in range(SAMPLES // 3):
        started = time.perf_counter()
        call_handler(block, "staff_report", {"search": "learner77", "sort": "attended"})
        timings.setdefault("search", []).append(time.perf_counter() - started)
    for _ in range(SAMPLES // 3):
        started = time.perf_counter()
        render(block)
        timings.setdefault("render", []).append(time.perf_counter() - started)
    page_p50 = statistics.median(timings["page"])
    return [
        Result("staff: queries per report page", f"{small[0]} at {SMALL:,}, {large[0]} at "
               f"{LARGE:,}", "equal (no per-row query)", small[0] == large[0],
               "staff_report handler (search + sort + page 7 of 25 rows), all queries of the "
               "request including the runtime's"),
        Result("staff: queries to render the panel", f"{small[1]} at {SMALL:,}, {large[1]} at "
               f"{LARGE:,}", "equal", small[1] == large[1],
               "student_view as course staff: counts, attendance, last sync, alerts, "
               "recordings, first report page"),
        Result("staff: one report page, 10,000 registrants",
               f"p50 {ms(page_p50)}, p95 {ms(percentile(timings['page'], 0.95))}", "< 100 ms",
               page_p50 < 0.1, f"{django_env.stack_label()}; each sort column both ways, "
               "search 'learner', page 7"),
        Result("staff: search, 10,000 registrants",
               f"p50 {ms(statistics.median(timings['search']))}", "< 100 ms",
               statistics.median(timings["search"]) < 0.1, "search 'learner77', sorted by "
               "attended minutes"),
        Result("staff: render the panel, 10,000 registrants",
               f"p50 {ms(statistics.median(timings['render']))}", "< 250 ms",
               statistics.median(timings["render"]) < 0.25,
               "the whole student_view for staff (learner view + staff section)"),
    ]


def csv() -> list[Result]:
    """Peak memory growth while streaming the CSV of 10,000 registrants."""
    import tracemalloc

    from django.test import Client
    from django.urls import reverse

    from zoom_xblock.models import Registration
    from zoom_xblock.staff import reports

    staff, _block, session = _staff_and_block()
    _registrants(session, LARGE)
    client = Client()
    client.force_login(staff)
    url = reverse("zoom_xblock:report_csv", kwargs={"usage_key": session.usage_key})
    list(client.get(url).streaming_content)  # warm imports, templates and caches

    tracemalloc.start()
    started = time.perf_counter()
    response = client.get(url)
    size = rows = 0
    for chunk in response.streaming_content:
        size += len(chunk)
        rows += chunk.count(b"\n")
    elapsed = time.perf_counter() - started
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    tracemalloc.start()
    held = [reports.csv_header(), *Registration.objects.filter(session=session).values_list(
        "first_name", "last_name", "email", "state", "registered_at", "attended_seconds",
        "completed_at")]
    _current, naive_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del held
    peak_mb, naive_mb = peak / 2**20, naive_peak / 2**20
    return [
        Result("staff: CSV export of 10,000 registrants, peak memory growth",
               f"{peak_mb:.1f} MB", f"< {MEMORY_TARGET_MB} MB", peak_mb < MEMORY_TARGET_MB
               and rows == LARGE + 1,
               f"tracemalloc while consuming the streaming response through the URL as staff; "
               f"{rows:,} lines, {size / 2**20:.1f} MB of CSV in {elapsed:.2f} s; "
               f"keyset chunks of {reports.CSV_CHUNK}"),
        Result("staff: the same rows held in a list (others)", f"{naive_mb:.1f} MB", "baseline",
               None, "values_list() of all rows materialised at once, before writing any CSV"),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=["report", "csv"], required=True)
    parser.add_argument("--stack", choices=django_env.STACKS, default="sqlite")
    options = parser.parse_args()
    name = options.child
    django_env.start(f"bench-staff-{name}", options.stack)
    django_env.emit(report() if name == "report" else csv())
