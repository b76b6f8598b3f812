"""Webhook intake benchmark (issue: webhooks and attendance).

Signed ``meeting.participant_joined`` events, all different, posted one after another to
``/zoom/webhook/meeting`` by calling the workbench's WSGI handler in-process (Django's whole
request path and middleware; a persistent database connection, as a server keeps one), on the
default-tier settings with a fresh SQLite file. Celery is not eager: the apply task is queued
on the in-memory broker and never runs here, so the figures are the endpoint's own cost: read,
size and content checks, signature, JSON, one INSERT, commit, and the debounced enqueue. A
worker is simulated by clearing the "apply task queued" mark every ``BATCH`` events, so a task
is queued for every ``BATCH`` events, as when a worker keeps up. Signing happens before the
clock starts (Zoom does it, not us).

Two runs: SQLite in WAL mode with ``synchronous=NORMAL`` (commits do not wait for the disk:
the endpoint's own cost, which the targets apply to), and SQLite's default rollback journal,
which flushes to disk on every commit (a baseline: the disk's cost, not the endpoint's).

Targets: >= 1,000 events accepted per second by one process; 99th percentile of the
acknowledgement time < 50 ms.
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import threading
import time

from . import django_env
from .core import Result, ms, percentile

EVENTS = 5000
WARMUP = 300
BATCH = 50
SECRET = "bench-webhook-secret"
THROUGHPUT_TARGET = 1000
P99_TARGET = 0.050
THREADS = 8
JOURNALS = ("wal", "rollback", "mariadb", "mariadb-threads")


def run() -> list[Result]:
    """Both SQLite runs, each in its own process on its own database file, then the same
    intake on MariaDB + Redis (the production stack), where the targets apply too."""
    wal = django_env.run_child("tests.bench.webhooks", "wal")
    rollback = django_env.run_child("tests.bench.webhooks", "rollback")
    missing = django_env.mariadb_missing()
    if missing:
        return wal + rollback + [Result(f"webhooks: events accepted per second "
                                        f"[{django_env.MARIADB_LABEL}]", "-",
                                        f">= {THROUGHPUT_TARGET:,}/s", None,
                                        "needs MariaDB and Redis", status=f"skipped ({missing})")]
    mariadb = (django_env.run_child("tests.bench.webhooks", "mariadb-threads", "mariadb")
               + django_env.run_child("tests.bench.webhooks", "mariadb", "mariadb"))
    for row in mariadb:
        row.name = f"{row.name} [{django_env.MARIADB_LABEL}]"
    return wal + rollback + mariadb


# --- child side -------------------------------------------------------------------------------

def _signed_events(count: int, offset: int) -> list[tuple[bytes, dict]]:
    from zoom_xblock.zoom.webhooks import signature_headers

    now_ms = int(time.time() * 1000)
    signed = []
    for number in range(offset, offset + count):
        body = json.dumps({
            "event": "meeting.participant_joined", "event_ts": now_ms + number,
            "payload": {"account_id": "bench", "object": {
                "id": "81234567890", "uuid": "bench-instance==", "host_id": "h",
                "topic": "Benchmark", "type": 2, "start_time": "2030-01-15T14:00:00Z",
                "timezone": "UTC", "duration": 60,
                "participant": {
                    "user_id": str(16778240 + number), "user_name": f"Learner {number}",
                    "id": "", "participant_uuid": f"uuid-{number}",
                    "email": f"learner{number}@example.com", "registrant_id": f"reg-{number}",
                    "join_time": "2030-01-15T14:00:05Z"}}},
        }, separators=(",", ":")).encode("utf-8")
        environ = {"CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json"}
        for name, value in signature_headers(SECRET, body).items():
            if name != "Content-Type":
                environ["HTTP_" + name.upper().replace("-", "_")] = value
        signed.append((body, environ))
    return signed


class InProcessServer:
    """Calls Django's WSGI handler the way a WSGI server would, keeping the DB connection."""

    def __init__(self):
        from django.core import signals
        from django.core.handlers.wsgi import WSGIHandler
        from django.db import close_old_connections

        # A server with persistent connections (CONN_MAX_AGE) does not reconnect per request.
        signals.request_started.disconnect(close_old_connections)
        signals.request_finished.disconnect(close_old_connections)
        self.handler = WSGIHandler()

    def post(self, path: str, body: bytes, environ: dict) -> str:
        statuses = []
        request = {
            "REQUEST_METHOD": "POST", "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "80", "HTTP_HOST": "127.0.0.1",
            "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
            "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
            **environ,
        }
        response = self.handler(request, lambda status, headers, exc=None: statuses.append(
            status))
        b"".join(response)
        response.close()
        return statuses[0]


def intake(journal: str) -> list[Result]:
    """Post the events one by one; throughput and acknowledgement-time percentiles."""
    from django.conf import settings
    from django.db import connection

    from zoom_xblock import tasks
    from zoom_xblock.models import WebhookEvent
    from zoom_xblock.webhooks import intake, zoom_events

    settings.ZOOM_XBLOCK = {"WEBHOOK_SECRET_TOKEN": SECRET}
    settings.DEBUG = False  # as in production: Django keeps no log of every query
    batch_sizes = []
    write_batch = intake.INTAKE._write_batch

    def counting_write(rows):
        batch_sizes.append(len(rows))
        return write_batch(rows)

    intake.INTAKE._write_batch = counting_write
    if journal == "wal":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
    queued = []
    send = tasks.apply_webhooks.apply_async

    def counting_send(*args, **kwargs):
        queued.append(1)
        return send(*args, **kwargs)

    tasks.apply_webhooks.apply_async = counting_send
    server = InProcessServer()
    path = "/zoom/webhook/meeting"
    for body, environ in _signed_events(WARMUP, 10**6):
        server.post(path, body, environ)
    signed = _signed_events(EVENTS, 0)
    queued.clear()
    batch_sizes.clear()
    threads = THREADS if journal.endswith("threads") else 1
    timings, refused, posted, lock = [], [], [0], threading.Lock()

    def post_share(share):
        for body, environ in share:
            with lock:
                if posted[0] % BATCH == 0:
                    zoom_events.clear_apply_mark()  # a worker starts the task
                posted[0] += 1
            begin = time.perf_counter()
            status = server.post(path, body, environ)
            elapsed = time.perf_counter() - begin
            with lock:
                timings.append(elapsed)
                refused.append(not status.startswith("200"))

    began, cpu_began = time.perf_counter(), time.process_time()
    workers = [threading.Thread(target=post_share, args=(signed[n::threads],))
               for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    wall = time.perf_counter() - began
    cpu_per_event = (time.process_time() - cpu_began) / EVENTS
    refused = sum(refused)
    elapsed = sum(timings) if threads == 1 else wall
    stored = WebhookEvent.objects.filter(status=WebhookEvent.Status.RECEIVED).count() - WARMUP
    per_second = EVENTS / elapsed
    p50, p99 = percentile(timings, 0.50), percentile(timings, 0.99)
    if journal == "wal":
        database = "SQLite WAL, synchronous=NORMAL (commit not waiting on the disk)"
    elif journal.startswith("mariadb"):
        database = django_env.stack_label()
    else:
        database = "SQLite rollback journal (default): every commit flushed to disk"
    arrival = ("sequential" if threads == 1 else
               f"{threads} concurrent requests (a server's {threads} threads)")
    commits = ("one commit per event" if threads == 1 else
               f"group commit: {len(batch_sizes)} commits, {EVENTS / len(batch_sizes):.1f} "
               f"events per commit on average")
    conditions = (f"{EVENTS} signed participant_joined events, {arrival}, one process, "
                  f"Django WSGI handler in-process; {database}; {commits}; Celery "
                  f"eager={settings.CELERY_TASK_ALWAYS_EAGER}, apply task queued "
                  f"{len(queued)} times on {settings.BROKER_URL} (a worker starting "
                  f"every {BATCH} events), never run; DEBUG={settings.DEBUG}")
    label = {"rollback": " (disk-bound baseline)",
             "mariadb": " (sequential, one commit each: baseline)"}.get(journal, "")
    gated = journal in ("wal", "mariadb-threads")
    ok = stored == EVENTS and refused == 0
    return [
        Result(f"webhooks: events accepted per second{label}", f"{per_second:,.0f}/s",
               f">= {THROUGHPUT_TARGET:,}/s" if gated else "",
               (per_second >= THROUGHPUT_TARGET and ok) if gated else None,
               f"{stored} stored, {refused} refused; {conditions}; this process's CPU "
               f"{cpu_per_event * 1000:.2f} ms per event"),
        Result(f"webhooks: acknowledgement time p99{label}", ms(p99),
               f"< {ms(P99_TARGET)}" if gated else "",
               (p99 < P99_TARGET) if gated else None,
               f"p50 {ms(p50)}, max {ms(max(timings))}"),
    ]


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=JOURNALS, required=True)
    parser.add_argument("--stack", choices=django_env.STACKS, default="sqlite")
    options = parser.parse_args()
    django_env.start(f"bench-webhooks-{options.child}", options.stack)
    django_env.emit(intake(options.child))
