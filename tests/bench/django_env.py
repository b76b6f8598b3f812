"""Running a benchmark inside the workbench Django project, in a child process.

Each Django benchmark runs in its own ``python -m tests.bench.<module> --child NAME`` process
(settings chosen before Django starts) and prints its rows as JSON on the last line of its
output; the parent turns them back into ``Result`` rows. Two stacks:

- ``sqlite``: a fresh SQLite file under var/bench/, local-memory cache (the default tier);
- ``mariadb``: the production stack of the services tier, a fresh MariaDB database
  (``ZOOM_XBLOCK_BENCH_DB``, default ``zoom_xblock_bench``, suffixed per benchmark) on
  127.0.0.1:3306 and Redis (``ZOOM_XBLOCK_BENCH_REDIS``) as cache and Celery broker.
"""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

from .core import Result

ROOT = Path(__file__).resolve().parents[2]
# The benchmarks' own folder (databases, mail, broker): never the demo's var/.
BENCH_VAR = ROOT / "var" / "bench"
MARKER = "BENCH-RESULTS "
STACKS = ("sqlite", "mariadb")
MARIADB_LABEL = "MariaDB+Redis"


def _mariadb_database(name: str) -> str:
    base = os.environ.get("ZOOM_XBLOCK_BENCH_DB", "zoom_xblock_bench")
    return f"{base}_{''.join(c if c.isalnum() else '_' for c in name)}"[:64]


def mariadb_missing() -> str:
    """Why the MariaDB stack cannot run here ("" when MariaDB and Redis answer)."""
    import socket
    from urllib.parse import urlparse

    from .core import REDIS_URL

    redis = urlparse(REDIS_URL)
    for label, host, port in (("MariaDB", "127.0.0.1", 3306),
                              ("Redis", redis.hostname or "127.0.0.1", redis.port or 6379)):
        with socket.socket() as sock:
            sock.settimeout(1)
            if sock.connect_ex((host, port)) != 0:
                return f"no {label} at {host}:{port}"
    return ""


def setup_mariadb(name: str) -> None:
    """Start Django on a fresh MariaDB database with Redis as cache and broker."""
    import MySQLdb

    from .core import REDIS_URL

    database = _mariadb_database(name)
    connection = MySQLdb.connect(host="127.0.0.1", port=3306, user="root", passwd="")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS `{database}`")
        cursor.execute(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    connection.close()
    redis_base = REDIS_URL.rsplit("/", 1)[0] + "/"
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "tests.project.settings", "ZOOM_XBLOCK_TEST_TIER": "services",
        "ZOOM_XBLOCK_DB_NAME": database, "ZOOM_XBLOCK_REDIS_URL": redis_base,
        "ZOOM_XBLOCK_CACHE_PREFIX": f"bench-{database}"})
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.core.management import call_command

    # No worker runs here: queued tasks stay in memory rather than reach a real worker's queue.
    settings.CELERY_BROKER_URL = "memory://"
    cache.clear()
    call_command("migrate", run_syncdb=True, verbosity=0)


def stack_label() -> str:
    """Which stack this child runs on, with the server's version, for the conditions column."""
    from django.db import connection

    if connection.vendor == "sqlite":
        return "SQLite"
    with connection.cursor() as cursor:
        cursor.execute("SELECT VERSION()")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT @@innodb_flush_log_at_trx_commit")
        flush = cursor.fetchone()[0]
    return (f"MariaDB {version.split('-')[0]} (InnoDB, innodb_flush_log_at_trx_commit={flush}) "
            "+ Redis cache and broker")


def start(name: str, stack: str) -> None:
    """Set up Django for a child on ``stack`` ("sqlite" or "mariadb")."""
    if stack == "mariadb":
        setup_mariadb(name)
    else:
        setup(f"{name}.sqlite3")


def stack_rows(module: str, names: list[str], name_of=lambda n: n) -> list[Result]:
    """Run each child on SQLite, then on MariaDB+Redis (rows suffixed), or say why not."""
    results = [row for name in names for row in run_child(module, name)]
    missing = mariadb_missing()
    for name in names:
        if missing:
            results.append(Result(f"{name_of(name)} [{MARIADB_LABEL}]", "-", "", None,
                                  "needs MariaDB and Redis", status=f"skipped ({missing})"))
            continue
        for row in run_child(module, name, "mariadb"):
            row.name = f"{row.name} [{MARIADB_LABEL}]"
            results.append(row)
    return results


def setup(database: str) -> None:
    """Start Django on a fresh SQLite file ``var/bench/<database>`` with every table created
    (the project's mail and other files go to ``var/bench/`` too)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.project.settings"
    os.environ["ZOOM_XBLOCK_VAR_DIR"] = str(BENCH_VAR)
    os.environ["ZOOM_XBLOCK_SQLITE"] = database
    os.environ["ZOOM_XBLOCK_EAGER"] = "0"
    path = BENCH_VAR / database
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", run_syncdb=True, verbosity=0)


def emit(results: list[Result]) -> None:
    """Print the rows for the parent process."""
    print(MARKER + json.dumps([dataclasses.asdict(result) for result in results]), flush=True)


def run_child(module: str, name: str, stack: str = "sqlite", timeout: int = 900
              ) -> list[Result]:
    """Run ``python -m module --child name --stack stack`` and return its rows."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    kept = ("ZOOM_XBLOCK_BENCH_REDIS", "ZOOM_XBLOCK_BENCH_DB")
    for key in [k for k in env if k.startswith("ZOOM_") and k not in kept]:
        env.pop(key)
    done = subprocess.run([sys.executable, "-m", module, "--child", name, "--stack", stack],
                          cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARKER):
            return [Result(**row) for row in json.loads(line[len(MARKER):])]
    raise RuntimeError(f"{module} {name} printed no results:\n{done.stdout[-2000:]}\n"
                       f"{done.stderr[-4000:]}")
