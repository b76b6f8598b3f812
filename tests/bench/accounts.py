"""Several Zoom accounts syncing at once (issue 17): each keeps its own Zoom bound.

Two accounts of one sandbox (one URL, like Zoom), both on the Pro plan at Zoom's real rates
(time scale 1), each with a course of 2,000 learners. Two worker processes sync them at the
same moment, sharing one Redis for the rate-limit buckets and the token cache when
``ZOOM_XBLOCK_BENCH_REDIS`` answers (else each process limits itself in-process). Batch
registration is Heavy: 10 calls/s x 30 = 300 learners/s per account, so 2,000 take 6.7 s; if the
accounts shared one set of buckets, each would get half that rate (50% of its bound).

Two measures: the accounts' Zoom clients alone (``ZoomClient.add_registrants`` in one process per
account, no database: what the limiter allows each account), then the plugin's whole sync (one
account alone, for the machine's own figure, then both accounts' workers at once).
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import time
from contextlib import contextmanager

from . import django_env
from .core import REDIS_URL, Result

LEARNERS = 2000
PER_SECOND = 300  # learners per second: Heavy 10 calls/s x 30 per batch (Pro)
ACCOUNTS = {
    "north": {"account_id": "north-account", "client_id": "north-client",
              "client_secret": "north-secret", "org": "NorthX"},
    "south": {"account_id": "south-account", "client_id": "south-client",
              "client_secret": "south-secret", "org": "SouthX"},
}


def _redis_url() -> str:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping()
    except Exception:  # pylint: disable=broad-except
        return ""
    return REDIS_URL


def _serve(url_pipe, stop) -> None:
    from zoom_xblock.sandbox.accounts import start_accounts_sandbox

    accounts = [{key: value for key, value in account.items() if key != "org"}
                for account in ACCOUNTS.values()]
    with start_accounts_sandbox(accounts, webhook_base="", time_scale=1.0, plan="pro") as h:
        url_pipe.send(h.url)
        stop.wait()


@contextmanager
def _sandbox():
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    stop = context.Event()
    process = context.Process(target=_serve, args=(send, stop), daemon=True)
    process.start()
    try:
        if not receive.poll(30):
            raise RuntimeError("the sandbox process did not start within 30 s")
        yield receive.recv()
    finally:
        stop.set()
        process.join(timeout=10)


def _children(url: str, names: list[str], redis_url: str) -> list[dict]:
    """Run one worker process per account name, all starting their sync at the same moment."""
    start_at = time.time() + 25  # each child sets up its data, then they start together
    env = {**os.environ, "PYTHONPATH": str(django_env.ROOT)}
    for key in [k for k in env if k.startswith("ZOOM_") and k != "ZOOM_XBLOCK_BENCH_REDIS"]:
        env.pop(key)
    children = [subprocess.Popen(
        [sys.executable, "-m", "tests.bench.accounts", "--child", name, "--url", url,
         "--start-at", str(start_at), "--redis", redis_url],
        cwd=django_env.ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True) for name in names]
    measured = []
    for name, child_process in zip(names, children, strict=True):
        stdout, stderr = child_process.communicate(timeout=600)
        line = next((line for line in reversed(stdout.splitlines())
                     if line.startswith(django_env.MARKER)), None)
        if line is None:
            raise RuntimeError(f"accounts {name} printed no results:\n{stderr[-4000:]}")
        measured.append(json.loads(line[len(django_env.MARKER):]))
    return measured


def _stats(url: str, name: str) -> dict:
    import requests

    return requests.get(f"{url}/_sandbox/stats?account={ACCOUNTS[name]['account_id']}",
                        timeout=10).json()


def _row(label: str, name: str, measured: dict, stats: dict, redis_url: str,
         check: bool = True) -> Result:
    bound = LEARNERS / PER_SECOND
    elapsed = measured["finished"] - measured["started"]
    throttled = sum(stats.get("throttled", {}).values())
    peak = stats.get("peak_rate", {}).get("Heavy", {}).get("peak_per_second")
    ok = bound / elapsed >= 0.9 and measured["added"] == LEARNERS and throttled == 0
    return Result(
        label, f"{elapsed:.1f} s ({bound / elapsed:.0%} of its bound {bound:.1f} s)",
        ">= 90% of its own bound, 0 x 429" if check else "baseline", ok if check else None,
        f"{measured['added']} registered, {throttled} x 429, peak Heavy {peak}/s; Pro plan, "
        f"sandbox time scale 1, one worker process per account, SQLite each; limiter "
        f"{'Redis (shared)' if redis_url else 'in-process'}")


def _client_worker(job: dict, mailbox, start) -> None:
    """One account's process: its own ZoomClient on the shared Redis (limiter, token cache),
    registering 2,000 people in batches of 30, with no database in the way."""
    try:
        import logging

        import redis

        from tests.bench.core import RedisCache
        from zoom_xblock.zoom import MEETING, RedisRateLimiter, ZoomClient

        logging.getLogger("zoom_xblock").addHandler(logging.NullHandler())
        statuses: dict[int, int] = {}
        client = ZoomClient(
            job["account_id"], job["client_id"], job["client_secret"],
            oauth_url=job["url"] + "/oauth/token",
            token_cache=RedisCache(job["redis"], job["prefix"]),
            rate_limiter=RedisRateLimiter(redis.Redis.from_url(job["redis"]), plan="pro",
                                          key_prefix=job["prefix"] + ":ratelimit"),
            plan="pro", on_response=lambda r: statuses.update(
                {r.status_code: statuses.get(r.status_code, 0) + 1}))
        meeting = client.create(MEETING, "host@example.com", {
            "topic": "Benchmark", "start_time": "2030-01-01T10:00:00Z", "duration": 60,
            "settings": {"approval_type": 0}})
        people = [{"email": f"{job['name']}{n}@example.com", "first_name": "L",
                   "last_name": str(n)} for n in range(LEARNERS)]
        mailbox.put(("ready", None))
        start.wait(120)
        first = time.time()
        results = client.add_registrants(MEETING, meeting["id"], people)
        mailbox.put(("done", {"name": job["name"], "first": first, "last": time.time(),
                              "added": sum(result.ok for result in results),
                              "statuses": statuses}))
    except BaseException:  # noqa: BLE001 - the parent reports it
        import traceback

        mailbox.put(("crash", traceback.format_exc()))


def _client_rows(url: str, redis_url: str) -> list[Result]:
    """Both accounts' clients at once, released together."""
    import uuid

    context = multiprocessing.get_context("spawn")
    mailbox, start = context.Queue(), context.Event()
    prefix = f"bench-accounts-{uuid.uuid4().hex[:8]}"
    jobs = [{**account, "name": name, "url": url, "redis": redis_url, "prefix": prefix}
            for name, account in ACCOUNTS.items()]
    processes = [context.Process(target=_client_worker, args=(job, mailbox, start),
                                 daemon=True) for job in jobs]
    for process in processes:
        process.start()
    reports = {}
    for phase in ("ready", "done"):
        for _ in processes:
            kind, payload = mailbox.get(timeout=180)
            if kind == "crash":
                raise RuntimeError(f"a benchmark worker crashed:\n{payload}")
            if kind == "done":
                reports[payload["name"]] = payload
        if phase == "ready":
            start.set()
    for process in processes:
        process.join(timeout=10)
    bound = LEARNERS / PER_SECOND
    rows = []
    for name in ACCOUNTS:
        report, stats = reports[name], _stats(url, name)
        elapsed = report["last"] - report["first"]
        throttled = sum(stats.get("throttled", {}).values()) + report["statuses"].get(429, 0)
        peak = stats.get("peak_rate", {}).get("Heavy", {}).get("peak_per_second")
        rows.append(Result(
            f"accounts: {name}, 2,000 registrants in parallel (client)",
            f"{elapsed:.1f} s ({bound / elapsed:.0%} of its bound {bound:.1f} s)",
            ">= 90% of its own bound, 0 x 429",
            bound / elapsed >= 0.9 and report["added"] == LEARNERS and throttled == 0,
            f"{report['added']} registered, {throttled} x 429, peak Heavy {peak}/s; Pro plan, "
            "time scale 1; one process per account, ZoomClient.add_registrants on its "
            "account's RedisRateLimiter buckets and Redis token cache (one Redis for both), "
            "no database"))
    return rows


def run() -> list[Result]:
    """Both accounts' Zoom clients at once (the limiter per account), then the plugin's whole
    sync: one account alone (the machine's own figure), then both accounts' workers at once."""
    import requests

    redis_url = _redis_url()
    bound = LEARNERS / PER_SECOND
    rows: list[Result] = []
    if redis_url:
        with _sandbox() as url:
            rows += _client_rows(url, redis_url)
    with _sandbox() as url:
        (alone,) = _children(url, ["north"], redis_url)
        rows += [_row("accounts: north alone, 2,000 learners", "north", alone,
                     _stats(url, "north"), redis_url, check=False)]
        requests.post(f"{url}/_sandbox/reset", timeout=10).raise_for_status()
        both = _children(url, list(ACCOUNTS), redis_url)
        rows += [_row(f"accounts: {name}, 2,000 learners in parallel", name, measured,
                      _stats(url, name), redis_url)
                 for name, measured in zip(ACCOUNTS, both, strict=True)]
    overlap = min(m["finished"] for m in both) - max(m["started"] for m in both)
    rows.append(Result("accounts: the two syncs overlapped", f"{max(overlap, 0):.1f} s",
                       "> 90% of the bound", overlap > 0.9 * bound,
                       "time both workers were syncing at once"))
    return rows


# --- child side -------------------------------------------------------------------------------

def child(name: str, url: str, start_at: float, redis_url: str) -> dict:
    """Set up one account's course of 2,000 learners, wait for ``start_at``, sync."""
    from datetime import UTC, datetime

    from django.conf import settings
    from django.contrib.auth import get_user_model

    from tests.standin.models import Enrollment
    from zoom_xblock.learners import sync
    from zoom_xblock.meeting import lifecycle, sessions
    from zoom_xblock.models import ZoomSession

    north, south = ACCOUNTS["north"], ACCOUNTS["south"]
    settings.ZOOM_XBLOCK = {
        "ACCOUNT_ID": north["account_id"], "CLIENT_ID": north["client_id"],
        "CLIENT_SECRET": north["client_secret"], "OAUTH_URL": f"{url}/oauth/token",
        "ACCOUNTS": {"south": {"ACCOUNT_ID": south["account_id"],
                               "CLIENT_ID": south["client_id"],
                               "CLIENT_SECRET": south["client_secret"]}},
        "ORG_ACCOUNTS": {"SouthX": "south"}, "REDIS_URL": redis_url,
        "SYNC_DEBOUNCE_SECONDS": 5,
    }
    if redis_url:  # this account's buckets start empty (the other account's are its own)
        import redis

        from zoom_xblock.zoom.ratelimit import account_key_for

        client = redis.Redis.from_url(redis_url)
        key = account_key_for(ACCOUNTS[name]["account_id"])
        keys = client.keys(f"zoom_xblock:ratelimit:{key}:*")
        if keys:
            client.delete(*keys)
    if name == "south":  # one site has unique session ids (its locks are named by them)
        ZoomSession.objects.create(usage_key="placeholder", course_key="x", title="-").delete()
    course = f"course-v1:{ACCOUNTS[name]['org']}+Bench+2026"
    session = sessions.save_desired(f"block-v1:{ACCOUNTS[name]['org']}+Bench+2026+type@zoom"
                                    f"+block@bench", course, {
        "kind": "meeting", "title": "Benchmark", "start": datetime(2030, 1, 15, 14, tzinfo=UTC),
        "duration_minutes": 60, "timezone": "UTC", "host_email": "host@example.com"})
    lifecycle.apply_session(session.id)
    session.refresh_from_db()
    assert session.zoom_account == ("south" if name == "south" else "default"), session
    users = get_user_model().objects
    users.bulk_create([users.model(username=f"{name}{n}", email=f"{name}{n}@example.com",
                                   first_name="Learner", last_name=str(n))
                       for n in range(LEARNERS)], batch_size=1000)
    Enrollment.objects.bulk_create([Enrollment(user=user, course_key=course)
                                    for user in users.filter(username__startswith=name)])
    time.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    result = sync.sync_session(session.id, "bench")
    return {"started": started, "finished": time.time(), "added": result.get("added", 0)}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--child", choices=list(ACCOUNTS), required=True)
    parser.add_argument("--url", required=True)
    parser.add_argument("--start-at", type=float, required=True)
    parser.add_argument("--redis", default="")
    options = parser.parse_args()
    django_env.setup(f"bench-accounts-{options.child}.sqlite3")
    print(django_env.MARKER + json.dumps(child(options.child, options.url, options.start_at,
                                               options.redis)), flush=True)
